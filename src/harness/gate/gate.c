/* gate.c - the CI-gate options shared by run, matrix and stress (see
 * gate.h); the comparison itself lives in the report library
 * (report/baseline.c, report/merge.c), the verdict in cell_judge(). */
#include "gate.h"
#include "cli.h"
#include "proc.h"
#include "progress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void gate_init(struct gate_opts *g)
{
    memset(g, 0, sizeof *g);
    g->shard_i = g->shard_n = 1;
}

void gate_free(struct gate_opts *g)
{
    for (size_t i = 0; i < g->nbase; i++)
        cell_result_free(&g->base[i]);
    free(g->base);
    gate_init(g);
}

int gate_prepare(struct gate_opts *g)
{
    char err[512];
    struct outputs o = {0};

    if ((g->min_rate > 0) != (g->confidence > 0)) {
        errorf("--min-rate and --confidence go together (e.g. --min-rate 0.2 "
               "--confidence 0.95)");
        return EXIT_USAGE;
    }
    if (g->suppressions && access(g->suppressions, R_OK) != 0) {
        errorf("--suppressions %s: %s", g->suppressions, strerror(errno));
        return EXIT_ENV;
    }
    if (g->source_root && access(g->source_root, X_OK) != 0) {
        errorf("--source-root %s: %s", g->source_root, strerror(errno));
        return EXIT_ENV;
    }
    o.json = g->write_baseline;
    if (outputs_check(&o) < 0)
        return EXIT_ENV;
    if (g->baseline &&
        read_json(g->baseline, &g->base, &g->nbase, err, sizeof err) < 0) {
        errorf("--baseline: %s", err);
        return EXIT_ENV;
    }
    write_sarif_set_source_root(g->source_root);
    return EXIT_OK;
}

long gate_runs(const struct gate_opts *g, long runs)
{
    long need = (long)runs_for_confidence(g->min_rate, g->confidence);

    return need > runs ? need : runs;
}

long gate_shard_run(const struct gate_opts *g, long k)
{
    return g->shard_i - 1 + k * g->shard_n;
}

long gate_shard_count(const struct gate_opts *g, long runs)
{
    long n = 0;

    while (gate_shard_run(g, n) < runs)
        n++;
    return n;
}

int gate_finish(struct gate_opts *g, struct cell_result *cells, size_t n,
                const char *command)
{
    char err[512];

    for (size_t i = 0; i < n; i++) {
        /* the judge's inputs; then it judges again (cell_judge) */
        if (g->min_rate > 0) {
            cells[i].min_rate = g->min_rate;
            cells[i].confidence = g->confidence;
        }
        free(cells[i].suppressions);
        cells[i].suppressions = g->suppressions ? xstrdup(g->suppressions)
                                                : NULL;
        if (g->baseline)
            cell_apply_baseline(&cells[i], g->base, g->nbase);
        else
            cell_judge(&cells[i]);
    }
    if (g->write_baseline &&
        write_json(g->write_baseline, cells, n, command, err, sizeof err) < 0) {
        errorf("--write-baseline %s: %s", g->write_baseline, err);
        return EXIT_ENV;
    }
    return EXIT_OK;
}

static void sb_quoted(struct strbuf *sb, const char *arg)
{
    if (strpbrk(arg, " \t'\"$\\{}*?;&|<>()") == NULL && *arg) {
        sb_printf(sb, " %s", arg);
        return;
    }
    sb_printf(sb, " '");
    for (; *arg; arg++)
        sb_printf(sb, *arg == '\'' ? "'\\''" : "%c", *arg);
    sb_printf(sb, "'");
}

char *gate_stress_repro(const char *tool, unsigned long seed,
                        const struct strvec *http, const char *load_cmd,
                        double duration, const char *chaos, char **prog,
                        int nprog)
{
    struct strbuf sb;

    sb_init(&sb);
    sb_printf(&sb, "racelab stress --tool %s --runs 1 --seed %lu", tool, seed);
    for (size_t i = 0; i < http->n; i++)
        sb_printf(&sb, " --http %s", http->v[i]);
    if (load_cmd) {
        sb_printf(&sb, " --load");
        sb_quoted(&sb, load_cmd);
    }
    if (duration > 0)
        sb_printf(&sb, " --duration %g", duration);
    if (chaos)
        sb_printf(&sb, " --chaos %s", chaos);
    sb_printf(&sb, " --");
    for (int i = 0; i < nprog; i++)
        sb_quoted(&sb, prog[i]);
    return sb_steal(&sb);
}

void gate_default_tools(const struct paths *p, bool tools[TOOL_COUNT])
{
    bool keep[TOOL_COUNT];
    int kept = 0;
    struct strbuf skipped;

    sb_init(&skipped);
    for (int t = 0; t < TOOL_COUNT; t++) {
        const struct detector *d = detectors[t];
        char *exe = detector_executable(d, p->source, p->build_root, NULL, NULL);
        bool installed = detector_installed(d);

        /* a detector that is not on by default (asan) only runs when named */
        keep[t] = tools[t] && d->by_default && is_executable(exe) && installed;
        if (tools[t] && d->by_default && !keep[t])
            sb_printf(&skipped, "%s%s (%s%s%s)", skipped.len ? ", " : "",
                      tool_names[t], installed ? "no build/" : "",
                      installed ? d->flavor : d->requires,
                      installed ? "" : " not installed");
        kept += keep[t];
        free(exe);
    }
    for (int t = 0; t < TOOL_COUNT; t++)   /* none built: say what is missing */
        tools[t] = kept ? keep[t] : tools[t] && detectors[t]->by_default;
    if (kept) {
        if (skipped.len)
            progress_note("skipping tools whose build is missing: %s; build with "
                          "cmake --preset FLAVOR && cmake --build --preset FLAVOR, "
                          "or name tools with --tool", skipped.buf);
    }
    sb_free(&skipped);
}
