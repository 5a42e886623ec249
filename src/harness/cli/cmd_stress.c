/* cmd_stress.c - `racelab stress [options] -- PROGRAM ARGS...`: the run
 * machinery on any program.  Exit 0 when no run found anything. */
#include "cli.h"
#include "docroot.h"
#include "manifest.h"
#include "proc.h"
#include "progress.h"
#include "gate.h"
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
"  --http PATH         load from the built-in client: GET PATH (repeatable);\n"
"                      with {port} and neither --http nor --load: GET /\n"
"  --load 'CMD'        load from CMD, run by /bin/sh ({port} substituted) in\n"
"                      its own process group; the run ends when CMD exits\n"
"                      (no {port}: the run ends when PROGRAM exits)\n"
"  --clients N         built-in client concurrency (default 8)\n"
"  --duration SECONDS  load (or, without load, the run) lasts at most this,\n"
"                      then PROGRAM gets SIGTERM (default: 5 when ARGS use\n"
"                      {port}, else until PROGRAM exits)\n"
"  --timeout SECONDS   limit per run (default 120)\n"
"  --expect-exit N     PROGRAM's normal exit status (default 0); any other\n"
"                      status it exits with by itself is a finding\n"
"  --hang-window S     every thread blocked this long, no CPU progress: a\n"
"                      hang (default 3)\n"
"  --chaos SPEC        perturb the schedule: random[:p=P], pct[:depth=D]\n"
"                      (racelab cc builds also: dfs[:preemptions=P], points=races;\n"
"                      docs/CHAOS.md)\n"
"  --minimise[=P]      racelab cc builds: the failing schedule with the fewest\n"
"                      preemptions (up to P, default 3), as per-thread columns\n"
"                      with source lines: --chaos dfs:preemptions=P --runs 1\n"
"                      (LD_PRELOAD of librlchaos.so; not for TSan builds);\n"
"                      for programs built by racelab cc: the controlled\n"
"                      scheduler's strategy (docs/CHAOS.md)\n"
"  --strict            an inconclusive result fails (exit 1)\n"
"  --shard I/N         only runs I, I+N, I+2N... (same --seed in every shard;\n"
"                      default seed 1 when sharded); `racelab merge` joins them\n"
GATE_USAGE
"  --jobs N --seed N --early-stop --json FILE --junit FILE --sarif FILE\n"
"  --html FILE --keep-tmp --quiet                as for `racelab run`\n"
"Exit: 0 no finding, 1 a finding (or crash, hang, oracle, exit status),\n"
"2 usage, 3 environment (the tool did not run, the program never listened\n"
"or answered nothing).\n";

enum {
    O_TOOL = 256, O_RUNS, O_CLIENTS, O_DURATION, O_TIMEOUT, O_JOBS, O_SEED,
    O_JSON, O_JUNIT, O_SARIF, O_HTML, O_HTTP, O_LOAD, O_EARLY, O_KEEP, O_QUIET,
    O_SOURCE, O_HELP, O_CHAOS, O_EXPECT_EXIT, O_HANG_WINDOW, O_STRICT, O_MINIMISE
};

/* Everything the command line says. */
struct stress_opts {
    bool tools[TOOL_COUNT], tool_set, seed_set, early, keep, quiet, strict;
    long runs, clients, jobs, expect_exit;
    double duration, timeout, hang_window;
    unsigned long seed;
    const char *load_cmd, *chaos;
    struct strvec http;
    struct outputs out;
    int prog_argc;              /* PROGRAM ARGS... */
    char **prog_argv;
    bool uses_port;
    struct gate_opts gate;      /* --baseline, --shard, --min-rate... */
    long per;                   /* runs of this shard per cell */
};

/* The subcommand's state between phases. */
struct stress {
    struct stress_opts o;
    struct paths *paths;
    char *program, *preload, *session;
    bool sched;                 /* built by racelab cc (src/sched) */
    struct cell_result *cells;
    size_t ncells, njobs;
    struct job *jobv;
};

