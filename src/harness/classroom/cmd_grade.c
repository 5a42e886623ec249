/* cmd_grade.c - `racelab grade SCENARIO DIR --out OUT`: `racelab check` on
 * every submission of a class, in parallel, each a child process with its
 * own sandbox; then OUT/grades.csv, OUT/grades.xml (JUnit) and
 * OUT/grades.html (which fixes still race, and where). */
#include "check.h"
#include "options.h"
#include "cli.h"
#include "manifest.h"
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A check stops itself at --check-timeout; grade kills one still running
 * this much later (a check stuck in its own clean-up). */
#define GRADE_GRACE 30.0

static const char usage_head[] =
"usage: racelab grade SCENARIO DIR --out OUT [options]\n"
"Checks every submission in DIR (DIR/STUDENT.c or DIR/STUDENT/MODULE.c) with\n"
"racelab check, --jobs at a time, and writes OUT/grades.csv (student, score,\n"
"verdict, one column per criterion), OUT/grades.xml (JUnit), OUT/grades.html\n"
"and OUT/students/STUDENT.{json,txt}.  --tool, --runs, --duration,\n"
"--timeout, --seed, --cache-dir and --share are passed to every check.\n"
"\n";
/* the options between: cli/options.h's table */
static const char usage_tail[] =
"Exit: 0 every submission graded (a check that timed out or died scores 0,\n"
"its row says why), 2 usage error, 3 environment error (a check exited 3).\n";

struct sub {
    char *student, *file, *json, *txt;
    struct proc proc;
    bool started, done, killed;
    double started_at;
    json_t *res;
};

static int by_student(const void *a, const void *b)
{
    return strcmp(((const struct sub *)a)->student, ((const struct sub *)b)->student);
}

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('"', f);
}

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static json_t *criterion(json_t *res, const char *name)
{
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(res, "criteria"), i, c)
        if (!strcmp(jstr(c, "name"), name))
            return c;
    return NULL;
}

struct grade_opts {
    const char *out, *tool, *runs, *duration, *timeout, *seed, *cache_flag;
    const char *scen_arg, *dir;
    long jobs;
    double check_timeout;
    bool quiet, share;
};

