/* cmd_stress.c - `racelab stress [options] -- PROGRAM ARGS...`: the run
 * machinery on any program.  Exit 0 when no run found anything. */
#include "cli.h"
#include "docroot.h"
#include "manifest.h"
#include "proc.h"
#include "progress.h"
#include "gate.h"
#include "options.h"
#include "chaos_spec.h"
#include "report/finding.h"
#include "detector.h"
#include "sched_detect.h"

#include <errno.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char head[] =
"usage: racelab stress [options] -- PROGRAM ARGS...\n"
"Runs PROGRAM under a detector, again and again, optionally with load, and\n"
"reports what the detector found.  {port} in ARGS becomes a free TCP port\n"
"(racelab waits until it accepts connections); {tmp} the run's temp dir.\n"
"With --load and no {port}, the run ends when PROGRAM exits.  --chaos on a\n"
"program built by racelab cc picks its controlled scheduler's strategy\n"
"(docs/CHAOS.md); on others it preloads librlchaos.so (not TSan builds).\n"
"\n";

static const char tail[] =
"Exit: 0 no finding, 1 a finding (or crash, hang, oracle, exit status),\n"
"2 usage, 3 environment (the tool did not run, the program never listened\n"
"or answered nothing, the --load command failed).\n";

/* The subcommand's state between phases. */
struct stress {
    struct cli_opts o;          /* the options (options.h) */
    bool tool_set;              /* --tool, or implied by the program */
    int prog_argc;              /* PROGRAM ARGS... */
    char **prog_argv;
    bool uses_port;
    long per;                   /* runs of this shard per cell */
    struct paths *paths;
    char *program, *preload, *session;
    bool sched;                 /* built by racelab cc (src/sched) */
    bool chaos_pct;             /* --chaos is a pct spec */
    struct cell_result *cells;
    int *cell_tool;             /* the tool of each cell */
    size_t ncells, njobs;
    struct job *jobv;           /* the chunk of jobs running now */
};

/* Jobs made, run and folded into their cells at a time: memory stays that
 * of one chunk whatever --runs is (a clean run keeps only its record). */
#define STRESS_CHUNK 256

/* Phase 1: the options.  0, 1 (--help printed) or -1 (usage error). */
static int stress_parse(struct stress *st, int argc, char **argv)
{
    struct cli_opts *o = &st->o;
    /* stop at PROGRAM: its own flags are not ours */
    int rc = options_parse(OC_STRESS, argc, argv, o, true, head, tail);

    if (rc != 0)
        return rc;
    options_paths(o, st->paths);
    st->tool_set = o->given[OPT_TOOL];
    if (o->given[OPT_MINIMISE]) {
        /* the failing schedule with the fewest preemptions: dfs runs
         * schedules in order of preemptions (docs/CHAOS.md) */
        static char spec[64];
        if (o->given[OPT_CHAOS]) {
            errorf("stress: --minimise picks its own --chaos (dfs:preemptions=P); "
                   "give one or the other");
            return -1;
        }
        snprintf(spec, sizeof spec, "dfs:preemptions=%ld", o->minimise);
        o->chaos = spec;
        o->runs = 1;
    }
    if (optind < argc && strcmp(argv[optind], "--") == 0)
        optind++;
    if (optind >= argc) {
        errorf("stress: which program? (racelab stress [options] -- PROGRAM ARGS...)");
        return -1;
    }
    st->prog_argc = argc - optind;
    st->prog_argv = argv + optind;
    if (o->http.n && o->load_cmd) {
        errorf("stress: conflicting flags --http and --load (choose one load source)");
        return -1;
    }
    st->uses_port = args_use(st->prog_argv, (size_t)st->prog_argc, ARG_PORT);
    if (o->http.n && !st->uses_port) {
        errorf("stress: --http needs {port} in the program's arguments (where "
               "should the client connect?)");
        return -1;
    }
    /* A program given a port is a server: it must be exercised, so with
     * no load of its own it gets the built-in client's GET /, and a
     * duration (then SIGTERM), not a --timeout hang. */
    if (st->uses_port && !o->http.n && !o->load_cmd) {
        sv_push(&o->http, "/");
        if (!o->quiet)
            progress_note("{port} and no --http/--load: sending GET / from %ld "
                          "clients (say --http PATH or --load CMD to choose)",
                          o->clients);
    }
    if (st->uses_port && o->duration == 0)
        o->duration = 5;
    return 0;
}

