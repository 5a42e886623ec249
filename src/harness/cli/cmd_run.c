/* cmd_run.c - `racelab run SCENARIO...` and `racelab matrix`: scenario x
 * variant x tool cells, N runs each, judged against the manifests. */
#include "cli.h"
#include "docroot.h"
#include "gate.h"
#include "options.h"
#include "manifest.h"
#include "proc.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char run_head[] =
"usage: racelab run SCENARIO... [options]\n"
"Runs a scenario's variants under the detectors, again and again, with load,\n"
"and judges each detector's findings against the scenario's manifest.\n"
"\n";

static const char matrix_head[] =
"usage: racelab matrix [options]\n"
"Every scenario x variant x tool; prints the table and exits with the gate.\n"
"\n";

static const char run_tail[] =
"Exit: 0 expectations held, 1 one failed, 2 usage error, 3 environment error.\n";

static const char *flavor_of(int tool)
{
    return detectors[tool]->flavor;
}

static long cache_mb_of(const char *args)
{
    const char *p = strstr(args, "--cache-mb");
    if (!p)
        return 0;
    p += 10;
    while (*p == ' ' || *p == '=')
        p++;
    return atol(p);
}

/* Everything `run` and `matrix` juggle between their phases. */
struct runcmd {
    bool matrix;
    const char *sub;            /* "run" or "matrix" */
    struct paths *paths;
    struct cli_opts o;          /* the options (options.h); o.scenarios:
                                   the scenarios asked for */
    long base_runs;             /* --runs before --min-rate raised it */
    /* state */
    int status;
    struct scenario *all;
    int nall;
    char *session, *docroot, *cmd;
    unsigned nfiles;
    struct cell_result *cells;
    size_t ncells;
    struct job *jobv;
    size_t njobs;
    size_t *cell_first;
    struct location **cell_locs;
};

/* Phase 1: the options, and the scenarios named (hunt case IDs
 * resolved).  0, or -1 with R->status set and the error printed. */
static int run_check_args(struct runcmd *R, int argc, char **argv);

static int run_parse(struct runcmd *R, int argc, char **argv)
{
    int rc = options_parse(R->matrix ? OC_MATRIX : OC_RUN, argc, argv, &R->o,
                           false, R->matrix ? matrix_head : run_head, run_tail);

    if (rc != 0) {
        if (rc > 0)
            R->status = EXIT_OK;        /* --help */
        return -1;
    }
    options_paths(&R->o, R->paths);
    if (R->o.no_early)
        R->o.early = false;
    return run_check_args(R, argc, argv);
}

/* The arguments after the options: scenario names for run (hunt case IDs
 * resolved), none for matrix; flags that exclude each other. */
static int run_check_args(struct runcmd *R, int argc, char **argv)
{
    if (R->o.given[OPT_EARLY] && R->o.given[OPT_NO_EARLY]) {
        errorf("%s: conflicting flags --early-stop and --no-early-stop", R->sub);
        return -1;
    }
    if (R->matrix && optind < argc) {
        errorf("matrix: unexpected argument '%s' (use --scenarios LIST)", argv[optind]);
        return -1;
    }
    if (!R->matrix) {
        if (optind >= argc) {
            errorf("run: which scenario? (racelab list shows them)");
            return -1;
        }
        for (int i = optind; i < argc; i++)
            sv_push(&R->o.scenarios, hunt_resolve_keyed(argv[i], R->paths)); /* a case ID: the teacher's */
    }
    return 0;
}

