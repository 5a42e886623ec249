/* test_html_chromium.c - the HTML report as a browser renders it.  Writes
 * the page for the cells of diag_cells.h, has headless Chromium load it
 * from file:// and dump the DOM it built (--dump-dom) and a screenshot,
 * and checks the parts are there: the summary line, the command, each
 * cell's verdict in the matrix, the race pair side by side with source
 * excerpts and highlighted lines, tool frames hidden, the hang's wait-for
 * cycle as an SVG of thread and mutex nodes, hostile text as text; and
 * that Chromium logged no script error.  Exit 77 (skip) when no chromium
 * is installed; RACELAB_CHROMIUM names another binary (then a failure to
 * run it fails the test). */
#include "check_view.h"
#include "diag_cells.h"
#include "diagnosis.h"

#include <sys/stat.h>
#include <unistd.h>

#define SKIP 77
#define WIDTH 1280
#define HEIGHT 2400

struct fixture {
    struct cell_result cells[NDIAG];
    char dir[64];
    char *page;     /* the file as written */
    char *dom;      /* the DOM Chromium serialized */
    char *text;     /* its text: tags stripped, entities decoded */
    char *log;      /* Chromium's stderr */
    char png[128];
    char *check_dom, *check_text;   /* racelab check --html's page */
};

static char chromium[512];

static bool find_chromium(void)
{
    static const char *const names[] = {"chromium", "chromium-browser"};
    const char *env = getenv("RACELAB_CHROMIUM");
    char *path, *dir, *save = NULL;
    bool found = false;

    if (env && *env) {
        /* Named on purpose: a wrong name is an error, not a skip. */
        snprintf(chromium, sizeof chromium, "%s", env);
        return true;
    }
    path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
    for (dir = strtok_r(path, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save))
        for (size_t i = 0; i < 2 && !found; i++) {
            snprintf(chromium, sizeof chromium, "%s/%s", dir, names[i]);
            found = access(chromium, X_OK) == 0;
        }
    free(path);
    return found;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *m;
    char chunk[8192];
    size_t n;

    if (!f)
        return NULL;
    m = open_memstream(&buf, &len);
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(m);
    fclose(f);
    return buf;
}

/* Runs Chromium headless on the page with ARGS; stdout to OUT, stderr to
 * ERR.  A fresh profile each time, nothing fetched from the network. */
static int run_page(const char *dir, const char *page, const char *args,
                    const char *out, const char *err)
{
    char cmd[2048];

    snprintf(cmd, sizeof cmd,
             "timeout 120 '%s' --headless --no-sandbox --disable-gpu "
             "--disable-quic --no-first-run --disable-background-networking "
             "--disable-component-update --disable-sync "
             "--user-data-dir='%s/profile' --enable-logging=stderr --v=0 "
             "%s 'file://%s/%s' >'%s' 2>'%s'",
             chromium, dir, args, dir, page, out, err);
    return system(cmd);
}

static int run_chromium(const char *dir, const char *args, const char *out,
                        const char *err)
{
    return run_page(dir, "report.html", args, out, err);
}

/* The text content of HTML: tags dropped, the five entities decoded. */
static char *text_of(const char *html)
{
    static const struct { const char *ent; char c; } ents[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
        {"&#39;", '\''}, {"&nbsp;", ' '},
    };
    char *out = malloc(strlen(html) + 1), *o = out;
    bool in_tag = false;

    for (const char *p = html; *p; p++) {
        if (in_tag) {
            in_tag = *p != '>';
            continue;
        }
        if (*p == '<') {
            in_tag = true;
            continue;
        }
        if (*p == '&') {
            size_t i;

            for (i = 0; i < sizeof ents / sizeof ents[0]; i++)
                if (strncmp(p, ents[i].ent, strlen(ents[i].ent)) == 0)
                    break;
            if (i < sizeof ents / sizeof ents[0]) {
                *o++ = ents[i].c;
                p += strlen(ents[i].ent) - 1;
                continue;
            }
        }
        *o++ = *p;
    }
    *o = '\0';
    return out;
}

