/* cmd_stress.c - `racelab stress [options] -- PROGRAM ARGS...`: the run
 * machinery on any program.  Exit 0 when no run found anything. */
#include "cli.h"
#include "docroot.h"
#include "manifest.h"
#include "proc.h"
#include "progress.h"
#include "report/finding.h"
#include "sched_detect.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char usage[] =
"usage: racelab stress [options] -- PROGRAM ARGS...\n"
"Runs PROGRAM under a detector, again and again, optionally with load, and\n"
"reports what the detector found.  {port} in ARGS becomes a free TCP port\n"
"(racelab waits until it accepts connections); {tmp} the run's temp dir.\n"
"\n"
"  --tool LIST         tsan, helgrind, drd, none (default: tsan if PROGRAM is\n"
"                      built with -fsanitize=thread, else helgrind)\n"
"  --runs N            (default 1)\n"
"  --http PATH         load from the built-in client: GET PATH (repeatable)\n"
"  --load 'CMD'        load from CMD, run by /bin/sh ({port} substituted) in\n"
"                      its own process group; the run ends when CMD exits\n"
"                      (no --http/--load: the run ends when PROGRAM exits)\n"
"  --clients N         built-in client concurrency (default 8)\n"
"  --duration SECONDS  load (or, without load, the run) lasts at most this,\n"
"                      then PROGRAM gets SIGTERM (default: 5 when ARGS use\n"
"                      {port}, else until PROGRAM exits)\n"
"  --timeout SECONDS   limit per run (default 120)\n"
"  --chaos SPEC        perturb the schedule (src/chaos; LD_PRELOAD of\n"
"                      librlchaos.so, not for TSan-built programs); for\n"
"                      programs built by racelab cc: the controlled\n"
"                      scheduler's strategy (docs/CHAOS.md)\n"
"  --jobs N --seed N --early-stop --json FILE --junit FILE --sarif FILE\n"
"  --html FILE --keep-tmp --quiet                as for `racelab run`\n"
"Exit: 0 no finding, 1 a finding (or crash/hang), 2 usage, 3 environment.\n";

enum {
    O_TOOL = 256, O_RUNS, O_CLIENTS, O_DURATION, O_TIMEOUT, O_JOBS, O_SEED,
    O_JSON, O_JUNIT, O_SARIF, O_HTML, O_HTTP, O_LOAD, O_EARLY, O_KEEP, O_QUIET,
    O_SOURCE, O_HELP, O_CHAOS
};