/* Phase 2: every scenario folder; the names asked for must exist. */
static int run_load_scenarios(struct runcmd *R)
{
    char err[512];

    /* Scenarios: a broken manifest is an environment error of the tree. */
    R->nall = scenarios_load_all(R->paths->source, &R->all, err, sizeof err);
    if (R->nall < 0) {
        errorf("%s", err);
        R->status = EXIT_ENV;
        return -1;
    }
    for (size_t i = 0; i < R->o.scenarios.n; i++) {
        bool found = false;
        for (int k = 0; k < R->nall; k++)
            found |= strcmp(R->all[k].name, R->o.scenarios.v[i]) == 0;
        if (!found) {
            struct strbuf sb;
            sb_init(&sb);
            for (int k = 0; k < R->nall; k++)
                sb_printf(&sb, "%s%s", k ? ", " : "", R->all[k].name);
            errorf("unknown scenario '%s' (known: %s)", R->o.scenarios.v[i],
                   R->nall ? sb.buf : "none yet");
            sb_free(&sb);
            return -1;
        }
    }
    return 0;
}

/* Phase 3: the cells, in a stable order (scenario, variant, tool), each
 * with its manifest expectation; every executable must be built. */
static int run_select_cells(struct runcmd *R)
{
    if (!R->o.given[OPT_TOOL])
        gate_default_tools(R->paths, R->o.tools);   /* the tools whose builds exist */
    /* Cells, in a stable order: scenario, variant, tool. */
    {
        char *root = R->paths->build_root ? xstrdup(R->paths->build_root)
                                       : xasprintf("%s/build", R->paths->source);
        size_t index = 0;
        bool missing_flavor[TOOL_COUNT] = {0};
        int missing = 0;
        R->cells = xcalloc((size_t)R->nall * VARIANT_COUNT * TOOL_COUNT + 1, sizeof *R->cells);
        for (int k = 0; k < R->nall; k++) {
            if (R->o.scenarios.n && !sv_contains(&R->o.scenarios, R->all[k].name))
                continue;
            for (int v = 0; v < VARIANT_COUNT; v++) {
                if (!R->o.variants[v])
                    continue;
                for (int t = 0; t < TOOL_COUNT; t++) {
                    if (!R->o.tools[t])
                        continue;
                    if ((long)(index++ % (size_t)R->o.gate.shard_n) != R->o.gate.shard_i - 1)
                        continue;
                    struct cell_result *c = &R->cells[R->ncells++];
                    const struct expect_spec *e = &R->all[k].expect[v][t];
                    c->scenario = xstrdup(R->all[k].name);
                    c->variant = xstrdup(variant_names[v]);
                    c->tool = xstrdup(tool_names[t]);
                    c->executable = xasprintf("%s/%s/racelab-server-%s-%s", root,
                                              flavor_of(t), R->all[k].name,
                                              variant_names[v]);
                    c->module = R->all[k].module ? xstrdup(R->all[k].module) : NULL;
                    c->bug_class = R->all[k].bug_class ? xstrdup(R->all[k].bug_class) : NULL;
                    c->expect.known = e->present;
                    c->expect.kinds = e->kinds;
                    c->expect.false_positive = e->false_positive;
                    c->expect.symptom = e->symptom == 1;
                    /* a rate holds for the schedule it was measured
                     * with: another --chaos than the manifest's makes it
                     * unknown (a miss is then inconclusive) */
                    bool same_chaos = R->o.chaos == NULL ||
                        (e->chaos && strcmp(R->o.chaos, e->chaos) == 0);
                    c->expect.rate = e->rate && same_chaos ? xstrdup(e->rate) : NULL;
                    if (!is_executable(c->executable)) {
                        if (missing++ < 5)
                            errorf("build missing: %s", c->executable);
                        missing_flavor[t] = true;
                    }
                }
            }
        }
        if (missing) {
            if (missing > 5)
                errorf("... and %d more executables missing", missing - 5);
            const char *done[TOOL_COUNT] = {0};
            for (int t = 0; t < TOOL_COUNT; t++) {
                if (!missing_flavor[t])
                    continue;
                const char *f = flavor_of(t);
                bool dup = false;
                for (int j = 0; j < t; j++)
                    dup |= done[j] && strcmp(done[j], f) == 0;
                done[t] = f;
                if (dup)
                    continue;
                if (R->paths->build_root)
                    errorf("build it with: cmake -S %s -B %s/%s --preset %s && "
                           "cmake --build %s/%s", R->paths->source, root, f, f, root, f);
                else
                    errorf("build it with: cd %s && cmake --preset %s && "
                           "cmake --build --preset %s", R->paths->source, f, f);
            }
            free(root);
            R->status = EXIT_ENV;
            return -1;
        }
        free(root);
    }
    if (R->ncells == 0) {
        if (R->nall == 0)
            errorf("%s: no scenarios under %s/scenarios", R->sub, R->paths->source);
        else
            progress_note("%s: shard %ld/%ld has no cells", R->sub, R->o.gate.shard_i, R->o.gate.shard_n);
        R->status = R->nall == 0 ? EXIT_ENV : EXIT_OK;
        return -1;
    }
    return 0;
}

