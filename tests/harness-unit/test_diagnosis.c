/* test_diagnosis.c - what the terminal shows under the table: the top
 * findings of failed, inconclusive and detecting cells with both sites
 * and their source lines, tool frames hidden, a hang's wait-for cycle;
 * and the helpers behind it (diagnosis.h). */
#include "diag_cells.h"
#include "diagnosis.h"

#include <unistd.h>

struct fixture {
    struct cell_result cells[NDIAG];
    char *table;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    size_t len = 0;
    FILE *f;

    diag_cells(fx->cells);
    f = open_memstream(&fx->table, &len);
    print_table(f, fx->cells, NDIAG);
    fclose(f);
    if (getenv("RACELAB_TEST_VERBOSE"))
        fputs(fx->table, stderr);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;

    for (int i = 0; i < NDIAG; i++)
        cell_result_free(&fx->cells[i]);
    free(fx->table);
    free(fx);
    return 0;
}

/* The text of the findings section for cell HEADER ("a/b/c: STATUS"), up
 * to the next cell's header; asserts it is there. */
static char *section(const char *table, const char *header)
{
    const char *p = strstr(table, header), *e;

    if (!p)
        fail_msg("no section \"%s\" in:\n%s", header, table);
    e = strstr(p + 1, "\n\n");
    return strndup(p, e ? (size_t)(e - p) : strlen(p));
}

#define assert_contains(hay, needle) do {                                  \
        if (!strstr((hay), (needle)))                                      \
            fail_msg("\"%s\" not in:\n%s", (needle), (hay));               \
    } while (0)
#define assert_lacks(hay, needle) do {                                     \
        if (strstr((hay), (needle)))                                       \
            fail_msg("\"%s\" unexpectedly in:\n%s", (needle), (hay));      \
    } while (0)

static void test_diag_statuses(void **state)
{
    struct fixture *fx = *state;
    static const enum cell_status want[NDIAG] = {
        CELL_PASS, CELL_PASS, CELL_PASS, CELL_INCONCLUSIVE, CELL_FAIL,
        CELL_PASS, CELL_ERROR,
    };

    for (int i = 0; i < NDIAG; i++)
        if (fx->cells[i].status != want[i])
            fail_msg("cell %d: %s (%s), want %s", i,
                     cell_status_name(fx->cells[i].status),
                     fx->cells[i].verdict, cell_status_name(want[i]));
}

static void test_table_race_both_sites_with_source(void **state)
{
    struct fixture *fx = *state;
    char *s = section(fx->table, "cache-race/buggy/tsan: PASS");

    assert_contains(s, "data-race, true positive, 2/2 runs");
    assert_contains(s, fx->cells[0].findings[0].finding.fingerprint);
    /* the access and the previous access, each with its source line */
    assert_contains(s, "write (T0)");
    assert_contains(s, "main  tests/harness-unit/programs/race.c:27");
    assert_contains(s, "previous write (T1)");
    assert_contains(s, "worker  tests/harness-unit/programs/race.c:16");
    assert_contains(s, "| counter++;                          /* racing write #2 */");
    assert_contains(s, "| counter++;                          /* racing write #1 */");
    /* the wrapper and interceptor frames pushed on top are not shown */
    assert_lacks(s, "__wrap_");
    assert_lacks(s, "__tsan_write4");
    assert_lacks(s, "__interceptor_");
    free(s);
}

static void test_table_helgrind_preload_frames_hidden(void **state)
{
    struct fixture *fx = *state;
    char *s = section(fx->table, "lock-order/buggy/helgrind: PASS");

    assert_contains(s, "lock-order-inversion, true positive");
    assert_contains(s, "tests/harness-unit/programs/lockorder.c:");
    assert_contains(s, "| pthread_mutex_lock(&");
    assert_lacks(s, "@*");
    free(s);
}

static void test_table_hang_cycle(void **state)
{
    struct fixture *fx = *state;
    char *s = section(fx->table, "lock-order/buggy/none: PASS");

    assert_contains(s, "hang in run 1: wait-for cycle of 2 threads");
    assert_contains(s, "thread 4376 holds cache_lock, waits for stats_lock "
                       "at tests/harness-unit/programs/lockorder.c:13");
    assert_contains(s, "thread 4378 holds stats_lock, waits for cache_lock "
                       "at tests/harness-unit/programs/lockorder.c:26");
    /* each thread's lock call, read from the source */
    assert_contains(s, "lockorder.c:13\n      | pthread_mutex_lock(&b);");
    assert_contains(s, "lockorder.c:26\n      | pthread_mutex_lock(&a);");
    assert_contains(s, "(thread 4378 waits for what thread 4376 holds: a cycle)");
    free(s);
}

static void test_table_inconclusive_verdict(void **state)
{
    struct fixture *fx = *state;
    char *s = section(fx->table, "cache-race/buggy/drd: INCONCLUSIVE");
    char want[600];

    snprintf(want, sizeof want, "  verdict: %s", fx->cells[3].verdict);
    assert_contains(s, want);
    assert_contains(s, "runs would decide");
    /* and the status column of the table says it too */
    assert_contains(fx->table, "INCONCLUSIVE  data-race at the known locations not seen");
    free(s);
}

static void test_table_top_three_and_more(void **state)
{
    struct fixture *fx = *state;
    char *s = section(fx->table, "cache-race/fixed/tsan: FAIL");
    size_t listed = 0;

    assert_int_equal(fx->cells[4].nfindings, 5);
    for (const char *p = s; (p = strstr(p, ", false positive, ")); p++)
        listed++;
    assert_int_equal(listed, 3);
    assert_contains(s, "\u2026 2 more findings");
    free(s);
    /* a passing cell without findings is not listed */
    assert_lacks(fx->table, "cache-race/fixed/none: PASS");
}