/* The tools the program can run under: a sched build runs only as
 * itself; without --tool, the detector whose build mark the program
 * carries (tsan, asan), else the first default one that needs no special
 * build and is installed (helgrind), else none.  0, or an exit status. */
static int stress_pick_tools(struct stress *st)
{
    struct cli_opts *o = &st->o;

    for (int t = 0; st->sched && t < TOOL_COUNT; t++)
        if (o->tools[t] && t != TOOL_NONE) {
            errorf("stress: %s is built by racelab cc for the controlled scheduler; "
                   "it runs with --tool none only (--chaos pct|random picks the "
                   "schedule). For %s build it with %s", st->program, tool_names[t],
                   detectors[t]->build_hint ? detectors[t]->build_hint
                                            : "a plain compiler");
            return EXIT_USAGE;
        }
    if (st->sched)
        o->tools[TOOL_NONE] = st->tool_set = true;
    for (int t = 0; !st->tool_set && t < TOOL_COUNT; t++)
        if (detectors[t]->build_mark &&
            program_has_symbol(st->program, detectors[t]->build_mark))
            o->tools[t] = st->tool_set = true;
    for (int t = 0; !st->tool_set && t < TOOL_COUNT; t++) {
        const struct detector *d = detectors[t];
        if (d->by_default && d->reports && !d->build_mark && detector_installed(d))
            o->tools[t] = st->tool_set = true;
    }
    if (!st->tool_set)
        o->tools[TOOL_NONE] = st->tool_set = true;
    for (int t = 0; !st->sched && t < TOOL_COUNT; t++) {
        const struct detector *d = detectors[t];
        if (!o->tools[t])
            continue;
        if (d->build_mark && !program_has_symbol(st->program, d->build_mark)) {
            errorf("stress: %s is not built for %s (no %s); rebuild it with %s or "
                   "use another --tool", st->program, d->name, d->build_mark,
                   d->build_hint);
            return EXIT_ENV;
        }
        if (!detector_installed(d)) {
            errorf("%s is not installed (needed for --tool %s): apt-get install %s",
                   d->requires, d->name, d->requires);
            return EXIT_ENV;
        }
        if (d->refuses_mark && program_has_symbol(st->program, d->refuses_mark)) {
            errorf("stress: %s carries %s; %s cannot run it (use the tool that "
                   "build is for, or a plain build)", st->program, d->refuses_mark,
                   d->name);
            return EXIT_ENV;
        }
    }
    return 0;
}

/* Phase 2: the program and the tools it can run under.  0, or an exit
 * status (usage or environment error, printed). */