/* Phase 4: the tools, the outputs, the gate options, the session and
 * its shared read-only docroot. */
static int run_prepare(struct runcmd *R)
{
    char err[512];

    for (int t = 0; t < TOOL_COUNT; t++)
        if (R->o.tools[t] && !detector_installed(detectors[t])) {
            errorf("%s is not installed (needed for --tool %s): apt-get install %s",
                   detectors[t]->requires, tool_names[t], detectors[t]->requires);
            R->status = EXIT_ENV;
            return -1;
        }
    if (outputs_check(&R->o.out) < 0) {
        R->status = EXIT_ENV;
        return -1;
    }
    if ((R->status = gate_prepare(&R->o.gate)) != EXIT_OK)
        return -1;
    R->base_runs = R->o.runs;
    R->o.runs = gate_runs(&R->o.gate, R->o.runs);              /* --min-rate/--confidence */
    detectors_prepare(R->o.tools);
    {
        char *gdb = which("gdb");
        if (!gdb)
            warnf("gdb is not installed: hangs will be reported without stacks");
        free(gdb);
    }

    /* The session: one temp dir with a shared read-only docroot. */
    R->session = session_create();
    if (!R->session) {
        R->status = EXIT_ENV;
        return -1;
    }
    long cache_mb = 1;
    for (int k = 0; k < R->nall; k++)
        if (!R->o.scenarios.n || sv_contains(&R->o.scenarios, R->all[k].name))
            if (cache_mb_of(R->all[k].args) > cache_mb)
                cache_mb = cache_mb_of(R->all[k].args);
    R->nfiles = docroot_files_for_cache(cache_mb);
    R->docroot = xasprintf("%s/docroot", R->session);
    if (docroot_create(R->docroot, R->nfiles, err, sizeof err) < 0) {
        errorf("docroot: %s", err);
        R->status = EXIT_ENV;
        return -1;
    }
    return 0;
}

