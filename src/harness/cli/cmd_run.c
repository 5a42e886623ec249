/* cmd_run.c - `racelab run SCENARIO...` and `racelab matrix`: scenario x
 * variant x tool cells, N runs each, judged against the manifests. */
#include "cli.h"
#include "docroot.h"
#include "gate.h"
#include "manifest.h"
#include "proc.h"
#include "progress.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char run_usage[] =
"usage: racelab run SCENARIO... [options]\n"
"Runs a scenario's variants under the detectors, again and again, with load,\n"
"and judges each detector's findings against the scenario's manifest.\n"
"\n"
"  --variant LIST      buggy, fixed (default: both)\n"
"  --tool LIST         tsan, helgrind, drd, none (default: those whose build\n"
"                      exists)\n"
"  --runs N            runs per cell (default 3)\n"
"  --clients N         concurrent load clients (default 8)\n"
"  --duration SECONDS  load per run (default 3)\n"
"  --timeout SECONDS   limit per run (default: duration + 60, valgrind + 180)\n"
"  --jobs N            runs in parallel (default: online CPUs)\n"
"  --seed N            base seed of the load mix; run i uses N+i (default: random)\n"
"  --early-stop        end a run once an expected finding appeared\n"
"  --no-early-stop     always run the full duration (default for run)\n"
"  --json FILE --junit FILE --sarif FILE --html FILE   reports\n"
"  --chaos SPEC        perturb the schedule (src/chaos): random[:p=P], pct[:depth=D];\n"
"                      each run gets its own seed unless SPEC names one\n"
"  --strict            an inconclusive cell fails the gate (exit 1)\n"
"  --max-runs N        a buggy cell that has not shown its bug gets extra runs,\n"
"                      up to what its recorded rate needs to decide, at most N\n"
"                      (default 24); skipped once it shows\n"
"  --exact-runs        no extra runs: exactly --runs per cell\n"
"  --match-depth N     top frames of each access stack matched against the\n"
"                      manifest's locations (default 4)\n"
"  --keep-tmp          keep the temp dirs (debugging)\n"
"  --quiet             no progress on stderr\n"
"  --source-dir DIR    the racelab source tree (default: the build's, or\n"
"                      $RACELAB_SOURCE_DIR)\n"
"  --build-dir DIR     the build root holding release/ tsan/ valgrind/\n"
"                      (default: SOURCE/build)\n"
GATE_USAGE
"Exit: 0 expectations held, 1 one failed, 2 usage error, 3 environment error.\n";

static const char matrix_usage[] =
"usage: racelab matrix [options]\n"
"Every scenario x variant x tool; prints the table and exits with the gate.\n"
"\n"
"  --tools LIST        tsan, helgrind, drd, none (default: all)\n"
"  --scenarios LIST    scenario names (default: all)\n"
"  --variants LIST     buggy, fixed (default: both)\n"
"  --runs N            runs per cell (default 3)\n"
"  --duration SECONDS  load per run (default 1; runs stop early on detection)\n"
"  --shard I/N         only cells I, I+N, I+2N... (1 <= I <= N), for CI\n"
"  (and every option of `racelab run`)\n"
"Exit: 0 expectations held, 1 one failed, 2 usage error, 3 environment error.\n";

enum {
    O_VARIANT = 256, O_TOOL, O_RUNS, O_CLIENTS, O_DURATION, O_TIMEOUT, O_JOBS,
    O_SEED, O_JSON, O_JUNIT, O_SARIF, O_HTML, O_SHARD, O_SCENARIOS, O_EARLY,
    O_NO_EARLY, O_KEEP, O_QUIET, O_SOURCE, O_BUILD, O_HELP, O_CHAOS, O_STRICT,
    O_MAX_RUNS, O_EXACT_RUNS, O_MATCH_DEPTH
};

