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

int cmd_run(int argc, char **argv, struct paths *paths, bool matrix)
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
    const char *sub = matrix ? "matrix" : "run";
    bool variants[VARIANT_COUNT] = {true, true}, tools[TOOL_COUNT] = {true, true,
                                                                     true, true};
    long runs = 3, clients = 8, jobs = default_jobs(), shard_i = 1, shard_n = 1;
    long max_runs = 24, match_depth = 0, base_runs;
    bool exact_runs = false;
    struct location **cell_locs = NULL;
    double duration = matrix ? 1.0 : 3.0, timeout = 0;
    unsigned long seed = 0;
    bool seed_set = false, early = matrix, early_flag = false, no_early_flag = false;
    bool keep = false, quiet = false, scen_flag = false, strict = false;
    const char *chaos = NULL;
    struct outputs out = {0};
    struct strvec wanted;
    struct scenario *all = NULL;
    int nall = 0, status = EXIT_USAGE, o;
    char err[512];
    char *session = NULL;
    struct cell_result *cells = NULL;
    size_t ncells = 0;
    struct job *jobv = NULL;
    size_t njobs = 0;
    size_t *cell_first = NULL;
    char *cmd = NULL;
    struct gate_opts gate;
    bool tool_flag = false;

    gate_init(&gate);
    sv_init(&wanted);
    optind = 1;
    opterr = 0;
    while ((o = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (o) {
        case O_VARIANT:
            if (!pick_names("--variant", optarg, variant_names, VARIANT_COUNT, variants))
                goto out;
            break;
        case O_TOOL:
            if (!pick_names("--tool", optarg, tool_names, TOOL_COUNT, tools))
                goto out;
            tool_flag = true;
            break;
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
        case O_STRICT: strict = true; break;
        case O_EXACT_RUNS: exact_runs = true; break;
        case O_MAX_RUNS:
            if (!opt_long("--max-runs", optarg, 1, 100000, &max_runs)) goto out;
            break;
        case O_MATCH_DEPTH:
            if (!opt_long("--match-depth", optarg, 1, 64, &match_depth)) goto out;
            break;
        case O_JSON: out.json = optarg; break;
        case O_JUNIT: out.junit = optarg; break;
        case O_SARIF: out.sarif = optarg; break;
        case O_HTML: out.html = optarg; break;
        case O_SHARD:
            if (!matrix) {
                errorf("run: --shard is a matrix option");
                goto out;
            }
            if (sscanf(optarg, "%ld/%ld", &shard_i, &shard_n) != 2 || shard_n < 1 ||
                shard_i < 1 || shard_i > shard_n) {
                errorf("--shard: expected I/N with 1 <= I <= N, got '%s'", optarg);
                goto out;
            }
            break;
        case O_SCENARIOS:
            sv_split(&wanted, optarg, false);
            scen_flag = true;
            break;
        case O_EARLY: early = true; early_flag = true; break;
        case O_NO_EARLY: early = false; no_early_flag = true; break;
        case O_KEEP: keep = true; break;
        case O_QUIET: quiet = true; break;
        case O_CHAOS:
            if (!chaos_spec_ok(optarg)) goto out;
            chaos = optarg;
            break;
        case O_SOURCE: paths->source = optarg; break;
        case O_BUILD: paths->build_root = optarg; break;
        case O_HELP:
            fputs(matrix ? matrix_usage : run_usage, stdout);
            status = EXIT_OK;
            goto out;
        case ':':
            errorf("%s: option %s needs a value", sub, argv[optind - 1]);
            goto out;
        default: {
            int g = gate_option(&gate, o, optarg);
            if (g > 0)
                break;
            if (g == 0)
                errorf("%s: unknown option '%s' (see racelab %s --help)", sub,
                       argv[optind - 1], sub);
            goto out;
        }
        }
    }
    if (early_flag && no_early_flag) {
        errorf("%s: conflicting flags --early-stop and --no-early-stop", sub);
        goto out;
    }
    if (matrix && optind < argc) {
        errorf("matrix: unexpected argument '%s' (use --scenarios LIST)", argv[optind]);
        goto out;
    }
    if (!matrix) {
        if (scen_flag) {
            errorf("run: name scenarios as arguments, not with --scenarios");
            goto out;
        }
        if (optind >= argc) {
            errorf("run: which scenario? (racelab list shows them)");
            goto out;
        }
        for (int i = optind; i < argc; i++)
            sv_push(&wanted, hunt_resolve(argv[i], paths));   /* a hunt case ID */
    }

    /* Scenarios: a broken manifest is an environment error of the tree. */
    nall = scenarios_load_all(paths->source, &all, err, sizeof err);
    if (nall < 0) {
        errorf("%s", err);
        status = EXIT_ENV;
        goto out;
    }
    for (size_t i = 0; i < wanted.n; i++) {
        bool found = false;
        for (int k = 0; k < nall; k++)
            found |= strcmp(all[k].name, wanted.v[i]) == 0;
        if (!found) {
            struct strbuf sb;
            sb_init(&sb);
            for (int k = 0; k < nall; k++)
                sb_printf(&sb, "%s%s", k ? ", " : "", all[k].name);
            errorf("unknown scenario '%s' (known: %s)", wanted.v[i],
                   nall ? sb.buf : "none yet");
            sb_free(&sb);
            goto out;
        }
    }

    if (!tool_flag)
        gate_default_tools(paths, tools);   /* the tools whose builds exist */
    /* Cells, in a stable order: scenario, variant, tool. */
    {
        char *root = paths->build_root ? xstrdup(paths->build_root)
                                       : xasprintf("%s/build", paths->source);
        size_t index = 0;
        bool missing_flavor[TOOL_COUNT] = {0};
        int missing = 0;
        cells = xcalloc((size_t)nall * VARIANT_COUNT * TOOL_COUNT + 1, sizeof *cells);
        for (int k = 0; k < nall; k++) {
            if (wanted.n && !sv_contains(&wanted, all[k].name))
                continue;
            for (int v = 0; v < VARIANT_COUNT; v++) {
                if (!variants[v])
                    continue;
                for (int t = 0; t < TOOL_COUNT; t++) {
                    if (!tools[t])
                        continue;
                    if ((long)(index++ % (size_t)shard_n) != shard_i - 1)
                        continue;
                    struct cell_result *c = &cells[ncells++];
                    const struct expect_spec *e = &all[k].expect[v][t];
                    c->scenario = xstrdup(all[k].name);
                    c->variant = xstrdup(variant_names[v]);
                    c->tool = xstrdup(tool_names[t]);
                    c->executable = xasprintf("%s/%s/racelab-server-%s-%s", root,
                                              flavor_of(t), all[k].name,
                                              variant_names[v]);
                    c->module = all[k].module ? xstrdup(all[k].module) : NULL;
                    c->bug_class = all[k].bug_class ? xstrdup(all[k].bug_class) : NULL;
                    c->expect.known = e->present;
                    c->expect.kinds = e->kinds;
                    c->expect.false_positive = e->false_positive;
                    c->expect.symptom = e->symptom == 1;
                    c->expect.rate = e->rate ? xstrdup(e->rate) : NULL;
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
                if (paths->build_root)
                    errorf("build it with: cmake -S %s -B %s/%s --preset %s && "
                           "cmake --build %s/%s", paths->source, root, f, f, root, f);
                else
                    errorf("build it with: cd %s && cmake --preset %s && "
                           "cmake --build --preset %s", paths->source, f, f);
            }
            free(root);
            status = EXIT_ENV;
            goto out;
        }
        free(root);
    }
    if (ncells == 0) {
        if (nall == 0)
            errorf("%s: no scenarios under %s/scenarios", sub, paths->source);
        else
            progress_note("%s: shard %ld/%ld has no cells", sub, shard_i, shard_n);
        status = nall == 0 ? EXIT_ENV : EXIT_OK;
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
    }
    if (outputs_check(&out) < 0) {
        status = EXIT_ENV;
        goto out;
    }
    if ((status = gate_prepare(&gate)) != EXIT_OK)
        goto out;
    base_runs = runs;
    runs = gate_runs(&gate, runs);              /* --min-rate/--confidence */
    if (tools[TOOL_TSAN])
        check_tsan_aslr();
    {
        char *gdb = which("gdb");
        if (!gdb)
            warnf("gdb is not installed: hangs will be reported without stacks");
        free(gdb);
    }

    /* The session: one temp dir with a shared read-only docroot. */
    session = session_create();
    if (!session) {
        status = EXIT_ENV;
        goto out;
    }
    long cache_mb = 1;
    for (int k = 0; k < nall; k++)
        if (!wanted.n || sv_contains(&wanted, all[k].name))
            if (cache_mb_of(all[k].args) > cache_mb)
                cache_mb = cache_mb_of(all[k].args);
    unsigned nfiles = docroot_files_for_cache(cache_mb);
    char *docroot = xasprintf("%s/docroot", session);
    if (docroot_create(docroot, nfiles, err, sizeof err) < 0) {
        errorf("docroot: %s", err);
        free(docroot);
        status = EXIT_ENV;
        goto out;
    }
    if (!seed_set)
        seed = ((unsigned long)time(NULL) ^ ((unsigned long)getpid() << 16)) & 0x7fffffff;

    /* Jobs.  Every cell gets --runs runs.  A buggy cell that expects a
     * finding or a symptom may get extra runs, up to what its recorded
     * rate says decides it (and --max-runs), or --min-rate asks for: they
     * are queued after every regular run and skipped once the cell has
     * seen its bug, so a correct build ends conclusive, not inconclusive,
     * at little cost. */
    size_t *cell_runs = xcalloc(ncells + 1, sizeof *cell_runs), total = 0;
    for (size_t ci = 0; ci < ncells; ci++) {
        const struct cell_result *c = &cells[ci];
        size_t want = (size_t)runs;
        double rate = -1;
        unsigned long k, m;
        char tail;

        if (c->expect.rate && sscanf(c->expect.rate, "%lu/%lu%c", &k, &m, &tail) == 2
            && m > 0 && k <= m)
            rate = (double)k / (double)m;
        if (!exact_runs && strcmp(c->variant, "buggy") == 0 && rate > 0 &&
            !c->expect.false_positive && (c->expect.kinds || c->expect.symptom)) {
            size_t need = runs_to_decide(rate);
            if (need > (size_t)max_runs)
                need = (size_t)max_runs;
            if (need > want)
                want = need;
        }
        cell_runs[ci] = want;
        total += want;
    }
    jobv = xcalloc(total + 1, sizeof *jobv);
    cell_first = xcalloc(ncells + 1, sizeof *cell_first);
    cell_locs = xcalloc(ncells + 1, sizeof *cell_locs);
    for (size_t ci = 0; ci < ncells; ci++) {
        struct cell_result *c = &cells[ci];
        const struct scenario *s = NULL;
        for (int k = 0; k < nall; k++)
            if (strcmp(all[k].name, c->scenario) == 0)
                s = &all[k];
        int t = tool_from_name(c->tool), v = variant_from_name(c->variant);
        const struct expect_spec *e = &s->expect[v][t];
        size_t nlocs;
        struct location *locs = expect_locations(s, e, &nlocs);
        double tmo = timeout > 0 ? timeout
                     : duration + (t == TOOL_HELGRIND || t == TOOL_DRD ? 180 : 60);
        cell_first[ci] = njobs;
        cell_locs[ci] = locs;           /* shared by the cell's runs */
        for (long r = 0; r < (long)cell_runs[ci]; r++) {
            struct job *j = &jobv[njobs++];
            j->cell = ci;
            j->extra = r >= base_runs;
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
            sp->clients = (int)clients;
            sp->duration = duration;
            sp->timeout = tmo;
            sp->seed = seed + (unsigned long)r;
            /* Run 1 of a cell with base seed S has seed S, so this
             * repeats the load mix and the chaos decisions exactly; the
             * OS scheduler's part of the interleaving it cannot repeat. */
            sp->repro = xasprintf("racelab run %s --variant %s --tool %s --runs 1 "
                                  "--seed %lu --duration %g%s%s", c->scenario,
                                  c->variant, c->tool, sp->seed, duration,
                                  chaos ? " --chaos " : "", chaos ? chaos : "");
            sp->chaos = chaos;      /* the servers link the wrappers */
            sp->suppressions = gate.suppressions;
            sp->symptom = s->symptom;
            sp->slow_ms = tool_slow_ms(t, s->slow_ms);
            sp->memory_growth_mb = s->memory_growth_mb > 0 ? s->memory_growth_mb : 64;
            sp->hang_seconds = tool_hang_seconds(t, s->hang_seconds);
            sp->locs = locs;
            sp->match_depth = (size_t)match_depth;
            sp->nlocs = nlocs;
            sp->expect_kinds = e->kinds;
            /* stopping early only makes sense where a finding is expected */
            sp->early_stop = early && e->kinds != 0 && !e->false_positive &&
                             nlocs > 0 && t != TOOL_NONE;
            sp->source = paths->source;
            sp->session = session;
            sp->docroot = docroot;
            sp->nfiles = nfiles;
            sp->index = (int)njobs;
            sp->keep_tmp = keep;
        }
    }

    free(cell_runs);
    /* regular runs first, extra ones after them all (stable) */
    {
        struct job *sorted = xcalloc(njobs + 1, sizeof *sorted);
        size_t n = 0;
        for (int pass = 0; pass < 2; pass++)
            for (size_t i = 0; i < njobs; i++)
                if (jobv[i].extra == (pass == 1))
                    sorted[n++] = jobv[i];
        free(jobv);
        jobv = sorted;
    }
    progress_start(njobs, quiet);
    run_jobs(jobv, njobs, (int)jobs);
    progress_finish();
    if (proc_interrupted()) {
        errorf("interrupted: every process stopped, temp files removed");
        status = EXIT_INTERRUPTED;
        free(docroot);
        goto out;
    }

    for (size_t ci = 0; ci < ncells; ci++)
        cell_collect(&cells[ci], jobv, njobs, ci);
    cmd = command_line(argc, argv, sub);
    if (gate_finish(&gate, cells, ncells, cmd) != EXIT_OK) {
        status = EXIT_ENV;
        free(docroot);
        goto out;
    }
    print_table(stdout, cells, ncells);
    fflush(stdout);
    status = gate_status(cells, ncells, strict);
    if (outputs_write(&out, cells, ncells, cmd) < 0)
        status = EXIT_ENV;
    free(docroot);

out:
    if (jobv) {
        for (size_t i = 0; i < njobs; i++) {
            struct run_spec *sp = &jobv[i].spec;
            free((char *)sp->label);
            free((char *)sp->repro);
            sv_free(&sp->argv);
            sv_free(&sp->http_paths);
            run_output_free(&jobv[i].out);
        }
    }
    for (size_t ci = 0; cell_locs && ci < ncells; ci++)
        free(cell_locs[ci]);
    free(cell_locs);
    free(jobv);
    free(cell_first);
    for (size_t i = 0; i < ncells; i++)
        cell_result_free(&cells[i]);
    free(cells);
    if (session) {
        if (!keep && rm_rf(session) < 0)
            warnf("rm -rf %s: failed", session);
        else if (keep)
            progress_note("kept %s", session);
        free(session);
    }
    if (all)
        scenarios_free(all, (size_t)nall);
    sv_free(&wanted);
    free(cmd);
    gate_free(&gate);
    return status;
}