/* Phase 5: the jobs. */
static int run_plan(struct runcmd *R)
{
    if (!R->o.given[OPT_SEED])
        R->o.seed = (long)(((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16)) &
                           0x7fffffff);

    /* Jobs.  Every cell gets --runs runs.  A buggy cell that expects a
     * finding or a symptom may get extra runs, up to what its recorded
     * rate says decides it (and --max-runs), or --min-rate asks for: they
     * are queued after every regular run and skipped once the cell has
     * seen its bug, so a correct build ends conclusive, not inconclusive,
     * at little cost. */
    size_t *cell_runs = xcalloc(R->ncells + 1, sizeof *cell_runs), total = 0;
    for (size_t ci = 0; ci < R->ncells; ci++) {
        const struct cell_result *c = &R->cells[ci];
        size_t want = (size_t)R->o.runs;
        double rate = recorded_rate_floor(c->expect.rate);
        if (!R->o.exact_runs && strcmp(c->variant, "buggy") == 0 && rate > 0 &&
            !c->expect.false_positive && (c->expect.kinds || c->expect.symptom)) {
            size_t need = runs_to_decide(rate);
            if (need > (size_t)R->o.max_runs)
                need = (size_t)R->o.max_runs;
            if (need > want)
                want = need;
        }
        cell_runs[ci] = want;
        total += want;
    }
    R->jobv = xcalloc(total + 1, sizeof *R->jobv);
    R->cell_first = xcalloc(R->ncells + 1, sizeof *R->cell_first);
    R->cell_locs = xcalloc(R->ncells + 1, sizeof *R->cell_locs);
    for (size_t ci = 0; ci < R->ncells; ci++) {
        struct cell_result *c = &R->cells[ci];
        const struct scenario *s = NULL;
        for (int k = 0; k < R->nall; k++)
            if (strcmp(R->all[k].name, c->scenario) == 0)
                s = &R->all[k];
        int t = tool_from_name(c->tool), v = variant_from_name(c->variant);
        const struct expect_spec *e = &s->expect[v][t];
        size_t nlocs;
        struct location *locs = expect_locations(s, e, &nlocs);
        double tmo = R->o.timeout > 0 ? R->o.timeout
                     : R->o.duration + detectors[t]->timeout_extra;
        R->cell_first[ci] = R->njobs;
        R->cell_locs[ci] = locs;           /* shared by the cell's runs */
        for (long r = 0; r < (long)cell_runs[ci]; r++) {
            struct job *j = &R->jobv[R->njobs++];
            j->cell = ci;
            j->extra = r >= R->base_runs;
            struct run_spec *sp = &j->spec;
            sp->label = xasprintf("%s %s %s #%ld", c->scenario, c->variant, c->tool,
                                  r + 1);
            sp->tool = t;
            sv_init(&sp->argv);
            sv_push(&sp->argv, c->executable);
            sv_split(&sp->argv, s->args, true);
            sp->server = true;
            sp->profile = s->load;
            sv_init(&sp->http_paths);
            sp->clients = (int)R->o.clients;
            sp->duration = R->o.duration;
            sp->timeout = tmo;
            sp->seed = (unsigned long)R->o.seed + (unsigned long)r;
            /* Run 1 of a cell with base seed S has seed S, so this
             * repeats the load mix and the chaos decisions exactly; the
             * OS scheduler's part of the interleaving it cannot repeat. */
            /* the command line's --chaos, else the one the manifest
             * measured this cell's rate with */
            const char *chaos = R->o.chaos ? R->o.chaos : e->chaos;
            struct strbuf rb;
            sb_init(&rb);
            gate_repro_env(&rb, c->tool);
            sb_printf(&rb, "racelab run %s --variant %s --tool %s --runs 1 "
                      "--seed %lu --duration %g%s%s", c->scenario, c->variant,
                      c->tool, sp->seed, R->o.duration, chaos ? " --chaos " : "",
                      chaos ? chaos : "");
            gate_repro_common(&rb, R->o.gate.suppressions);
            sp->repro = sb_steal(&rb);
            sp->chaos = chaos;          /* the servers link the wrappers */
            sp->suppressions = R->o.gate.suppressions;
            sp->symptom = s->symptom;
            sp->slow_ms = tool_slow_ms(t, s->slow_ms);
            sp->memory_growth_mb = s->memory_growth_mb > 0 ? s->memory_growth_mb : 64;
            sp->hang_seconds = tool_hang_seconds(t, s->hang_seconds);
            sp->locs = locs;
            sp->match_depth = (size_t)R->o.match_depth;
            sp->nlocs = nlocs;
            sp->expect_kinds = e->kinds;
            /* stopping early only makes sense where a finding is expected */
            sp->early_stop = R->o.early && e->kinds != 0 && !e->false_positive &&
                             nlocs > 0 && detectors[t]->reports;
            sp->source = R->paths->source;
            sp->session = R->session;
            sp->docroot = R->docroot;
            sp->nfiles = R->nfiles;
            sp->index = (int)R->njobs;
            sp->keep_tmp = R->o.keep;
        }
    }

    free(cell_runs);
    /* regular runs first, extra ones after them all (stable) */
    {
        struct job *sorted = xcalloc(R->njobs + 1, sizeof *sorted);
        size_t n = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < R->njobs; i++)
                if (R->jobv[i].extra == (pass == 1))
                    sorted[n++] = R->jobv[i];
        free(R->jobv);
        R->jobv = sorted;
    }
    return 0;
}