static const char *flavor_of(int tool)
{
    return tool == TOOL_TSAN ? "tsan" : tool == TOOL_NONE ? "release" : "valgrind";
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

/* Splits LIST and checks each item against NAMES; false on an unknown. */
static bool pick_names(const char *flag, const char *list, const char *const *names,
                       int count, bool *chosen)
{
    struct strvec v;
    bool ok = true;

    sv_init(&v);
    sv_split(&v, list, false);
    for (int i = 0; i < count; i++)
        chosen[i] = false;
    if (v.n == 0) {
        errorf("%s: empty list", flag);
        ok = false;
    }
    for (size_t i = 0; i < v.n && ok; i++) {
        int k = -1;
        for (int j = 0; j < count; j++)
            if (strcmp(v.v[i], names[j]) == 0)
                k = j;
        if (k < 0) {
            struct strbuf sb;
            sb_init(&sb);
            for (int j = 0; j < count; j++)
                sb_printf(&sb, "%s%s", j ? ", " : "", names[j]);
            errorf("%s: unknown %s '%s' (known: %s)", flag,
                   strstr(flag, "tool") ? "tool" : "variant", v.v[i], sb.buf);
            sb_free(&sb);
            ok = false;
        } else
            chosen[k] = true;
    }
    sv_free(&v);
    return ok;
}

/* Everything `run` and `matrix` juggle between their phases. */
struct runcmd {
    bool matrix;
    const char *sub;            /* "run" or "matrix" */
    struct paths *paths;
    /* options */
    bool variants[VARIANT_COUNT], tools[TOOL_COUNT], tool_flag;
    long runs, clients, jobs, shard_i, shard_n, max_runs, match_depth, base_runs;
    bool exact_runs, seed_set, early, early_flag, no_early_flag, keep, quiet;
    bool scen_flag, strict;
    double duration, timeout;
    unsigned long seed;
    const char *chaos;
    struct outputs out;
    struct gate_opts gate;
    struct strvec wanted;
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
    static const struct option opts[] = {
        {"variant", required_argument, 0, O_VARIANT},
        {"variants", required_argument, 0, O_VARIANT},
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
        {"shard", required_argument, 0, O_SHARD},
        {"scenarios", required_argument, 0, O_SCENARIOS},
        {"early-stop", no_argument, 0, O_EARLY},
        {"no-early-stop", no_argument, 0, O_NO_EARLY},
        {"keep-tmp", no_argument, 0, O_KEEP},
        {"quiet", no_argument, 0, O_QUIET},
        {"chaos", required_argument, 0, O_CHAOS},
        {"strict", no_argument, 0, O_STRICT},
        {"max-runs", required_argument, 0, O_MAX_RUNS},
        {"exact-runs", no_argument, 0, O_EXACT_RUNS},
        {"match-depth", required_argument, 0, O_MATCH_DEPTH},
        {"source-dir", required_argument, 0, O_SOURCE},
        {"build-dir", required_argument, 0, O_BUILD},
        {"help", no_argument, 0, O_HELP},
        GATE_LONG_OPTIONS,
        {0, 0, 0, 0}};
    int o;

    gate_init(&R->gate);
    sv_init(&R->wanted);
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case O_VARIANT:
            if (!pick_names("--variant", optarg, variant_names, VARIANT_COUNT, R->variants))
                return -1;
            break;
        case O_TOOL:
            if (!pick_names("--tool", optarg, tool_names, TOOL_COUNT, R->tools))
                return -1;
            R->tool_flag = true;
            break;
        case O_RUNS:
            if (!opt_long("--runs", optarg, 1, 100000, &R->runs)) return -1;
            break;
        case O_CLIENTS:
            if (!opt_long("--clients", optarg, 1, 1024, &R->clients)) return -1;
            break;
        case O_DURATION:
            if (!opt_seconds("--duration", optarg, &R->duration)) return -1;
            break;
        case O_TIMEOUT:
            if (!opt_seconds("--timeout", optarg, &R->timeout)) return -1;
            break;
        case O_JOBS:
            if (!opt_long("--jobs", optarg, 1, 256, &R->jobs)) return -1;
            break;
        case O_SEED: {
            long v;
            if (!opt_long("--seed", optarg, 0, 0x7fffffffL, &v)) return -1;
            R->seed = (unsigned long)v;
            R->seed_set = true;
            break;
        }
        case O_STRICT: R->strict = true; break;
        case O_EXACT_RUNS: R->exact_runs = true; break;
        case O_MAX_RUNS:
            if (!opt_long("--max-runs", optarg, 1, 100000, &R->max_runs)) return -1;
            break;
        case O_MATCH_DEPTH:
            if (!opt_long("--match-depth", optarg, 1, 64, &R->match_depth)) return -1;
            break;
        case O_JSON: R->out.json = optarg; break;
        case O_JUNIT: R->out.junit = optarg; break;
        case O_SARIF: R->out.sarif = optarg; break;
        case O_HTML: R->out.html = optarg; break;
        case O_SHARD:
            if (!R->matrix) {
                errorf("run: --shard is a matrix option");
                return -1;
            }
            if (sscanf(optarg, "%ld/%ld", &R->shard_i, &R->shard_n) != 2 || R->shard_n < 1 ||
                R->shard_i < 1 || R->shard_i > R->shard_n) {
                errorf("--shard: expected I/N with 1 <= I <= N, got '%s'", optarg);
                return -1;
            }
            break;
        case O_SCENARIOS:
            sv_split(&R->wanted, optarg, false);
            R->scen_flag = true;
            break;
        case O_EARLY: R->early = true; R->early_flag = true; break;
        case O_NO_EARLY: R->early = false; R->no_early_flag = true; break;
        case O_KEEP: R->keep = true; break;
        case O_QUIET: R->quiet = true; break;
        case O_CHAOS:
            if (!chaos_spec_ok(optarg)) return -1;
            R->chaos = optarg;
            break;
        case O_SOURCE: R->paths->source = optarg; break;
        case O_BUILD: R->paths->build_root = optarg; break;
        case O_HELP:
            fputs(R->matrix ? matrix_usage : run_usage, stdout);
            R->status = EXIT_OK;
            return -1;
        case ':':
            errorf("%s: option %s needs a value", R->sub, argv[optind - 1]);
            return -1;
        default: {
            int g = gate_option(&R->gate, o, optarg);
            if (g > 0)
                break;
            if (g == 0)
                errorf("%s: unknown option '%s' (see racelab %s --help)", R->sub,
                       argv[optind - 1], R->sub);
            return -1;
        }
        }
    }
    return run_check_args(R, argc, argv);
}