static int stress_check(struct stress *st)
{
    struct cli_opts *o = &st->o;
    int rc;

    st->program = which(st->prog_argv[0]);
    if (!st->program) {
        errorf("stress: %s: %s", st->prog_argv[0],
               strchr(st->prog_argv[0], '/') ? "not found or not executable"
                                            : "not found in PATH");
        return EXIT_ENV;
    }
    /* A racelab cc build is not a TSan build: it runs bare, and --chaos
     * acts through its own scheduler (tools/sched.c, docs/CHAOS.md). */
    st->sched = program_has_symbol(st->program, detector_sched.build_mark);
    if ((rc = stress_pick_tools(st)) != 0)
        return rc;
    if (o->chaos) {
        /* a strategy only one runtime implements (chaos_spec.h) */
        struct chaos_config cfg;
        unsigned where = st->sched ? CHAOS_IN_SCHED : CHAOS_IN_WRAP;
        bool parsed = chaos_spec_parse(o->chaos, &cfg, NULL, 0) == 0;
        st->chaos_pct = parsed && cfg.strategy == CHAOS_PCT;
        if (parsed && !(chaos_strategies[cfg.strategy].runtimes & where)) {
            errorf("--chaos: strategy '%s' needs %s", chaos_strategies[cfg.strategy].name,
                   st->sched ? "a program not built by racelab cc"
                             : "a program built by racelab cc (docs/CHAOS.md)");
            return EXIT_USAGE;
        }
    }
    if (o->chaos && strcmp(o->chaos, "none") != 0 && !st->sched) {
        /* The preload cannot act on a TSan build: its interceptors are in
         * the executable and win.  Saying nothing would mean a run that
         * looks perturbed and is not. */
        for (int t = 0; t < TOOL_COUNT; t++)
            if (o->tools[t] && !detectors[t]->preload_chaos) {
                errorf("--chaos: %s is a %s build, whose own interceptors shadow "
                       "racelab's preload, so it cannot be perturbed; run a plain "
                       "build with --tool none|helgrind|drd --chaos, or drop --chaos",
                       st->program, detectors[t]->label);
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
    st->per = gate_shard_count(&o->gate, o->runs); /* --shard I/N */
    if (!o->given[OPT_SEED] && o->gate.shard_n > 1) {
        o->given[OPT_SEED] = true;              /* shards share one seed base */
        o->seed = 1;
    }
    detectors_prepare(o->tools);
    return 0;
}

/* PROGRAM's base name: the cell's scenario and the runs' labels. */
static const char *program_name(const struct stress *st)
{
    const char *slash = strrchr(st->program, '/');

    return slash ? slash + 1 : st->program;
}

/* Phase 3: one cell per tool; its --runs jobs are made a chunk at a time
 * (stress_job). */
static void stress_plan(struct stress *st)
{
    struct cli_opts *o = &st->o;
    const char *base = program_name(st);

    if (!o->given[OPT_SEED])
        o->seed = (long)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16))
                         & 0x7fffffff);
    if (st->sched && st->chaos_pct && !o->http.n && !o->load_cmd) {
        /* measure PCT's k first (sched_detect.c); only pct draws over k, and
         * an unperturbed run of a program that can poll forever (dfs finds
         * such schedules) would cost the whole limit */
        struct strvec m;
        double limit = o->duration > 0 && o->duration < o->timeout ? o->duration
                                                                  : o->timeout;
        sv_init(&m);
        sv_push(&m, st->program);
        for (int i = 1; i < st->prog_argc; i++)
            sv_push(&m, st->prog_argv[i]);
        sched_measure_steps(&m, limit < 30 ? limit : 30);
        sv_free(&m);
    }
    st->cells = xcalloc(TOOL_COUNT, sizeof *st->cells);
    st->cell_tool = xcalloc(TOOL_COUNT, sizeof *st->cell_tool);
    for (int t = 0; t < TOOL_COUNT; t++) {
        if (!o->tools[t])
            continue;
        st->cell_tool[st->ncells] = t;
        struct cell_result *c = &st->cells[st->ncells++];
        c->scenario = xstrdup(base);
        c->tool = xstrdup(tool_names[t]);
        c->executable = xstrdup(st->program);
        if (o->gate.shard_n > 1)    /* for `racelab merge`'s shard check */
            c->shard = (struct cell_shard){o->gate.shard_i, o->gate.shard_n,
                                           (unsigned long)o->seed, (size_t)st->per,
                                           (size_t)o->runs};
    }
}

/* Job G of the plan (cell G / per, its run G % per) into J. */
static void stress_job(struct stress *st, struct job *j, size_t g)
{
    struct cli_opts *o = &st->o;
    const char *base = program_name(st);
    size_t ci = g / (size_t)st->per;
    long k = (long)(g % (size_t)st->per), r = gate_shard_run(&o->gate, k);
    int t = st->cell_tool[ci];
    struct run_spec *sp = &j->spec;

    memset(j, 0, sizeof *j);
    j->cell = ci;
    /* --min-rate: every run after the first is only needed while
     * nothing was found */
    j->extra = o->gate.min_rate > 0 && k > 0;
    sp->label = xasprintf("%s %s #%ld", base, tool_names[t], r + 1);
    sp->tool = t;
    sv_init(&sp->argv);
    sv_push(&sp->argv, st->program);
    for (int i = 1; i < st->prog_argc; i++)
        sv_push(&sp->argv, st->prog_argv[i]);
    sv_init(&sp->http_paths);
    for (size_t i = 0; i < o->http.n; i++)
        sv_push(&sp->http_paths, o->http.v[i]);
    sp->profile = o->http.n ? "paths" : NULL;
    sp->load_cmd = o->load_cmd;
    sp->clients = (int)o->clients;
    sp->duration = o->duration;
    sp->timeout = o->timeout;
    sp->seed = (unsigned long)o->seed + (unsigned long)r;
    sp->repro = gate_stress_repro(&(struct stress_repro){
        .tool = tool_names[t], .seed = sp->seed, .http = &o->http,
        .load_cmd = o->load_cmd, .chaos = o->chaos,
        .suppressions = o->gate.suppressions, .clients = o->clients,
        .expect_exit = o->expect_exit, .duration = o->duration,
        .timeout = o->timeout, .hang_window = o->hang_window,
        .prog = st->prog_argv, .nprog = st->prog_argc});
    sp->suppressions = o->gate.suppressions;
    sp->chaos = o->chaos;
    sp->chaos_preload = st->preload;
    sp->sched = st->sched;
    sp->slow_ms = 1e12;             /* strangers' latency is theirs */
    sp->memory_growth_mb = 1e12;    /* no memory oracle on strangers */
    sp->hang_seconds = tool_hang_seconds(t, 0);
    sp->block_window = o->hang_window;
    sp->expect_exit = (int)o->expect_exit;
    sp->early_stop = o->early && detectors[t]->reports;
    sp->source = st->paths->source;
    sp->session = st->session;
    sp->nfiles = DOCROOT_MIN_FILES;
    sp->index = (int)g;
    sp->keep_tmp = o->keep;
}