int cmd_stress(int argc, char **argv, struct paths *paths)
{
    static const struct option opts[] = {
        {"tool", required_argument, 0, O_TOOL},
        {"tools", required_argument, 0, O_TOOL},
        {"runs", required_argument, 0, O_RUNS},
        {"clients", required_argument, 0, O_CLIENTS},
        {"duration", required_argument, 0, O_DURATION},
        {"timeout", required_argument, 0, O_TIMEOUT},
        {"jobs", required_argument, 0, O_JOBS},
        {"seed", required_argument, 0, O_SEED},
        {"json", required_argument, 0, O_JSON},
        {"junit", required_argument, 0, O_JUNIT},
        {"sarif", required_argument, 0, O_SARIF},
        {"html", required_argument, 0, O_HTML},
        {"http", required_argument, 0, O_HTTP},
        {"load", required_argument, 0, O_LOAD},
        {"early-stop", no_argument, 0, O_EARLY},
        {"keep-tmp", no_argument, 0, O_KEEP},
        {"chaos", required_argument, 0, O_CHAOS},
        {"quiet", no_argument, 0, O_QUIET},
        {"source-dir", required_argument, 0, O_SOURCE},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0}};
    bool tools[TOOL_COUNT] = {0}, tool_set = false, seed_set = false;
    bool early = false, keep = false, quiet = false;
    long runs = 1, clients = 8, jobs = default_jobs();
    double duration = 0, timeout = 120;
    unsigned long seed = 0;
    const char *load_cmd = NULL, *chaos = NULL;
    char *preload = NULL;
    struct strvec http;
    struct outputs out = {0};
    int o, status = EXIT_USAGE;
    char *program = NULL, *session = NULL, *cmd = NULL;
    struct cell_result *cells = NULL;
    size_t ncells = 0, njobs = 0;
    struct job *jobv = NULL;

    sv_init(&http);
    optind = 1;
    opterr = 0;
    /* "+": stop at PROGRAM, its own flags are not ours */
    while ((o = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (o) {
        case O_TOOL: {
            struct strvec v;
            sv_init(&v);
            sv_split(&v, optarg, false);
            for (size_t i = 0; i < v.n; i++) {
                int t = tool_from_name(v.v[i]);
                if (t < 0) {
                    errorf("--tool: unknown tool '%s' (known: tsan, helgrind, drd, "
                           "none)", v.v[i]);
                    sv_free(&v);
                    goto out;
                }
                tools[t] = true;
            }
            tool_set = v.n > 0;
            sv_free(&v);
            if (!tool_set) {
                errorf("--tool: empty list");
                goto out;
            }
            break;
        }
        case O_RUNS:
            if (!opt_long("--runs", optarg, 1, 100000, &runs)) goto out;
            break;
        case O_CLIENTS:
            if (!opt_long("--clients", optarg, 1, 1024, &clients)) goto out;
            break;
        case O_DURATION:
            if (!opt_seconds("--duration", optarg, &duration)) goto out;
            break;
        case O_TIMEOUT:
            if (!opt_seconds("--timeout", optarg, &timeout)) goto out;
            break;
        case O_JOBS:
            if (!opt_long("--jobs", optarg, 1, 256, &jobs)) goto out;
            break;
        case O_SEED: {
            long v;
            if (!opt_long("--seed", optarg, 0, 0x7fffffffL, &v)) goto out;
            seed = (unsigned long)v;
            seed_set = true;
            break;
        }
        case O_JSON: out.json = optarg; break;
        case O_JUNIT: out.junit = optarg; break;
        case O_SARIF: out.sarif = optarg; break;
        case O_HTML: out.html = optarg; break;
        case O_HTTP:
            if (optarg[0] != '/') {
                errorf("--http: expected a path starting with '/', got '%s'", optarg);
                goto out;
            }
            sv_push(&http, optarg);
            break;
        case O_LOAD: load_cmd = optarg; break;
        case O_EARLY: early = true; break;
        case O_KEEP: keep = true; break;
        case O_CHAOS:
            if (!chaos_spec_ok(optarg)) goto out;
            chaos = optarg;
            break;
        case O_QUIET: quiet = true; break;
        case O_SOURCE: paths->source = optarg; break;
        case O_HELP:
            fputs(usage, stdout);
            status = EXIT_OK;
            goto out;
        case ':':
            errorf("stress: option %s needs a value", argv[optind - 1]);
            goto out;
        default:
            errorf("stress: unknown option '%s' (see racelab stress --help)",
                   argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    if (optind >= argc) {
        errorf("stress: which program? (racelab stress [options] -- PROGRAM ARGS...)");
        goto out;
    }
    if (http.n && load_cmd) {
        errorf("stress: conflicting flags --http and --load (choose one load source)");
        goto out;
    }
    bool uses_port = false;
    for (int i = optind; i < argc; i++)
        uses_port |= strstr(argv[i], "{port}") != NULL;
    if (http.n && !uses_port) {
        errorf("stress: --http needs {port} in the program's arguments (where "
               "should the client connect?)");
        goto out;
    }
    /* A program given a port is a server: with no load it would never end,
     * so it gets a duration too (then SIGTERM), not a --timeout hang. */
    if ((http.n || uses_port) && duration == 0)
        duration = 5;

    program = which(argv[optind]);
    if (!program) {
        errorf("stress: %s: %s", argv[optind],
               strchr(argv[optind], '/') ? "not found or not executable"
                                         : "not found in PATH");
        status = EXIT_ENV;
        goto out;
    }
    /* A racelab cc build is not a TSan build: it runs bare, and --chaos
     * acts through its own scheduler (sched_detect.c, docs/CHAOS.md). */
    bool sched = binary_has_sched(program);
    if (sched && (tools[TOOL_TSAN] || tools[TOOL_HELGRIND] || tools[TOOL_DRD])) {
        errorf("stress: %s is built by racelab cc for the controlled scheduler; it "
               "runs with --tool none only (--chaos pct|random picks the schedule). "
               "For tsan/helgrind/drd build it with clang -fsanitize=thread or plainly",
               program);
        goto out;
    }
    tools[TOOL_NONE] |= sched;
    tool_set |= sched;
    if (!tool_set) {
        char *vg = which("valgrind");
        tools[binary_has_tsan(program) ? TOOL_TSAN : vg ? TOOL_HELGRIND : TOOL_NONE] = true;
        free(vg);
    }
    if (tools[TOOL_TSAN] && !binary_has_tsan(program)) {
        errorf("stress: %s is not built with -fsanitize=thread (no __tsan_init); "
               "rebuild it with clang -fsanitize=thread or use --tool helgrind|drd|none",
               program);
        status = EXIT_ENV;
        goto out;
    }
    if ((tools[TOOL_HELGRIND] || tools[TOOL_DRD])) {
        char *vg = which("valgrind");
        if (!vg) {
            errorf("valgrind is not installed (needed for --tool helgrind/drd): "
                   "apt-get install valgrind");
            status = EXIT_ENV;
            goto out;
        }
        free(vg);
        if (binary_has_tsan(program)) {
            errorf("stress: %s is built with -fsanitize=thread; valgrind cannot "
                   "run it (use --tool tsan, or a build without TSan)", program);
            status = EXIT_ENV;
            goto out;
        }
    }
    if (outputs_check(&out) < 0) {
        status = EXIT_ENV;
        goto out;
    }
    if (chaos && !sched) {
        preload = chaos_preload_path();
        if (!preload && (tools[TOOL_NONE] || tools[TOOL_HELGRIND] || tools[TOOL_DRD]))
            warnf("--chaos: librlchaos.so not found beside racelab; programs not "
                  "linked with the chaos wrappers run unperturbed");
    }
    if (tools[TOOL_TSAN])
        check_tsan_aslr();
    session = session_create();
    if (!session) {
        status = EXIT_ENV;
        goto out;
    }
    if (!seed_set)
        seed = ((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16)) & 0x7fffffff;
    if (sched && !http.n && !load_cmd) {    /* measure PCT's k first (sched_detect.c) */
        struct strvec m;
        sv_init(&m);
        sv_push(&m, program);
        for (int i = optind + 1; i < argc; i++)
            sv_push(&m, argv[i]);
        double limit = duration > 0 && duration < timeout ? duration : timeout;
        sched_measure_steps(&m, limit < 30 ? limit : 30);
        sv_free(&m);
    }

    cells = xcalloc(TOOL_COUNT, sizeof *cells);
    jobv = xcalloc((size_t)TOOL_COUNT * (size_t)runs + 1, sizeof *jobv);
    const char *base = strrchr(program, '/') ? strrchr(program, '/') + 1 : program;
    for (int t = 0; t < TOOL_COUNT; t++) {
        if (!tools[t])
            continue;
        struct cell_result *c = &cells[ncells++];
        c->scenario = xstrdup(base);
        c->variant = NULL;
        c->tool = xstrdup(tool_names[t]);
        c->executable = xstrdup(program);
        for (long r = 0; r < runs; r++) {
            struct run_spec *sp = &jobv[njobs++].spec;
            sp->label = xasprintf("%s %s #%ld", base, tool_names[t], r + 1);
            sp->tool = t;
            sv_init(&sp->argv);
            sv_push(&sp->argv, program);
            for (int i = optind + 1; i < argc; i++)
                sv_push(&sp->argv, argv[i]);
            sp->server = false;
            sv_init(&sp->http_paths);
            for (size_t i = 0; i < http.n; i++)
                sv_push(&sp->http_paths, http.v[i]);
            sp->profile = http.n ? "paths" : NULL;
            sp->load_cmd = load_cmd;
            sp->clients = (int)clients;
            sp->duration = duration;
            sp->timeout = timeout;
            sp->seed = seed + (unsigned long)r;
            sp->chaos = chaos;
            sp->chaos_preload = preload;
            sp->sched = sched;
            sp->slow_ms = tool_slow_ms(t, 0);
            sp->memory_growth_mb = 1e12;    /* no memory oracle on strangers */
            sp->hang_seconds = tool_hang_seconds(t, 0);
            sp->early_stop = early && t != TOOL_NONE;
            sp->source = paths->source;
            sp->session = session;
            sp->docroot = NULL;
            sp->nfiles = DOCROOT_MIN_FILES;
            sp->index = (int)njobs;
            sp->keep_tmp = keep;
        }
    }

    progress_start(njobs, quiet);
    run_jobs(jobv, njobs, (int)jobs);
    progress_finish();
    if (proc_interrupted()) {
        errorf("interrupted: every process stopped, temp files removed");
        status = EXIT_INTERRUPTED;
        goto out;
    }
    for (size_t ci = 0; ci < ncells; ci++)
        cell_collect(&cells[ci], &jobv[ci * (size_t)runs], (size_t)runs);
    print_table(stdout, cells, ncells);
    fflush(stdout);

    /* stress: any finding, crash or hang fails; env errors win. */
    status = EXIT_OK;
    for (size_t ci = 0; ci < ncells; ci++)
        for (size_t r = 0; r < cells[ci].nruns; r++) {
            const struct run_record *rec = &cells[ci].runs[r];
            if (rec->outcome == RUN_ENV_ERROR)
                status = EXIT_ENV;
            else if (status == EXIT_OK && (rec->nfindings > 0 ||
                     rec->outcome == RUN_CRASH || rec->outcome == RUN_HANG))
                status = EXIT_FAILED;
        }
    cmd = command_line(argc, argv, "stress");
    if (outputs_write(&out, cells, ncells, cmd) < 0)
        status = EXIT_ENV;

out:
    for (size_t i = 0; i < njobs; i++) {
        free((char *)jobv[i].spec.label);
        sv_free(&jobv[i].spec.argv);
        sv_free(&jobv[i].spec.http_paths);
        run_output_free(&jobv[i].out);
    }
    free(jobv);
    for (size_t i = 0; i < ncells; i++)
        cell_result_free(&cells[i]);
    free(cells);
    if (session) {
        if (!keep)
            rm_rf(session);
        else
            progress_note("kept %s", session);
        free(session);
    }
    sv_free(&http);
    free(program);
    free(preload);
    free(cmd);
    return status;
}