/* The arguments after the options: scenario names for run (hunt case IDs
 * resolved), none for matrix; flags that exclude each other. */
static int run_check_args(struct runcmd *R, int argc, char **argv)
{
    if (R->early_flag && R->no_early_flag) {
        errorf("%s: conflicting flags --early-stop and --no-early-stop", R->sub);
        return -1;
    }
    if (R->matrix && optind < argc) {
        errorf("matrix: unexpected argument '%s' (use --scenarios LIST)", argv[optind]);
        return -1;
    }
    if (!R->matrix) {
        if (R->scen_flag) {
            errorf("run: name scenarios as arguments, not with --scenarios");
            return -1;
        }
        if (optind >= argc) {
            errorf("run: which scenario? (racelab list shows them)");
            return -1;
        }
        for (int i = optind; i < argc; i++)
            sv_push(&R->wanted, hunt_resolve_keyed(argv[i], R->paths)); /* a case ID: the teacher's */
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
    for (size_t i = 0; i < R->wanted.n; i++) {
        bool found = false;
        for (int k = 0; k < R->nall; k++)
            found |= strcmp(R->all[k].name, R->wanted.v[i]) == 0;
        if (!found) {
            struct strbuf sb;
            sb_init(&sb);
            for (int k = 0; k < R->nall; k++)
                sb_printf(&sb, "%s%s", k ? ", " : "", R->all[k].name);
            errorf("unknown scenario '%s' (known: %s)", R->wanted.v[i],
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
    if (!R->tool_flag)
        gate_default_tools(R->paths, R->tools);   /* the tools whose builds exist */
    /* Cells, in a stable order: scenario, variant, tool. */
    {
        char *root = R->paths->build_root ? xstrdup(R->paths->build_root)
                                       : xasprintf("%s/build", R->paths->source);
        size_t index = 0;
        bool missing_flavor[TOOL_COUNT] = {0};
        int missing = 0;
        R->cells = xcalloc((size_t)R->nall * VARIANT_COUNT * TOOL_COUNT + 1, sizeof *R->cells);
        for (int k = 0; k < R->nall; k++) {
            if (R->wanted.n && !sv_contains(&R->wanted, R->all[k].name))
                continue;
            for (int v = 0; v < VARIANT_COUNT; v++) {
                if (!R->variants[v])
                    continue;
                for (int t = 0; t < TOOL_COUNT; t++) {
                    if (!R->tools[t])
                        continue;
                    if ((long)(index++ % (size_t)R->shard_n) != R->shard_i - 1)
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
                    bool same_chaos = R->chaos == NULL ||
                        (e->chaos && strcmp(R->chaos, e->chaos) == 0);
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
            progress_note("%s: shard %ld/%ld has no cells", R->sub, R->shard_i, R->shard_n);
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

    if ((R->tools[TOOL_HELGRIND] || R->tools[TOOL_DRD])) {
        char *vg = which("valgrind");
        if (!vg) {
            errorf("valgrind is not installed (needed for --tool helgrind/drd): "
                   "apt-get install valgrind");
            R->status = EXIT_ENV;
            return -1;
        }
        free(vg);
    }
    if (outputs_check(&R->out) < 0) {
        R->status = EXIT_ENV;
        return -1;
    }
    if ((R->status = gate_prepare(&R->gate)) != EXIT_OK)
        return -1;
    R->base_runs = R->runs;
    R->runs = gate_runs(&R->gate, R->runs);              /* --min-rate/--confidence */
    if (R->tools[TOOL_TSAN])
        check_tsan_aslr();
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
        if (!R->wanted.n || sv_contains(&R->wanted, R->all[k].name))
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
    if (!R->seed_set)
        R->seed = ((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16)) & 0x7fffffff;

    /* Jobs.  Every cell gets --runs runs.  A buggy cell that expects a
     * finding or a symptom may get extra runs, up to what its recorded
     * rate says decides it (and --max-runs), or --min-rate asks for: they
     * are queued after every regular run and skipped once the cell has
     * seen its bug, so a correct build ends conclusive, not inconclusive,
     * at little cost. */
    size_t *cell_runs = xcalloc(R->ncells + 1, sizeof *cell_runs), total = 0;
    for (size_t ci = 0; ci < R->ncells; ci++) {
        const struct cell_result *c = &R->cells[ci];
        size_t want = (size_t)R->runs;
        double rate = recorded_rate_floor(c->expect.rate);
        if (!R->exact_runs && strcmp(c->variant, "buggy") == 0 && rate > 0 &&
            !c->expect.false_positive && (c->expect.kinds || c->expect.symptom)) {
            size_t need = runs_to_decide(rate);
            if (need > (size_t)R->max_runs)
                need = (size_t)R->max_runs;
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
        double tmo = R->timeout > 0 ? R->timeout
                     : R->duration + (t == TOOL_HELGRIND || t == TOOL_DRD ? 180 : 60);
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
            sp->clients = (int)R->clients;
            sp->duration = R->duration;
            sp->timeout = tmo;
            sp->seed = R->seed + (unsigned long)r;
            /* Run 1 of a cell with base seed S has seed S, so this
             * repeats the load mix and the chaos decisions exactly; the
             * OS scheduler's part of the interleaving it cannot repeat. */
            /* the command line's --chaos, else the one the manifest
             * measured this cell's rate with */
            const char *chaos = R->chaos ? R->chaos : e->chaos;
            sp->repro = xasprintf("racelab run %s --variant %s --tool %s --runs 1 "
                                  "--seed %lu --duration %g%s%s", c->scenario,
                                  c->variant, c->tool, sp->seed, R->duration,
                                  chaos ? " --chaos " : "", chaos ? chaos : "");
            sp->chaos = chaos;          /* the servers link the wrappers */
            sp->suppressions = R->gate.suppressions;
            sp->symptom = s->symptom;
            sp->slow_ms = tool_slow_ms(t, s->slow_ms);
            sp->memory_growth_mb = s->memory_growth_mb > 0 ? s->memory_growth_mb : 64;
            sp->hang_seconds = tool_hang_seconds(t, s->hang_seconds);
            sp->locs = locs;
            sp->match_depth = (size_t)R->match_depth;
            sp->nlocs = nlocs;
            sp->expect_kinds = e->kinds;
            /* stopping early only makes sense where a finding is expected */
            sp->early_stop = R->early && e->kinds != 0 && !e->false_positive &&
                             nlocs > 0 && t != TOOL_NONE;
            sp->source = R->paths->source;
            sp->session = R->session;
            sp->docroot = R->docroot;
            sp->nfiles = R->nfiles;
            sp->index = (int)R->njobs;
            sp->keep_tmp = R->keep;
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
    progress_start(R->njobs, R->quiet);
    run_jobs(R->jobv, R->njobs, (int)R->jobs);
    progress_finish();
    if (proc_interrupted()) {
        errorf("interrupted: every process stopped, temp files removed");
        R->status = EXIT_INTERRUPTED;
        return -1;
    }

    for (size_t ci = 0; ci < R->ncells; ci++)
        cell_collect(&R->cells[ci], R->jobv, R->njobs, ci);
    R->cmd = command_line(argc, argv, R->sub);
    if (gate_finish(&R->gate, R->cells, R->ncells, R->cmd) != EXIT_OK) {
        R->status = EXIT_ENV;
        return -1;
    }
    print_table(stdout, R->cells, R->ncells);
    fflush(stdout);
    R->status = cells_exit_status(R->cells, R->ncells, R->strict);
    if (outputs_write(&R->out, R->cells, R->ncells, R->cmd) < 0)
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
        if (!R->keep && rm_rf(R->session) < 0)
            warnf("rm -rf %s: failed", R->session);
        else if (R->keep)
            progress_note("kept %s", R->session);
        free(R->session);
    }
    if (R->all)
        scenarios_free(R->all, (size_t)R->nall);
    sv_free(&R->wanted);
    free(R->cmd);
    gate_free(&R->gate);
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
    for (int v = 0; v < VARIANT_COUNT; v++)
        R.variants[v] = true;
    for (int t = 0; t < TOOL_COUNT; t++)
        R.tools[t] = true;
    R.runs = 3;
    R.clients = 8;
    R.jobs = default_jobs();
    R.shard_i = R.shard_n = 1;
    R.max_runs = 24;
    R.duration = matrix ? 1.0 : 3.0;
    R.early = matrix;
    R.status = EXIT_USAGE;
    if (run_parse(&R, argc, argv) == 0 && run_load_scenarios(&R) == 0 &&
        run_select_cells(&R) == 0 && run_prepare(&R) == 0 &&
        run_plan(&R) == 0)
        run_execute(&R, argc, argv);
    status = R.status;
    run_free(&R);
    return status;
}