/* racelab check --html's page for cells 0 (a race in race.c) and 2 (a
 * deadlock in lockorder.c), as if the student's file were race.c. */
static int check_page(struct fixture *fx)
{
    static const char race[] = RACELAB_UNIT_DATA "/../programs/race.c";
    struct check_view v = {.module_file = "race.c", .label = "your race.c",
                           .shown_name = "race.c", .student_path = race};
    struct check_criterion_view cr[] = {
        {"build", "compiles in every flavor", "pass", "built", 0},
        {"oracles", "every oracle clean", "fail", "a <hang> & more", 20},
        {"tsan", "ThreadSanitizer finds nothing", "fail", "data-race", 25}};
    struct cell_result cells[2] = {fx->cells[0], fx->cells[2]};
    const char *names[2] = {"tsan", "oracles"};
    struct check_page pg = {.title = "racelab check race race.c", .accepted = false,
                            .score = 20, .reason = "failed: oracles, tsan", .criteria = cr,
                            .ncriteria = 3, .cells = cells, .cell_criterion = names,
                            .ncells = 2, .view = &v};
    char path[128], out[128], log[128], err[256];
    char *lg;
    int rc;

    check_view_prepare(&fx->cells[0], &v);
    cells[0] = fx->cells[0];
    snprintf(path, sizeof path, "%s/check.html", fx->dir);
    if (write_check_html(path, &pg, err, sizeof err) < 0) {
        fprintf(stderr, "write_check_html: %s\n", err);
        return -1;
    }
    snprintf(out, sizeof out, "%s/check-dom.html", fx->dir);
    snprintf(log, sizeof log, "%s/check.log", fx->dir);
    rc = run_page(fx->dir, "check.html", "--dump-dom", out, log);
    fx->check_dom = slurp(out);
    lg = slurp(log);
    if (rc != 0 || !fx->check_dom || !*fx->check_dom) {
        fprintf(stderr, "chromium --dump-dom check.html: status %d\n%s\n", rc, lg ? lg : "");
        free(lg);
        return -1;
    }
    if (lg && strstr(lg, "Uncaught")) {
        fprintf(stderr, "script error in check.html: %s\n", lg);
        free(lg);
        return -1;
    }
    free(lg);
    fx->check_text = text_of(fx->check_dom);
    return 0;
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    char err[256] = "", path[128], out[128], log[128];
    int rc;

    strcpy(fx->dir, "/tmp/racelab-html-XXXXXX");
    if (!mkdtemp(fx->dir))
        return -1;
    diag_cells(fx->cells);
    snprintf(path, sizeof path, "%s/report.html", fx->dir);
    if (write_html_command(path, fx->cells, NDIAG,
                           "racelab matrix --runs 2 --html '<&>'", err,
                           sizeof err) != 0) {
        fprintf(stderr, "write_html_command: %s\n", err);
        return -1;
    }
    fx->page = slurp(path);

    snprintf(out, sizeof out, "%s/dom.html", fx->dir);
    snprintf(log, sizeof log, "%s/chromium.log", fx->dir);
    rc = run_chromium(fx->dir, "--dump-dom", out, log);
    fx->dom = slurp(out);
    fx->log = slurp(log);
    if (rc != 0 || !fx->dom || !*fx->dom) {
        fprintf(stderr, "chromium --dump-dom: status %d\n%s\n", rc,
                fx->log ? fx->log : "");
        return -1;
    }
    fx->text = text_of(fx->dom);

    snprintf(fx->png, sizeof fx->png, "%s/shot.png", fx->dir);
    snprintf(out, sizeof out, "%s/shot.out", fx->dir);
    snprintf(log, sizeof log, "%s/shot.log", fx->dir);
    {
        char args[256];

        snprintf(args, sizeof args, "--hide-scrollbars --window-size=%d,%d "
                 "--screenshot='%s'", WIDTH, HEIGHT, fx->png);
        rc = run_chromium(fx->dir, args, out, log);
    }
    if (rc != 0) {
        fprintf(stderr, "chromium --screenshot: status %d\n", rc);
        return -1;
    }
    if (check_page(fx) < 0)
        return -1;
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    char cmd[128];

    for (int i = 0; i < NDIAG; i++)
        cell_result_free(&fx->cells[i]);
    if (!getenv("RACELAB_KEEP_HTML")) {
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->dir);
        if (system(cmd) != 0)
            return -1;
    } else {
        fprintf(stderr, "kept %s\n", fx->dir);
    }
    free(fx->page);
    free(fx->dom);
    free(fx->text);
    free(fx->log);
    free(fx->check_dom);
    free(fx->check_text);
    free(fx);
    return 0;
}

