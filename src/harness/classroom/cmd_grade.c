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

static const char usage_head[] =
"usage: racelab grade SCENARIO DIR --out OUT [options]\n"
"Checks every submission in DIR (DIR/STUDENT.c or DIR/STUDENT/MODULE.c) with\n"
"racelab check, --jobs at a time, and writes OUT/grades.csv (student, score,\n"
"verdict, one column per criterion), OUT/grades.xml (JUnit), OUT/grades.html\n"
"and OUT/students/STUDENT.{json,txt}.  --tool, --runs, --duration,\n"
"--timeout, --seed and --cache-dir are passed to every check.\n"
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

static void html_escape(FILE *f, const char *s)
{
    rl_xml_escape(f, s);
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

int cmd_grade(int argc, char **argv, struct paths *p)
{
    int rc = EXIT_USAGE;
    char err[512];

    /* the options: cli/options.h's table, checked as check checks them;
     * the ones every check takes are passed on as given */
    struct cli_opts opt;
    options_init(&opt);
    opt.jobs = default_jobs();
    opt.check_timeout = 900;
    int prc = options_parse(OC_GRADE, argc, argv, &opt, false, usage_head, usage_tail);
    if (prc != 0) {
        options_free(&opt);
        return prc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    options_paths(&opt, p);
    const char *out = opt.out_dir, *tool = opt.raw[OPT_TOOL], *runs = opt.raw[OPT_RUNS],
               *duration = opt.raw[OPT_DURATION], *timeout = opt.raw[OPT_TIMEOUT],
               *seed = opt.raw[OPT_SEED], *cache_flag = opt.cache_dir;
    long jobs = opt.jobs;
    double check_timeout = opt.check_timeout;
    bool quiet = opt.quiet;
    options_free(&opt);         /* no list options in grade: nothing owned */
    if (argc - optind != 2 || !out) {
        errorf("grade: expected SCENARIO DIR --out OUT");
        return EXIT_USAGE;
    }
    const char *arg_scen = argv[optind], *dir = argv[optind + 1];
    const char *scen = hunt_resolve(arg_scen, p);
    struct scenario s = {0};
    char *sdir = xasprintf("%s/scenarios/%s", p->source, scen);
    if (strchr(scen, '/') || scenario_load(&s, sdir, "manifest.ini", err, sizeof err) < 0) {
        errorf("grade: unknown scenario '%s'", arg_scen);
        scenario_free(&s);
        free(sdir);
        return EXIT_USAGE;
    }
    free(sdir);

    /* The submissions. */
    struct dirent **names;
    int nn = scandir(dir, &names, NULL, alphasort);
    if (nn < 0) {
        errorf("grade: %s: %s", dir, strerror(errno));
        scenario_free(&s);
        return EXIT_USAGE;
    }
    struct sub *subs = xcalloc((size_t)nn + 1, sizeof *subs);
    size_t n = 0;
    char *modfile = xasprintf("%s.c", s.module);
    for (int i = 0; i < nn; i++) {
        const char *d = names[i]->d_name;
        char *path = xasprintf("%s/%s", dir, d);
        struct stat st;
        if (d[0] != '.' && stat(path, &st) == 0) {
            if (S_ISREG(st.st_mode) && str_ends_with(d, ".c")) {
                subs[n].student = xstrdup(d);
                subs[n].student[strlen(d) - 2] = '\0';
                subs[n++].file = xstrdup(path);
            } else if (S_ISDIR(st.st_mode)) {
                char *f = xasprintf("%s/%s", path, modfile);
                if (access(f, R_OK) == 0) {
                    subs[n].student = xstrdup(d);
                    subs[n++].file = f;
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
    qsort(subs, n, sizeof *subs, by_student);
    if (n == 0) {
        errorf("grade: no submissions in %s (STUDENT.c or STUDENT/%s.c)", dir, s.module);
        goto out;
    }
    char *studdir = xasprintf("%s/students", out);
    if ((mkdir(out, 0755) < 0 && errno != EEXIST) ||
        (mkdir(studdir, 0755) < 0 && errno != EEXIST)) {
        errorf("grade: mkdir %s: %s", studdir, strerror(errno));
        free(studdir);
        rc = EXIT_ENV;
        goto out;
    }
    /* The server's own objects once, before the checks race to build them. */
    {
        char *cache = check_cache_dir(p, cache_flag);
        char *clang = which("clang"), *vg = which("valgrind");
        bool need[3] = {true, tool ? strstr(tool, "tsan") != NULL : clang != NULL,
                        tool ? (strstr(tool, "helgrind") || strstr(tool, "drd")) : vg != NULL};
        /* (the contract suites build from sources: no objects of theirs) */
        int r = check_prepare(p, cache, need);
        free(cache);
        free(clang);
        free(vg);
        if (r < 0) {
            free(studdir);
            rc = EXIT_ENV;
            goto out;
        }
    }
    for (size_t i = 0; i < n; i++) {
        subs[i].json = xasprintf("%s/%s.json", studdir, subs[i].student);
        subs[i].txt = xasprintf("%s/%s.txt", studdir, subs[i].student);
        unlink(subs[i].json);
    }
    free(studdir);

    /* Run the checks, JOBS at a time. */
    size_t next = 0, running = 0, finished = 0;
    double t0 = now_mono();
    rc = EXIT_OK;
    while (finished < n && !proc_interrupted()) {
        while (running < (size_t)jobs && next < n) {
            struct sub *u = &subs[next++];
            struct strvec av;
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
            if (cache_flag) { sv_push(&av, "--cache-dir"); sv_push(&av, cache_flag); }
            if (tool) { sv_push(&av, "--tool"); sv_push(&av, tool); }
            if (runs) { sv_push(&av, "--runs"); sv_push(&av, runs); }
            if (duration) { sv_push(&av, "--duration"); sv_push(&av, duration); }
            if (timeout) { sv_push(&av, "--timeout"); sv_push(&av, timeout); }
            if (seed) { sv_push(&av, "--seed"); sv_push(&av, seed); }
            int fd = open(u->txt, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            struct spawn_opts so = {.argv = av.v, .stdin_fd = SPAWN_DEVNULL,
                                    .stdout_fd = fd >= 0 ? fd : SPAWN_DEVNULL,
                                    .stderr_to_stdout = true};
            if (proc_spawn(&u->proc, &so, err, sizeof err) < 0) {
                errorf("grade: %s: %s", u->student, err);
                u->done = true;
                finished++;
            } else {
                u->started = true;
                u->started_at = now_mono();
                running++;
            }
            if (fd >= 0)
                close(fd);
            sv_free(&av);
        }
        for (size_t i = 0; i < n; i++) {
            struct sub *u = &subs[i];
            if (!u->started || u->done)
                continue;
            if (!proc_poll(&u->proc) && now_mono() - u->started_at > check_timeout) {
                u->killed = true;
                proc_signal(&u->proc, SIGTERM);
                proc_wait(&u->proc, 10);
            }
            if (u->proc.exited || u->killed) {
                proc_finish(&u->proc);
                u->done = true;
                running--;
                finished++;
                int st = u->proc.exited && WIFEXITED(u->proc.status) ?
                         WEXITSTATUS(u->proc.status) : -1;
                /* A check that timed out or died is the submission's zero
                 * (its row says why); only a check's own exit 3 (a tool
                 * missing, an unwritable cache) is the grader's problem. */
                if (st == EXIT_ENV)
                    rc = EXIT_ENV;
                if (!quiet)
                    fprintf(stderr, "racelab grade: [%zu/%zu] %s: %s (%.0f s)\n", finished,
                            n, u->student, u->killed ? "check timed out" : st == 0 ?
                            "accepted" : st == 1 ? "rejected" : "error",
                            now_mono() - u->started_at);
            }
        }
        usleep(50000);
    }
    proc_sweep_orphans();
    if (proc_interrupted()) {
        rc = EXIT_INTERRUPTED;
        goto out;
    }

    /* The roll-up. */
    char *csv = xasprintf("%s/grades.csv", out), *xml = xasprintf("%s/grades.xml", out),
         *html = xasprintf("%s/grades.html", out);
    FILE *fc = fopen(csv, "w"), *fx = fopen(xml, "w"), *fh = fopen(html, "w");
    if (!fc || !fx || !fh) {
        errorf("grade: cannot write %s/grades.*: %s", out, strerror(errno));
        rc = EXIT_ENV;
    } else {
        size_t accepted = 0;
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
        rl_xml_escape(fx, arg_scen);
        fprintf(fx, "\" tests=\"%zu\" failures=\"%zu\">\n", n, n - accepted);
        fprintf(fh, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>racelab grade ");
        html_escape(fh, arg_scen);
        fprintf(fh, "</title><style>body{font-family:sans-serif}td,th{border:1px solid #ccc;"
                "padding:2px 6px}table{border-collapse:collapse}.pass{background:#dfd}"
                ".fail{background:#fdd}.na{color:#888}pre{white-space:pre-wrap}</style>"
                "</head><body>\n<h1>racelab grade ");
        html_escape(fh, arg_scen);
        fprintf(fh, "</h1>\n<p>%zu submissions, %zu accepted, %zu rejected.</p>\n<table>"
                "<tr><th>student</th><th>score</th><th>verdict</th>", n, accepted, n - accepted);
        for (int c = 0; c < CR_COUNT; c++)
            fprintf(fh, "<th>%s (%d)</th>", criterion_names[c], criterion_weights[c]);
        fprintf(fh, "<th>reason</th></tr>\n");
        for (size_t i = 0; i < n; i++) {
            struct sub *u = &subs[i];
            json_t *r = u->res;
            const char *verdict = r ? jstr(r, "verdict") : "error";
            double score = r ? json_number_value(json_object_get(r, "score")) : 0;
            char *reason = r ? xstrdup(jstr(r, "reason"))
                           : u->killed ? xasprintf("check timed out after %.0f s: score 0",
                                                   check_timeout)
                           : xasprintf("the check could not run (see students/%s.txt): "
                                       "score 0", u->student);
            csv_field(fc, u->student);
            fprintf(fc, ",%.0f,%s", score, verdict);
            fprintf(fh, "<tr><td>");
            html_escape(fh, u->student);
            fprintf(fh, "</td><td>%.0f</td><td class=\"%s\">%s</td>", score,
                    r && json_is_true(json_object_get(r, "accepted")) ? "pass" : "fail",
                    verdict);
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
            html_escape(fh, reason);
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
        fprintf(fx, "</testsuite>\n</testsuites>\n");
        fprintf(fh, "</table>\n<h2>Fixes that still race or deadlock, and where</h2>\n");
        bool any = false;
        for (size_t i = 0; i < n; i++) {
            json_t *r = subs[i].res;
            static const char *const det[] = {"tsan", "helgrind", "drd", "oracles"};
            for (int d = 0; r && d < 4; d++) {
                json_t *cr = criterion(r, det[d]);
                if (!cr || strcmp(jstr(cr, "state"), "fail") ||
                    !strncmp(jstr(cr, "evidence"), "not run", 7))
                    continue;
                any = true;
                fprintf(fh, "<h3>");
                html_escape(fh, subs[i].student);
                fprintf(fh, ": %s</h3>\n<pre>", det[d]);
                html_escape(fh, jstr(cr, "evidence"));
                fprintf(fh, "</pre>\n");
            }
        }
        if (!any)
            fprintf(fh, "<p>None.</p>\n");
        fprintf(fh, "<p>Graded in %.0f s with %ld parallel checks.</p>\n</body></html>\n",
                now_mono() - t0, jobs);
        printf("graded %zu submissions of %s in %.0f s: %zu accepted, %zu rejected\n", n,
               arg_scen, now_mono() - t0, accepted, n - accepted);
        printf("  %s\n  %s\n  %s\n", csv, xml, html);
    }
    if (fc) fclose(fc);
    if (fx) fclose(fx);
    if (fh) fclose(fh);
    free(csv);
    free(xml);
    free(html);
out:
    for (size_t i = 0; i < n; i++) {
        if (subs[i].started && !subs[i].done)
            proc_finish(&subs[i].proc);
        free(subs[i].student);
        free(subs[i].file);
        free(subs[i].json);
        free(subs[i].txt);
        json_decref(subs[i].res);
    }
    free(subs);
    scenario_free(&s);
    return rc;
}