/* The chunk's jobs (their outputs were moved into the cells). */
static void stress_jobs_free(struct stress *st)
{
    for (size_t i = 0; i < st->njobs; i++) {
        free((char *)st->jobv[i].spec.label);
        free((char *)st->jobv[i].spec.repro);
        sv_free(&st->jobv[i].spec.argv);
        sv_free(&st->jobv[i].spec.http_paths);
        run_output_free(&st->jobv[i].out);
    }
    st->njobs = 0;
}

/* Phase 4: run a chunk of jobs at a time and fold each into its cell,
 * score (once, in the report library), report. */
static int stress_execute(struct stress *st, int argc, char **argv)
{
    struct cli_opts *o = &st->o;
    int status;
    char *cmd;

    size_t total = st->ncells * (size_t)st->per;
    bool *decided = xcalloc(st->ncells + 1, sizeof *decided);

    progress_start(total, o->quiet);
    st->jobv = xcalloc(STRESS_CHUNK, sizeof *st->jobv);
    for (size_t from = 0; from < total && !proc_interrupted(); from += STRESS_CHUNK) {
        st->njobs = total - from < STRESS_CHUNK ? total - from : STRESS_CHUNK;
        for (size_t i = 0; i < st->njobs; i++)
            stress_job(st, &st->jobv[i], from + i);
        run_jobs(st->jobv, st->njobs, (int)o->jobs, st->cells, decided);
        if (!proc_interrupted())
            for (size_t ci = 0; ci < st->ncells; ci++)
                cell_collect(&st->cells[ci], st->jobv, st->njobs, ci);
        stress_jobs_free(st);
    }
    free(decided);
    progress_finish();
    if (proc_interrupted()) {
        errorf("interrupted: every process stopped, temp files removed");
        return EXIT_INTERRUPTED;
    }
    cmd = command_line(argc, argv, "stress");
    if (gate_finish(&o->gate, st->cells, st->ncells, cmd) != EXIT_OK) {
        free(cmd);
        return EXIT_ENV;
    }
    print_table(stdout, st->cells, st->ncells);
    /* A closed stdout (racelab ... | head) must not change the exit
     * status, which is the verdict's; the --json/--junit files carry it. */
    fflush(stdout);
    status = cells_exit_status(st->cells, st->ncells, o->strict);
    if (outputs_write(&o->out, st->cells, st->ncells, cmd) < 0)
        status = EXIT_ENV;
    free(cmd);
    return status;
}

static void stress_free(struct stress *st)
{
    stress_jobs_free(st);
    free(st->jobv);
    free(st->cell_tool);
    for (size_t i = 0; i < st->ncells; i++)
        cell_result_free(&st->cells[i]);
    free(st->cells);
    if (st->session) {
        if (!st->o.keep && rm_rf(st->session) < 0)
            warnf("rm -rf %s: %s", st->session, strerror(errno));
        else if (st->o.keep)
            progress_note("kept %s", st->session);
        free(st->session);
    }
    options_free(&st->o);
    free(st->program);
    free(st->preload);
}

int cmd_stress(int argc, char **argv, struct paths *paths)
{
    struct stress st;
    int rc;

    memset(&st, 0, sizeof st);
    st.paths = paths;
    options_init(&st.o);        /* the defaults options.h's help names */
    st.o.runs = 1;
    st.o.clients = 8;
    st.o.jobs = default_jobs();
    st.o.timeout = 120;
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
    if (rc == 0 && st.per == 0) {
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