#define assert_contains(hay, needle) do {                                  \
        if (!strstr((hay), (needle)))                                      \
            fail_msg("\"%s\" not found", (needle));                        \
    } while (0)
#define assert_lacks(hay, needle) do {                                     \
        if (strstr((hay), (needle)))                                       \
            fail_msg("\"%s\" unexpectedly found", (needle));               \
    } while (0)

static size_t count(const char *hay, const char *needle)
{
    size_t k = 0;

    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        k++;
    return k;
}

/* The DOM from the element with id="ID" (its opening tag) on. */
static const char *element(const char *dom, const char *id)
{
    char needle[64];
    const char *p;

    snprintf(needle, sizeof needle, "id=\"%s\"", id);
    p = strstr(dom, needle);
    if (!p)
        fail_msg("no element %s in the DOM", needle);
    return p;
}

static void test_html_summary_and_command(void **state)
{
    struct fixture *fx = *state;
    char *summary = text_of(element(fx->dom, "summary"));

    assert_true(strncmp(strchr(summary, '>') + 1,
                        "7 cells: 4 pass, 1 fail, 1 inconclusive, 1 error",
                        48) == 0);
    free(summary);
    assert_contains(fx->text, "command: racelab matrix --runs 2 --html '<&>'");
    /* the whole document was parsed: the last element is there */
    element(fx->dom, "end");
}

static void test_html_verdicts_visible(void **state)
{
    struct fixture *fx = *state;
    const char *m = element(fx->dom, "matrix");
    const char *end = strstr(m, "</table>");
    char *raw, *matrix;

    assert_non_null(end);
    raw = strndup(m, (size_t)(end - m));
    matrix = text_of(raw);
    for (int i = 0; i < NDIAG; i++) {
        char *v = fx->cells[i].verdict;

        /* in the matrix as text (not only a tooltip), and in the details */
        if (count(matrix, v) < 1 || count(fx->text, v) < 2)
            fail_msg("verdict of cell %d not shown: %s", i, v);
    }
    /* and in the element made for it */
    assert_int_equal(count(raw, "<div class=\"verdict\">"), NDIAG);
    free(raw);
    free(matrix);
    assert_contains(fx->dom, "<b>INCONCLUSIVE</b>");
    assert_contains(fx->dom, "<td class=\"inconclusive\">");
    /* 1 in 10 promises at least 0.018 per run: 383 runs decide */
    assert_contains(fx->text, "383 runs would decide");
    assert_contains(fx->dom, "<b>ERROR</b>");
    /* the error cell's run row gives the tool's reason, as text */
    assert_contains(fx->text, "tool-error");
    assert_contains(fx->text, DIAG_TOOL_ERROR);
}

/* The race of cell 0: access A and B side by side, each with its stack
 * (tool frames hidden) and the source around the line, highlighted. */