/* The command line: -1 to go on, else the exit code. */
static int grade_parse(int argc, char **argv, struct paths *p, struct grade_opts *g)
{
    /* the options: cli/options.h's table, checked as check checks them;
     * the ones every check takes are passed on as given */
    struct cli_opts opt;
    int prc;

    memset(g, 0, sizeof *g);
    options_init(&opt);
    opt.jobs = default_jobs();
    opt.check_timeout = 900;
    prc = options_parse(OC_GRADE, argc, argv, &opt, false, usage_head, usage_tail);
    if (prc != 0) {
        options_free(&opt);
        return prc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    options_paths(&opt, p);
    g->out = opt.out_dir;
    g->tool = opt.raw[OPT_TOOL];
    g->runs = opt.raw[OPT_RUNS];
    g->duration = opt.raw[OPT_DURATION];
    g->timeout = opt.raw[OPT_TIMEOUT];
    g->seed = opt.raw[OPT_SEED];
    g->cache_flag = opt.cache_dir;
    g->jobs = opt.jobs;
    g->check_timeout = opt.check_timeout;
    g->quiet = opt.quiet;
    g->share = opt.share;
    options_free(&opt);         /* no list options in grade: nothing owned */
    if (argc - optind != 2 || !g->out) {
        errorf("grade: expected SCENARIO DIR --out OUT");
        return EXIT_USAGE;
    }
    g->scen_arg = argv[optind];
    g->dir = argv[optind + 1];
    return -1;
}

/* DIR/STUDENT.c and DIR/STUDENT/MODULE.c, sorted by student: *N of them
 * (NULL when DIR cannot be read). */
static struct sub *grade_collect(const char *dir, const char *module, size_t *n)
{
    struct dirent **names;
    int nn = scandir(dir, &names, NULL, alphasort);
    if (nn < 0) {
        errorf("grade: %s: %s", dir, strerror(errno));
        return NULL;
    }
    struct sub *subs = xcalloc((size_t)nn + 1, sizeof *subs);
    char *modfile = xasprintf("%s.c", module);
    *n = 0;
    for (int i = 0; i < nn; i++) {
        const char *d = names[i]->d_name;
        char *path = xasprintf("%s/%s", dir, d);
        struct stat st;
        if (d[0] != '.' && stat(path, &st) == 0) {
            if (S_ISREG(st.st_mode) && str_ends_with(d, ".c")) {
                subs[*n].student = xstrdup(d);
                subs[*n].student[strlen(d) - 2] = '\0';
                subs[(*n)++].file = xstrdup(path);
            } else if (S_ISDIR(st.st_mode)) {
                char *f = xasprintf("%s/%s", path, modfile);
                if (access(f, R_OK) == 0) {
                    subs[*n].student = xstrdup(d);
                    subs[(*n)++].file = f;
                    f = NULL;
                } else
                    warnf("grade: %s: no %s, skipped", path, modfile);
                free(f);
            }
        }
        free(path);
        free(names[i]);
    }
    free(names);
    free(modfile);
    if (*n > 1)         /* an empty class: no array */
        qsort(subs, *n, sizeof *subs, by_student);
    return subs;
}

/* OUT and OUT/students (0700 unless --share), the server's objects once
 * (before the checks race to build them).  0 or EXIT_ENV. */
static int grade_prepare(const struct grade_opts *g, const struct paths *p, struct sub *subs,
                         size_t n)
{
    char *studdir = xasprintf("%s/students", g->out);
    mode_t mode = g->share ? 0755 : 0700;
    if ((mkdir(g->out, mode) < 0 && errno != EEXIST) ||
        (mkdir(studdir, mode) < 0 && errno != EEXIST)) {
        errorf("grade: mkdir %s: %s", studdir, strerror(errno));
        free(studdir);
        return EXIT_ENV;
    }
    if (chmod(g->out, mode) < 0 || chmod(studdir, mode) < 0)
        warnf("grade: chmod %s: %s", g->out, strerror(errno));
    char *cache = check_cache_dir(p, g->cache_flag);
    char *clang = which("clang"), *vg = which("valgrind");
    bool need[3] = {true, g->tool ? strstr(g->tool, "tsan") != NULL : clang != NULL,
                    g->tool ? (strstr(g->tool, "helgrind") || strstr(g->tool, "drd"))
                            : vg != NULL};
    int r = check_prepare(p, cache, need);
    free(cache);
    free(clang);
    free(vg);
    for (size_t i = 0; i < n; i++) {
        subs[i].json = xasprintf("%s/%s.json", studdir, subs[i].student);
        subs[i].txt = xasprintf("%s/%s.txt", studdir, subs[i].student);
        unlink(subs[i].json);
    }
    free(studdir);
    return r < 0 ? EXIT_ENV : 0;
}

/* Starts `racelab check` on U.  False if it could not start (U is done). */
static bool grade_start(const struct grade_opts *g, const struct paths *p, const char *scen,
                        struct sub *u)
{
    struct strvec av;
    char err[512];
    sv_init(&av);
    sv_push(&av, runner_self_exe);
    sv_push(&av, "check");
    sv_push(&av, scen);
    sv_push(&av, u->file);
    sv_push(&av, "--quiet");
    sv_push(&av, "--name");
    sv_push(&av, u->student);
    sv_push(&av, "--json");
    sv_push(&av, u->json);
    sv_push(&av, "--source-dir");
    sv_push(&av, p->source);
    if (p->build_root) { sv_push(&av, "--build-dir"); sv_push(&av, p->build_root); }
    if (g->cache_flag) { sv_push(&av, "--cache-dir"); sv_push(&av, g->cache_flag); }
    if (g->tool) { sv_push(&av, "--tool"); sv_push(&av, g->tool); }
    if (g->runs) { sv_push(&av, "--runs"); sv_push(&av, g->runs); }
    if (g->duration) { sv_push(&av, "--duration"); sv_push(&av, g->duration); }
    if (g->timeout) { sv_push(&av, "--timeout"); sv_push(&av, g->timeout); }
    if (g->seed) { sv_push(&av, "--seed"); sv_push(&av, g->seed); }
    /* the check stops itself at the limit and says so in its report;
     * grade kills it only GRADE_GRACE s later */
    char limit[32];
    snprintf(limit, sizeof limit, "%.3f", g->check_timeout);
    sv_push(&av, "--check-timeout");
    sv_push(&av, limit);
    if (g->share) sv_push(&av, "--share");
    int fd = open(u->txt, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, g->share ? 0644 : 0600);
    struct spawn_opts so = {.argv = av.v, .stdin_fd = SPAWN_DEVNULL,
                            .stdout_fd = fd >= 0 ? fd : SPAWN_DEVNULL,
                            .stderr_to_stdout = true};
    bool ok = proc_spawn(&u->proc, &so, err, sizeof err) == 0;
    if (!ok) {
        errorf("grade: %s: %s", u->student, err);
        u->done = true;
    } else {
        u->started = true;
        u->started_at = now_mono();
    }
    if (fd >= 0)
        close(fd);
    sv_free(&av);
    return ok;
}

/* Runs the checks, JOBS at a time: EXIT_OK, or EXIT_ENV when a check said
 * the grader's environment is wrong. */
static int grade_run(const struct grade_opts *g, const struct paths *p, const char *scen,
                     struct sub *subs, size_t n)
{
    size_t next = 0, running = 0, finished = 0;
    int rc = EXIT_OK;

    while (finished < n && !proc_interrupted()) {
        while (running < (size_t)g->jobs && next < n) {
            if (grade_start(g, p, scen, &subs[next++]))
                running++;
            else
                finished++;
        }
        for (size_t i = 0; i < n; i++) {
            struct sub *u = &subs[i];
            if (!u->started || u->done)
                continue;
            if (!proc_poll(&u->proc) &&
                now_mono() - u->started_at > g->check_timeout + GRADE_GRACE) {
                u->killed = true;
                proc_signal(&u->proc, SIGTERM);
                proc_wait(&u->proc, 10);
            }
            if (!u->proc.exited && !u->killed)
                continue;
            proc_finish(&u->proc);
            u->done = true;
            running--;
            finished++;
            int st = u->proc.exited && WIFEXITED(u->proc.status) ?
                     WEXITSTATUS(u->proc.status) : -1;
            /* A check that timed out or died is the submission's zero (its
             * row says why); only a check's own exit 3 (a tool missing, an
             * unwritable cache, a sandbox that cannot be set up) is the
             * grader's problem. */
            if (st == EXIT_ENV)
                rc = EXIT_ENV;
            if (!g->quiet)
                fprintf(stderr, "racelab grade: [%zu/%zu] %s: %s (%.0f s)\n", finished, n,
                        u->student, u->killed ? "check timed out" : st == 0 ? "accepted" :
                        st == 1 ? "rejected" : "error", now_mono() - u->started_at);
        }
        usleep(50000);
    }
    proc_sweep_orphans();
    return rc;
}

/* One student's row in the three files. */
static void grade_row(const struct grade_opts *g, struct sub *u, FILE *fc, FILE *fx, FILE *fh)
{
    json_t *r = u->res;
    const char *verdict = r ? jstr(r, "verdict") : "error";
    double score = r ? json_number_value(json_object_get(r, "score")) : 0;
    char *reason = r ? xstrdup(jstr(r, "reason"))
                   : u->killed ? xasprintf("check timed out after %.0f s: score 0",
                                           g->check_timeout)
                   : xasprintf("the check could not run (see students/%s.txt): score 0",
                               u->student);
    csv_field(fc, u->student);
    fprintf(fc, ",%.0f,%s", score, verdict);
    fprintf(fh, "<tr><td>");
    rl_xml_escape(fh, u->student);
    fprintf(fh, "</td><td>%.0f</td><td class=\"%s\">%s</td>", score,
            r && json_is_true(json_object_get(r, "accepted")) ? "pass" : "fail", verdict);
    for (int c = 0; c < CR_COUNT; c++) {
        json_t *cr = r ? criterion(r, criterion_names[c]) : NULL;
        const char *st = cr ? jstr(cr, "state") : "error";
        fprintf(fc, ",%s", st);
        fprintf(fh, "<td class=\"%s\">%s</td>", !strcmp(st, "pass") ? "pass" :
                !strcmp(st, "n/a") ? "na" : "fail", st);
    }
    fputc(',', fc);
    csv_field(fc, reason);
    fputc('\n', fc);
    fprintf(fh, "<td>");
    rl_xml_escape(fh, reason);
    fprintf(fh, "</td></tr>\n");
    fprintf(fx, "  <testcase classname=\"racelab.grade\" name=\"");
    rl_xml_escape(fx, u->student);
    fprintf(fx, "\">");
    if (!r || !json_is_true(json_object_get(r, "accepted"))) {
        fprintf(fx, "<failure message=\"");
        rl_xml_escape(fx, reason);
        fprintf(fx, "\">");
        for (int c = 0; r && c < CR_COUNT; c++) {
            json_t *cr = criterion(r, criterion_names[c]);
            if (cr && !strcmp(jstr(cr, "state"), "fail")) {
                fprintf(fx, "%s: ", criterion_names[c]);
                rl_xml_escape(fx, jstr(cr, "evidence"));
                fputc('\n', fx);
            }
        }
        fprintf(fx, "</failure>");
    }
    fprintf(fx, "<properties><property name=\"score\" value=\"%.0f\"/></properties>"
            "</testcase>\n", score);
    free(reason);
}

/* The HTML's section on fixes that race, deadlock, stall or crash. */
static void grade_html_findings(FILE *fh, struct sub *subs, size_t n)
{
    static const char *const det[] = {"tsan", "helgrind", "drd", "oracles", "functional",
                                      "contract"};
    bool any = false;
    fprintf(fh, "</table>\n<h2>Fixes that still race, deadlock or crash, and where</h2>\n");
    for (size_t i = 0; i < n; i++) {
        json_t *r = subs[i].res;
        for (size_t d = 0; r && d < sizeof det / sizeof *det; d++) {
            json_t *cr = criterion(r, det[d]);
            const char *e = cr ? jstr(cr, "evidence") : NULL;
            if (!cr || strcmp(jstr(cr, "state"), "fail") || !e || !strncmp(e, "not run", 7))
                continue;
            /* functional and contract: only a hang or a crash belongs here */
            if (d >= 4 && !strstr(e, "STALLED") && !strstr(e, "stuck") && !strstr(e, "crash"))
                continue;
            any = true;
            fprintf(fh, "<h3>");
            rl_xml_escape(fh, subs[i].student);
            fprintf(fh, ": %s</h3>\n<pre>", det[d]);
            rl_xml_escape(fh, e);
            fprintf(fh, "</pre>\n");
        }
    }
    if (!any)
        fprintf(fh, "<p>None.</p>\n");
}

/* OUT/grades.{csv,xml,html}: EXIT_OK or EXIT_ENV. */
static int grade_rollup(const struct grade_opts *g, struct sub *subs, size_t n, double t0)
{
    char *csv = xasprintf("%s/grades.csv", g->out), *xml = xasprintf("%s/grades.xml", g->out),
         *html = xasprintf("%s/grades.html", g->out);
    FILE *fc = fopen(csv, "w"), *fx = fopen(xml, "w"), *fh = fopen(html, "w");
    int rc = EXIT_OK;
    size_t accepted = 0;

    if (!fc || !fx || !fh) {
        errorf("grade: cannot write %s/grades.*: %s", g->out, strerror(errno));
        rc = EXIT_ENV;
        goto out;
    }
    fprintf(fc, "student,score,verdict");
    for (int c = 0; c < CR_COUNT; c++)
        fprintf(fc, ",%s", criterion_names[c]);
    fprintf(fc, ",reason\n");
    for (size_t i = 0; i < n; i++) {
        char *t = read_file(subs[i].json, NULL);
        subs[i].res = t ? json_loads(t, 0, NULL) : NULL;
        free(t);
        accepted += subs[i].res && json_is_true(json_object_get(subs[i].res, "accepted"));
    }
    fprintf(fx, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
            "<testsuite name=\"racelab grade ");
    rl_xml_escape(fx, g->scen_arg);
    fprintf(fx, "\" tests=\"%zu\" failures=\"%zu\">\n", n, n - accepted);
    fprintf(fh, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>racelab grade ");
    rl_xml_escape(fh, g->scen_arg);
    fprintf(fh, "</title><style>body{font-family:sans-serif}td,th{border:1px solid #ccc;"
            "padding:2px 6px}table{border-collapse:collapse}.pass{background:#dfd}"
            ".fail{background:#fdd}.na{color:#888}pre{white-space:pre-wrap}</style>"
            "</head><body>\n<h1>racelab grade ");
    rl_xml_escape(fh, g->scen_arg);
    fprintf(fh, "</h1>\n<p>%zu submissions, %zu accepted, %zu rejected.</p>\n<table>"
            "<tr><th>student</th><th>score</th><th>verdict</th>", n, accepted, n - accepted);
    for (int c = 0; c < CR_COUNT; c++)
        fprintf(fh, "<th>%s (%d)</th>", criterion_names[c], criterion_weights[c]);
    fprintf(fh, "<th>reason</th></tr>\n");
    for (size_t i = 0; i < n; i++)
        grade_row(g, &subs[i], fc, fx, fh);
    fprintf(fx, "</testsuite>\n</testsuites>\n");
    grade_html_findings(fh, subs, n);
    fprintf(fh, "<p>Graded in %.0f s with %ld parallel checks.</p>\n</body></html>\n",
            now_mono() - t0, g->jobs);
    printf("graded %zu submissions of %s in %.0f s: %zu accepted, %zu rejected\n", n,
           g->scen_arg, now_mono() - t0, accepted, n - accepted);
    printf("  %s\n  %s\n  %s\n", csv, xml, html);
out:
    /* every file closed, whichever failed: a failed close lost data */
    if (fc && fclose(fc) != 0)
        rc = EXIT_ENV;
    if (fx && fclose(fx) != 0)
        rc = EXIT_ENV;
    if (fh && fclose(fh) != 0)
        rc = EXIT_ENV;
    free(csv);
    free(xml);
    free(html);
    return rc;
}

int cmd_grade(int argc, char **argv, struct paths *p)
{
    struct grade_opts g;
    struct scenario s = {0};
    struct sub *subs = NULL;
    size_t n = 0;
    char err[512];
    int rc = grade_parse(argc, argv, p, &g);

    if (rc >= 0)
        return rc;
    const char *scen = hunt_resolve(g.scen_arg, p);
    char *sdir = xasprintf("%s/scenarios/%s", p->source, scen);
    rc = EXIT_USAGE;
    if (strchr(scen, '/') || scenario_load(&s, sdir, "manifest.ini", err, sizeof err) < 0) {
        errorf("grade: unknown scenario '%s'", g.scen_arg);
        goto out;
    }
    if (!(subs = grade_collect(g.dir, s.module, &n)))
        goto out;
    if (n == 0) {
        errorf("grade: no submissions in %s (STUDENT.c or STUDENT/%s.c)", g.dir, s.module);
        goto out;
    }
    /* grades are the students' business: 0600/0700 unless --share */
    umask(g.share ? 022 : 077);
    double t0 = now_mono();
    if ((rc = grade_prepare(&g, p, subs, n)) != 0)
        goto out;
    rc = grade_run(&g, p, scen, subs, n);
    if (proc_interrupted())
        rc = EXIT_INTERRUPTED;
    else if (grade_rollup(&g, subs, n, t0) != EXIT_OK)
        rc = EXIT_ENV;
out:
    for (size_t i = 0; subs && i < n; i++) {
        if (subs[i].started && !subs[i].done)
            proc_finish(&subs[i].proc);
        free(subs[i].student);
        free(subs[i].file);
        free(subs[i].json);
        free(subs[i].txt);
        json_decref(subs[i].res);
    }
    free(subs);
    free(sdir);
    scenario_free(&s);
    return rc;
}