static int parse_tool_list(struct stress_opts *o, const char *arg)
{
    struct strvec v;
    int rc = 0;

    sv_init(&v);
    sv_split(&v, arg, false);
    for (size_t i = 0; i < v.n && rc == 0; i++) {
        int t = tool_from_name(v.v[i]);
        if (t < 0) {
            errorf("--tool: unknown tool '%s' (known: tsan, helgrind, drd, none)",
                   v.v[i]);
            rc = -1;
        } else
            o->tools[t] = true;
    }
    o->tool_set = v.n > 0;
    if (rc == 0 && !o->tool_set) {
        errorf("--tool: empty list");
        rc = -1;
    }
    sv_free(&v);
    return rc;
}

/* Phase 1: the options.  0, 1 (--help printed) or -1 (usage error). */
static int stress_parse(struct stress *st, int argc, char **argv)
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
        {"minimise", optional_argument, 0, O_MINIMISE},
        {"minimize", optional_argument, 0, O_MINIMISE},
        {"expect-exit", required_argument, 0, O_EXPECT_EXIT},
        {"hang-window", required_argument, 0, O_HANG_WINDOW},
        {"strict", no_argument, 0, O_STRICT},
        {"quiet", no_argument, 0, O_QUIET},
        {"source-dir", required_argument, 0, O_SOURCE},
        {"help", no_argument, 0, O_HELP},
        {"shard", required_argument, 0, G_SHARD},
        GATE_LONG_OPTIONS,
        {0, 0, 0, 0}};
    struct stress_opts *o = &st->o;
    int c;

    optind = 1;
    opterr = 0;
    /* "+": stop at PROGRAM, its own flags are not ours */
    while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
        switch (c) {
        case O_TOOL:
            if (parse_tool_list(o, optarg) < 0) return -1;
            break;
        case O_RUNS:
            if (!opt_long("--runs", optarg, 1, 100000, &o->runs)) return -1;
            break;
        case O_CLIENTS:
            if (!opt_long("--clients", optarg, 1, 1024, &o->clients)) return -1;
            break;
        case O_DURATION:
            if (!opt_seconds("--duration", optarg, &o->duration)) return -1;
            break;
        case O_TIMEOUT:
            if (!opt_seconds("--timeout", optarg, &o->timeout)) return -1;
            break;
        case O_HANG_WINDOW:
            if (!opt_seconds("--hang-window", optarg, &o->hang_window)) return -1;
            break;
        case O_JOBS:
            if (!opt_long("--jobs", optarg, 1, 256, &o->jobs)) return -1;
            break;
        case O_EXPECT_EXIT:
            if (!opt_long("--expect-exit", optarg, 0, 255, &o->expect_exit))
                return -1;
            break;
        case O_SEED: {
            long v;
            if (!opt_long("--seed", optarg, 0, 0x7fffffffL, &v)) return -1;
            o->seed = (unsigned long)v;
            o->seed_set = true;
            break;
        }
        case O_JSON: o->out.json = optarg; break;
        case O_JUNIT: o->out.junit = optarg; break;
        case O_SARIF: o->out.sarif = optarg; break;
        case O_HTML: o->out.html = optarg; break;
        case O_HTTP:
            if (optarg[0] != '/') {
                errorf("--http: expected a path starting with '/', got '%s'", optarg);
                return -1;
            }
            sv_push(&o->http, optarg);
            break;
        case O_LOAD: o->load_cmd = optarg; break;
        case O_EARLY: o->early = true; break;
        case O_KEEP: o->keep = true; break;
        case O_STRICT: o->strict = true; break;
        case O_CHAOS:
            if (!chaos_spec_ok(optarg)) return -1;
            o->chaos = optarg;
            break;
        case O_MINIMISE: {
            /* the failing schedule with the fewest preemptions: dfs runs
             * schedules in order of preemptions (docs/CHAOS.md) */
            static char spec[64];
            long p = optarg ? strtol(optarg, NULL, 10) : 3;
            if (p < 0 || p > 64) {
                errorf("--minimise=P: P is the most preemptions to try, 0 to 64");
                return -1;
            }
            snprintf(spec, sizeof spec, "dfs:preemptions=%ld", p);
            o->chaos = spec;
            o->runs = 1;
            break;
        }
        case O_QUIET: o->quiet = true; break;
        case O_SOURCE: st->paths->source = optarg; break;
        case O_HELP:
            fputs(usage, stdout);
            return 1;
        case ':':
            errorf("stress: option %s needs a value", argv[optind - 1]);
            return -1;
        default: {
            int g = gate_option(&o->gate, c, optarg);
            if (g > 0)
                break;
            if (g == 0)
                errorf("stress: unknown option '%s' (see racelab stress --help)",
                       argv[optind - 1]);
            return -1;
        }
        }
    }
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    if (optind >= argc) {
        errorf("stress: which program? (racelab stress [options] -- PROGRAM ARGS...)");
        return -1;
    }
    o->prog_argc = argc - optind;
    o->prog_argv = argv + optind;
    if (o->http.n && o->load_cmd) {
        errorf("stress: conflicting flags --http and --load (choose one load source)");
        return -1;
    }
    for (int i = 0; i < o->prog_argc; i++)
        o->uses_port |= strstr(o->prog_argv[i], "{port}") != NULL;
    if (o->http.n && !o->uses_port) {
        errorf("stress: --http needs {port} in the program's arguments (where "
               "should the client connect?)");
        return -1;
    }
    /* A program given a port is a server: it must be exercised, so with
     * no load of its own it gets the built-in client's GET /, and a
     * duration (then SIGTERM), not a --timeout hang. */
    if (o->uses_port && !o->http.n && !o->load_cmd) {
        sv_push(&o->http, "/");
        if (!o->quiet)
            progress_note("{port} and no --http/--load: sending GET / from %ld "
                          "clients (say --http PATH or --load CMD to choose)",
                          o->clients);
    }
    if (o->uses_port && o->duration == 0)
        o->duration = 5;
    return 0;
}