static void test_html_race_pair(void **state)
{
    struct fixture *fx = *state;
    const char *cell = element(fx->dom, "cell-0");
    const char *end = strstr(cell, "</section>");
    char *sec = strndup(cell, (size_t)(end - cell)), *t;
    const char *a, *b;

    assert_non_null(end);
    assert_int_equal(count(sec, "<div class=\"pair\">"), 1);
    a = strstr(sec, "<div class=\"side side-a\">");
    b = strstr(sec, "<div class=\"side side-b\">");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b);
    t = text_of(a);
    assert_contains(t, "access A: write (thread 0)");
    assert_contains(t, "main tests/harness-unit/programs/race.c:27");
    assert_contains(t, "2 tool frames hidden");
    free(t);
    t = text_of(b);
    assert_contains(t, "access B: previous write (thread 1) holding write M0");
    assert_contains(t, "worker tests/harness-unit/programs/race.c:16");
    assert_contains(t, "1 tool frame hidden");
    free(t);
    /* each side's excerpt highlights its own line */
    assert_int_equal(count(sec, "<pre class=\"src\">"), 2);
    assert_contains(sec, "<mark class=\"hl\"><span class=\"ln\">27</span>");
    assert_contains(sec, "<mark class=\"hl\"><span class=\"ln\">16</span>");
    assert_contains(sec, "racing write #2 */</mark>");
    assert_contains(sec, "<span class=\"ln\">25</span>");
    /* the frames pushed on top are gone from the page */
    t = text_of(sec);
    assert_lacks(t, "__wrap_pthread_mutex_lock");
    assert_lacks(t, "__tsan_write4");
    assert_lacks(t, "__interceptor_");
    free(t);
    free(sec);
    /* Helgrind's preload frames too */
    assert_lacks(fx->text, "pthread_mutex_lock@*");
}

/* The hang of cell 2: an SVG ring of two threads and two mutexes. */
static void test_html_cycle_svg(void **state)
{
    struct fixture *fx = *state;
    const char *cell = element(fx->dom, "cell-2");
    const char *svg = strstr(cell, "<svg class=\"waitfor\"");
    const char *end = svg ? strstr(svg, "</svg>") : NULL;
    char *s, *t;

    assert_non_null(svg);
    assert_non_null(end);
    s = strndup(svg, (size_t)(end - svg));
    assert_int_equal(count(s, "class=\"node thread\""), 2);
    assert_int_equal(count(s, "class=\"node mutex\""), 2);
    assert_contains(s, "data-thread=\"4376\"");
    assert_contains(s, "data-thread=\"4378\"");
    assert_int_equal(count(s, "<ellipse"), 2);
    assert_int_equal(count(s, "<rect"), 2);
    assert_int_equal(count(s, "class=\"edge waits\""), 2);
    assert_int_equal(count(s, "class=\"edge holds\""), 2);
    t = text_of(s);
    assert_contains(t, "thread 4376");
    assert_contains(t, "thread 4378");
    assert_contains(t, "cache_lock");
    assert_contains(t, "stats_lock");
    assert_contains(t, "waits for");
    assert_contains(t, "holds");
    free(t);
    free(s);
    assert_contains(fx->text, "thread 4376 holds cache_lock and waits for "
                              "stats_lock at tests/harness-unit/programs/"
                              "lockorder.c:13");
    /* with the lock call's source, highlighted */
    {
        const char *cyc = strstr(cell, "<ol class=\"cycle\">");

        assert_non_null(cyc);
        assert_contains(cyc, "<mark class=\"hl\"><span class=\"ln\">13</span>");
        assert_contains(cyc, "<mark class=\"hl\"><span class=\"ln\">26</span>");
    }
}

/* Hostile text stays text; no script ran or failed; nothing external. */
static void test_html_escaped_and_clean(void **state)
{
    struct fixture *fx = *state;

    assert_contains(fx->text, DIAG_HOSTILE);
    assert_contains(fx->text, "<script>alert('gdb')</script>");
    assert_lacks(fx->dom, "<script");
    assert_lacks(fx->dom, "<b>\"x\"");
    assert_lacks(fx->log, "Uncaught");
    assert_lacks(fx->log, ":CONSOLE");
    assert_lacks(fx->page, "src=");
    assert_lacks(fx->page, "<link");
    assert_lacks(fx->page, "@import");
    assert_lacks(fx->page, "url(http");
    assert_int_equal(count(fx->page, "http"), 1);   /* the SVG namespace */
}