static void test_table_error_reason(void **state)
{
    struct fixture *fx = *state;
    char *s = section(fx->table, "lock-order/fixed/drd: ERROR");

    assert_contains(s, "  run 1, tool-error: " DIAG_TOOL_ERROR);
    free(s);
    assert_contains(fx->table, "7 cells: 4 pass, 1 fail, 1 inconclusive, 1 error");
}

/* write_html() names the command that made the page: this process's. */
static void test_html_self_command(void **state)
{
    struct fixture *fx = *state;
    char path[] = "/tmp/racelab-diag-XXXXXX", err[256] = "", *buf = NULL;
    size_t cap = 0;
    int fd = mkstemp(path);
    FILE *f;

    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(write_html(path, fx->cells, NDIAG, err, sizeof err), 0);
    f = fopen(path, "r");
    assert_non_null(f);
    assert_true(getdelim(&buf, &cap, '\0', f) > 0);
    fclose(f);
    unlink(path);
    assert_contains(buf, "<p id=\"command\">command: <code>test_report_diagnosis"
                         "</code></p>");
    assert_contains(buf, "7 cells: ");
    free(buf);
}

static void test_frame_is_noise(void **state)
{
    static const struct {
        const char *fn, *file;
        bool noise;
    } cases[] = {
        {"__wrap_pthread_mutex_lock", "src/chaos/chaos.c", true},
        {"__real_pthread_mutex_lock", NULL, true},
        {"__interceptor_pthread_mutex_lock", NULL, true},
        {"__tsan_read4", NULL, true},
        {"__tsan::CallUserSignalHandler(__tsan::ThreadState*, bool,", NULL, true},
        {"pthread_mutex_lock", "/b/llvm/compiler-rt/lib/sanitizer_common/"
         "sanitizer_common_interceptors.inc", true},
        {"mutex_lock_WRK", "hg_intercepts.c", true},
        {"pthread_mutex_lock_intercept", "/x/drd_pthread_intercepts.c", true},
        {"pthread_mutex_lock@*", NULL, true},
        {NULL, NULL, true},
        {"main", "/src/tests/harness-unit/programs/race.c", false},
        {"pthread_mutex_lock", NULL, false},
        {"wrap_request", "src/server/http.c", false},
        {NULL, "race.c", false},
    };

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct frame fr = {(char *)cases[i].fn, (char *)cases[i].file, 1};

        if (frame_is_noise(&fr) != cases[i].noise)
            fail_msg("frame_is_noise(%s, %s) != %d", cases[i].fn,
                     cases[i].file, cases[i].noise);
    }
}

static void test_parse_wait_cycle(void **state)
{
    struct rl_wait w[4];

    assert_int_equal(rl_parse_wait_cycle(DIAG_HANG, w, 4), 2);
    assert_int_equal(w[0].thread, 4376);
    assert_string_equal(w[0].held_addr, "0x5602a0c0");
    assert_string_equal(w[0].held_name, "cache_lock");
    assert_string_equal(w[0].wait_addr, "0x5602a100");
    assert_string_equal(w[0].wait_name, "stats_lock");
    assert_string_equal(w[0].where, "tests/harness-unit/programs/lockorder.c:13");
    assert_int_equal(w[1].thread, 4378);
    assert_string_equal(w[1].held_name, "stats_lock");
    assert_string_equal(w[1].wait_name, "cache_lock");
    assert_string_equal(w[1].where, "tests/harness-unit/programs/lockorder.c:26");
    /* the limit holds, and a report without a cycle has none */
    assert_int_equal(rl_parse_wait_cycle(DIAG_HANG, w, 1), 1);
    assert_int_equal(rl_parse_wait_cycle("timeout: no mutex wait-for cycle: "
                                         "thread 7 blocked in pthread_cond_wait "
                                         "at a.c:3\n", w, 4), 0);
    assert_int_equal(rl_parse_wait_cycle(NULL, w, 4), 0);
}

static void test_source_lines(void **state)
{
    char buf[128];
    struct rl_source_line l[5];

    /* relative to the source root, and absolute */
    assert_int_equal(rl_source_line("tests/harness-unit/programs/race.c", 13,
                                    buf, sizeof buf), 30);
    assert_string_equal(buf, "static void *worker(void *arg)");
    assert_true(rl_source_line(RACELAB_SOURCE_DIR
                               "/tests/harness-unit/programs/race.c", 13,
                               buf, sizeof buf) > 0);
    assert_int_equal(rl_source_line("tests/harness-unit/programs/race.c",
                                    100000, buf, sizeof buf), -1);
    assert_int_equal(rl_source_line("/nonexistent/x.c", 1, buf, sizeof buf), -1);
    assert_int_equal(rl_source_excerpt("tests/harness-unit/programs/race.c",
                                       27, 2, l, 5), 5);
    assert_int_equal(l[0].no, 25);
    assert_int_equal(l[2].no, 27);
    assert_non_null(strstr(l[2].text, "racing write #2"));
    /* near the top, fewer lines */
    assert_int_equal(rl_source_excerpt("tests/harness-unit/programs/race.c",
                                       1, 2, l, 5), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diag_statuses),
        cmocka_unit_test(test_table_race_both_sites_with_source),
        cmocka_unit_test(test_table_helgrind_preload_frames_hidden),
        cmocka_unit_test(test_table_hang_cycle),
        cmocka_unit_test(test_table_inconclusive_verdict),
        cmocka_unit_test(test_table_top_three_and_more),
        cmocka_unit_test(test_table_error_reason),
        cmocka_unit_test(test_html_self_command),
        cmocka_unit_test(test_frame_is_noise),
        cmocka_unit_test(test_parse_wait_cycle),
        cmocka_unit_test(test_source_lines),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