/* Phase 2: the program and the tools it can run under.  0, or an exit
 * status (usage or environment error, printed). */
static int stress_check(struct stress *st)
{
    struct stress_opts *o = &st->o;
    bool tsan_build;
    int rc;
    char *vg = which("valgrind");

    st->program = which(o->prog_argv[0]);
    if (!st->program) {
        errorf("stress: %s: %s", o->prog_argv[0],
               strchr(o->prog_argv[0], '/') ? "not found or not executable"
                                            : "not found in PATH");
        free(vg);
        return EXIT_ENV;
    }
    /* A racelab cc build is not a TSan build: it runs bare, and --chaos
     * acts through its own scheduler (sched_detect.c, docs/CHAOS.md). */
    st->sched = binary_has_sched(st->program);
    if (st->sched && (o->tools[TOOL_TSAN] || o->tools[TOOL_HELGRIND] ||
                      o->tools[TOOL_DRD])) {
        errorf("stress: %s is built by racelab cc for the controlled scheduler; it "
               "runs with --tool none only (--chaos pct|random picks the schedule). "
               "For tsan/helgrind/drd build it with clang -fsanitize=thread or plainly",
               st->program);
        free(vg);
        return EXIT_USAGE;
    }
    if (st->sched) {
        o->tools[TOOL_NONE] = true;
        o->tool_set = true;
    }
    tsan_build = !st->sched && binary_has_tsan(st->program);
    if (!o->tool_set)
        o->tools[tsan_build ? TOOL_TSAN : vg ? TOOL_HELGRIND : TOOL_NONE] = true;
    free(vg);
    if (o->tools[TOOL_TSAN] && !tsan_build) {
        errorf("stress: %s is not built with -fsanitize=thread (no __tsan_init); "
               "rebuild it with clang -fsanitize=thread or use --tool helgrind|drd|none",
               st->program);
        return EXIT_ENV;
    }
    if (o->tools[TOOL_HELGRIND] || o->tools[TOOL_DRD]) {
        vg = which("valgrind");
        if (!vg) {
            errorf("valgrind is not installed (needed for --tool helgrind/drd): "
                   "apt-get install valgrind");
            return EXIT_ENV;
        }
        free(vg);
        if (tsan_build) {
            errorf("stress: %s is built with -fsanitize=thread; valgrind cannot "
                   "run it (use --tool tsan, or a build without TSan)", st->program);
            return EXIT_ENV;
        }
    }
    if (o->chaos && !strncmp(o->chaos, "dfs", 3) && !st->sched) {
        errorf("--chaos dfs explores schedules of a program built with racelab cc "
               "(the controlled scheduler); %s is not one", st->program);
        return EXIT_USAGE;
    }
    if (o->chaos && strcmp(o->chaos, "none") != 0 && !st->sched) {
        /* The preload cannot act on a TSan build: its interceptors are in
         * the executable and win.  Saying nothing would mean a run that
         * looks perturbed and is not. */
        if (tsan_build) {
            errorf("--chaos: %s is a TSan build, whose own interceptors shadow "
                   "racelab's preload, so it cannot be perturbed; run a plain "
                   "build with --tool none|helgrind|drd --chaos, or drop --chaos",
                   st->program);
            return EXIT_USAGE;
        }
        st->preload = chaos_preload_path();
        if (!st->preload) {
            errorf("--chaos: librlchaos.so not found beside racelab (build it: "
                   "cmake --build --preset release)");
            return EXIT_ENV;
        }
    }
    if (outputs_check(&o->out) < 0)
        return EXIT_ENV;
    if ((rc = gate_prepare(&o->gate)) != EXIT_OK)
        return rc;
    o->runs = gate_runs(&o->gate, o->runs);     /* --min-rate/--confidence */
    o->per = gate_shard_count(&o->gate, o->runs); /* --shard I/N */
    if (!o->seed_set && o->gate.shard_n > 1) {
        o->seed_set = true;                     /* shards share one seed base */
        o->seed = 1;
    }
    if (o->tools[TOOL_TSAN])
        check_tsan_aslr();
    return 0;
}