/* Phase 6: run, fold, score (once, in the report library), report. */
static int run_execute(struct runcmd *R, int argc, char **argv)
{
    progress_start(R->njobs, R->o.quiet);
    run_jobs(R->jobv, R->njobs, (int)R->o.jobs, R->cells, NULL);
    progress_finish();
    if (proc_interrupted()) {
        errorf("interrupted: every process stopped, temp files removed");
        R->status = EXIT_INTERRUPTED;
        return -1;
    }

    for (size_t ci = 0; ci < R->ncells; ci++)
        cell_collect(&R->cells[ci], R->jobv, R->njobs, ci);
    R->cmd = command_line(argc, argv, R->sub);
    if (gate_finish(&R->o.gate, R->cells, R->ncells, R->cmd) != EXIT_OK) {
        R->status = EXIT_ENV;
        return -1;
    }
    print_table(stdout, R->cells, R->ncells);
    /* A closed stdout (racelab ... | head) must not change the exit
     * status, which is the verdict's; the --json/--junit files carry it. */
    fflush(stdout);
    R->status = cells_exit_status(R->cells, R->ncells, R->o.strict);
    if (outputs_write(&R->o.out, R->cells, R->ncells, R->cmd) < 0)
        R->status = EXIT_ENV;

    return 0;
}

static void run_free(struct runcmd *R)
{
    if (R->jobv) {
        for (size_t i = 0; i < R->njobs; i++) {
            struct run_spec *sp = &R->jobv[i].spec;
            free((char *)sp->label);
            free((char *)sp->repro);
            sv_free(&sp->argv);
            sv_free(&sp->http_paths);
            run_output_free(&R->jobv[i].out);
        }
    }
    for (size_t ci = 0; R->cell_locs && ci < R->ncells; ci++)
        free(R->cell_locs[ci]);
    free(R->cell_locs);
    free(R->jobv);
    free(R->cell_first);
    for (size_t i = 0; i < R->ncells; i++)
        cell_result_free(&R->cells[i]);
    free(R->cells);
    if (R->session) {
        if (!R->o.keep && rm_rf(R->session) < 0)
            warnf("rm -rf %s: failed", R->session);
        else if (R->o.keep)
            progress_note("kept %s", R->session);
        free(R->session);
    }
    if (R->all)
        scenarios_free(R->all, (size_t)R->nall);
    options_free(&R->o);
    free(R->cmd);
    free(R->docroot);
}

int cmd_run(int argc, char **argv, struct paths *paths, bool matrix)
{
    struct runcmd R;
    int status;

    memset(&R, 0, sizeof R);
    R.matrix = matrix;
    R.sub = matrix ? "matrix" : "run";
    R.paths = paths;
    options_init(&R.o);         /* the defaults options.h's help names */
    for (int v = 0; v < VARIANT_COUNT; v++)
        R.o.variants[v] = true;
    for (int t = 0; t < TOOL_COUNT; t++)
        R.o.tools[t] = true;
    R.o.runs = 3;
    R.o.clients = 8;
    R.o.jobs = default_jobs();
    R.o.max_runs = 24;
    R.o.match_depth = 0;        /* 0: RUNNER_MATCH_DEPTH */
    R.o.duration = matrix ? 1.0 : 3.0;
    R.o.early = matrix;
    R.status = EXIT_USAGE;
    if (run_parse(&R, argc, argv) == 0 && run_load_scenarios(&R) == 0 &&
        run_select_cells(&R) == 0 && run_prepare(&R) == 0 &&
        run_plan(&R) == 0)
        run_execute(&R, argc, argv);
    status = R.status;
    run_free(&R);
    return status;
}