/* The screenshot is a PNG of the window size, with something drawn. */
static void test_html_screenshot(void **state)
{
    struct fixture *fx = *state;
    unsigned char h[24];
    FILE *f = fopen(fx->png, "rb");
    struct stat st;

    assert_non_null(f);
    assert_int_equal(fread(h, 1, sizeof h, f), sizeof h);
    fclose(f);
    assert_memory_equal(h, "\x89PNG\r\n\x1a\n", 8);
    assert_memory_equal(h + 12, "IHDR", 4);
    assert_int_equal((h[16] << 24 | h[17] << 16 | h[18] << 8 | h[19]), WIDTH);
    assert_int_equal((h[20] << 24 | h[21] << 16 | h[22] << 8 | h[23]), HEIGHT);
    assert_int_equal(stat(fx->png, &st), 0);
    /* a blank page of this size compresses to a few kB */
    assert_true(st.st_size > 50000);
}

/* racelab check --html: the verdict and criteria, then the race's two
 * sites side by side with the student's source lines and the locks each
 * side held, the creation sites folded away as context, the deadlock's
 * cycle drawn; no fingerprint alone, no ":0". */
static void test_check_html_page(void **state)
{
    struct fixture *fx = *state;
    const char *d = fx->check_dom;
    /* the text from the verdict on (not the style sheet) */
    const char *t = strstr(fx->check_text, "REJECTED");
    const char *crit = element(d, "criteria"), *cell0 = element(d, "cell-0");
    const char *cell1 = element(d, "cell-1");
    const char *a = strstr(cell0, "<div class=\"side side-a\">");
    const char *b = strstr(cell0, "<div class=\"side side-b\">");

    char *verdict = text_of(element(d, "verdict"));

    assert_non_null(t);
    assert_contains(verdict, "REJECTED");
    free(verdict);
    assert_int_equal(count(crit, "<tr class=\"criterion\""), 3);
    assert_contains(t, "a <hang> & more");             /* evidence as text */
    /* the race: both sides, in order, each with its excerpt */
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a < b && b < cell1);
    assert_contains(cell0, "<mark class=\"hl\"><span class=\"ln\">27</span>");
    assert_contains(cell0, "<mark class=\"hl\"><span class=\"ln\">16</span>");
    /* the account in the student's terms, with the lock each side held */
    assert_contains(t, "data-race at race.c:27 (main) vs race.c:16 (worker)");
    assert_contains(t, "-- your race.c:27 in main");
    assert_contains(t, "-- your race.c:16 in worker");
    assert_contains(t, "holding no lock");
    assert_contains(t, "previous write by thread T1, holding worker_lock");  /* by name */
    /* a creation site is context, never a party */
    assert_lacks(strstr(t, "data-race at"), " vs race.c:16 (worker) vs ");
    assert_contains(cell0, "(context)</summary>");
    /* the deadlock: the cycle drawn */
    assert_non_null(strstr(cell1, "<svg class=\"waitfor\""));
    assert_int_equal(count(cell1, "class=\"node thread\""), 2);
    assert_contains(t, "holds cache_lock and waits for stats_lock");
    /* fingerprints only with their label; no line 0; no doubled prefix */
    assert_contains(t, "fingerprint ");
    assert_lacks(t, ":0)");
    assert_lacks(t, ":0 ");
    assert_lacks(t, "crash: crash:");
    assert_lacks(t, "fixed variant");
    element(d, "end");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_html_summary_and_command),
        cmocka_unit_test(test_html_verdicts_visible),
        cmocka_unit_test(test_html_race_pair),
        cmocka_unit_test(test_html_cycle_svg),
        cmocka_unit_test(test_html_escaped_and_clean),
        cmocka_unit_test(test_html_screenshot),
        cmocka_unit_test(test_check_html_page),
    };

    if (!find_chromium()) {
        printf("chromium not installed (scripts/install-deps.sh): skipped\n");
        return SKIP;
    }
    return cmocka_run_group_tests(tests, setup, teardown);
}