/* Phase 3: one cell per tool, --runs jobs per cell. */
static void stress_plan(struct stress *st)
{
    struct stress_opts *o = &st->o;
    const char *base = strrchr(st->program, '/') ? strrchr(st->program, '/') + 1
                                                 : st->program;

    if (!o->seed_set)
        o->seed = ((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16))
                  & 0x7fffffff;
    if (st->sched && !o->http.n && !o->load_cmd) {
        /* measure PCT's k first (sched_detect.c) */
        struct strvec m;
        double limit = o->duration > 0 && o->duration < o->timeout ? o->duration
                                                                  : o->timeout;
        sv_init(&m);
        sv_push(&m, st->program);
        for (int i = 1; i < o->prog_argc; i++)
            sv_push(&m, o->prog_argv[i]);
        sched_measure_steps(&m, limit < 30 ? limit : 30);
        sv_free(&m);
    }
    st->cells = xcalloc(TOOL_COUNT, sizeof *st->cells);
    st->jobv = xcalloc((size_t)TOOL_COUNT * (size_t)o->per + 1, sizeof *st->jobv);
    for (int t = 0; t < TOOL_COUNT; t++) {
        if (!o->tools[t])
            continue;
        struct cell_result *c = &st->cells[st->ncells++];
        c->scenario = xstrdup(base);
        c->tool = xstrdup(tool_names[t]);
        c->executable = xstrdup(st->program);
        for (long k = 0; k < o->per; k++) {
            long r = gate_shard_run(&o->gate, k);
            st->jobv[st->njobs].cell = st->ncells - 1;
            /* --min-rate: every run after the first is only needed while
             * nothing was found */
            st->jobv[st->njobs].extra = o->gate.min_rate > 0 && k > 0;
            struct run_spec *sp = &st->jobv[st->njobs++].spec;
            sp->label = xasprintf("%s %s #%ld", base, tool_names[t], r + 1);
            sp->tool = t;
            sv_init(&sp->argv);
            sv_push(&sp->argv, st->program);
            for (int i = 1; i < o->prog_argc; i++)
                sv_push(&sp->argv, o->prog_argv[i]);
            sv_init(&sp->http_paths);
            for (size_t i = 0; i < o->http.n; i++)
                sv_push(&sp->http_paths, o->http.v[i]);
            sp->profile = o->http.n ? "paths" : NULL;
            sp->load_cmd = o->load_cmd;
            sp->clients = (int)o->clients;
            sp->duration = o->duration;
            sp->timeout = o->timeout;
            sp->seed = o->seed + (unsigned long)r;
            sp->repro = gate_stress_repro(tool_names[t], sp->seed, &o->http,
                                          o->load_cmd, o->duration, o->chaos,
                                          o->prog_argv, o->prog_argc);
            sp->suppressions = o->gate.suppressions;
            sp->chaos = o->chaos;
            sp->chaos_preload = st->preload;
            sp->sched = st->sched;
            sp->slow_ms = 1e12;             /* strangers' latency is theirs */
            sp->memory_growth_mb = 1e12;    /* no memory oracle on strangers */
            sp->hang_seconds = tool_hang_seconds(t, 0);
            sp->block_window = o->hang_window;
            sp->expect_exit = (int)o->expect_exit;
            sp->early_stop = o->early && t != TOOL_NONE;
            sp->source = st->paths->source;
            sp->session = st->session;
            sp->nfiles = DOCROOT_MIN_FILES;
            sp->index = (int)st->njobs;
            sp->keep_tmp = o->keep;
        }
    }
}

/* Phase 4: run, fold, score (once, in the report library), report. */
static int stress_execute(struct stress *st, int argc, char **argv)
{
    struct stress_opts *o = &st->o;
    int status;
    char *cmd;

    progress_start(st->njobs, o->quiet);
    run_jobs(st->jobv, st->njobs, (int)o->jobs);
    progress_finish();
    if (proc_interrupted()) {
        errorf("interrupted: every process stopped, temp files removed");
        return EXIT_INTERRUPTED;
    }
    for (size_t ci = 0; ci < st->ncells; ci++)
        cell_collect(&st->cells[ci], st->jobv, st->njobs, ci);
    cmd = command_line(argc, argv, "stress");
    if (gate_finish(&o->gate, st->cells, st->ncells, cmd) != EXIT_OK) {
        free(cmd);
        return EXIT_ENV;
    }
    print_table(stdout, st->cells, st->ncells);
    fflush(stdout);
    status = cells_exit_status(st->cells, st->ncells, o->strict);
    if (outputs_write(&o->out, st->cells, st->ncells, cmd) < 0)
        status = EXIT_ENV;
    free(cmd);
    return status;
}

static void stress_free(struct stress *st)
{
    for (size_t i = 0; i < st->njobs; i++) {
        free((char *)st->jobv[i].spec.label);
        free((char *)st->jobv[i].spec.repro);
        sv_free(&st->jobv[i].spec.argv);
        sv_free(&st->jobv[i].spec.http_paths);
        run_output_free(&st->jobv[i].out);
    }
    free(st->jobv);
    for (size_t i = 0; i < st->ncells; i++)
        cell_result_free(&st->cells[i]);
    free(st->cells);
    if (st->session) {
        if (!st->o.keep)
            rm_rf(st->session);
        else
            progress_note("kept %s", st->session);
        free(st->session);
    }
    sv_free(&st->o.http);
    gate_free(&st->o.gate);
    free(st->program);
    free(st->preload);
}

int cmd_stress(int argc, char **argv, struct paths *paths)
{
    struct stress st;
    int rc;

    memset(&st, 0, sizeof st);
    st.paths = paths;
    st.o.runs = 1;
    st.o.clients = 8;
    st.o.jobs = default_jobs();
    st.o.timeout = 120;
    sv_init(&st.o.http);
    gate_init(&st.o.gate);
    rc = stress_parse(&st, argc, argv);
    if (rc != 0) {
        stress_free(&st);
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    }
    rc = stress_check(&st);
    if (rc == 0) {
        st.session = session_create();
        if (!st.session)
            rc = EXIT_ENV;
    }
    if (rc == 0 && st.o.per == 0) {
        /* more shards than runs: nothing to do in this one */
        progress_note("stress: shard %ld/%ld has no runs", st.o.gate.shard_i,
                      st.o.gate.shard_n);
        rc = outputs_write(&st.o.out, NULL, 0, "racelab stress") < 0 ? EXIT_ENV
                                                                     : EXIT_OK;
    } else if (rc == 0) {
        stress_plan(&st);
        rc = stress_execute(&st, argc, argv);
    }
    stress_free(&st);
    return rc;
}
