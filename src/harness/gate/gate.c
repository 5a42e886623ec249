/* gate.c - the CI-gate options shared by run, matrix and stress (see
 * gate.h); the comparison itself lives in the report library
 * (report/baseline.c, report/merge.c), the verdict in cell_judge(). */
#include "gate.h"
#include "cli.h"
#include "proc.h"
#include "progress.h"
#include "report/finding.h"
#include "report/baseline_file.h"

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
    bool old = false;

    if ((g->min_rate > 0) != (g->confidence > 0)) {
        errorf("--min-rate and --confidence go together (e.g. --min-rate 0.2 "
               "--confidence 0.95)");
        return EXIT_USAGE;
    }
    if (g->baseline_match && strcmp(g->baseline_match, "object") != 0 &&
        strcmp(g->baseline_match, "exact") != 0) {
        errorf("--baseline-match %s: expected exact or object",
               g->baseline_match);
        return EXIT_USAGE;
    }
    baseline_set_match(g->baseline_match && !strcmp(g->baseline_match, "exact")
                       ? BASELINE_MATCH_EXACT : BASELINE_MATCH_OBJECT);
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
    write_sarif_set_source_root(g->source_root);
    if (g->baseline &&
        baseline_file_read(g->baseline, &g->base, &g->nbase, &old, err,
                           sizeof err) < 0) {
        errorf("--baseline: %s", err);
        return EXIT_ENV;
    }
    if (g->baseline && old)
        progress_note("--baseline %s is a whole results file (the old format): "
                      "its findings are read as the baseline; make it "
                      "reviewable with racelab baseline update --output %s %s",
                      g->baseline, g->baseline, g->baseline);
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
    (void)command;      /* a baseline carries no run data */
    if (g->write_baseline &&
        baseline_file_write(g->write_baseline, cells, n, NULL, g->source_root,
                            NULL, err, sizeof err) < 0) {
        errorf("--write-baseline %s: %s", g->write_baseline, err);
        return EXIT_ENV;
    }
    return EXIT_OK;
}

/* Appends ARG as one shell word, after a space unless BARE. */
static void sb_word(struct strbuf *sb, const char *arg, bool bare)
{
    if (strpbrk(arg, " \t'\"$\\{}*?;&|<>()") == NULL && *arg) {
        sb_printf(sb, "%s%s", bare ? "" : " ", arg);
        return;
    }
    sb_printf(sb, "%s'", bare ? "" : " ");
    for (; *arg; arg++)
        sb_printf(sb, *arg == '\'' ? "'\\''" : "%c", *arg);
    sb_printf(sb, "'");
}

void gate_repro_common(struct strbuf *sb, const char *suppressions)
{
    if (suppressions) {
        sb_printf(sb, " --suppressions");
        sb_word(sb, suppressions, false);
    }
    if (finding_get_fingerprint_depth() != 1)
        sb_printf(sb, " --fingerprint-depth %d", finding_get_fingerprint_depth());
}

void gate_repro_env(struct strbuf *sb, const char *tool)
{
    const char *name = strcmp(tool, "tsan") == 0 ? "TSAN_OPTIONS"
                     : strcmp(tool, "none") == 0 ? NULL : "VALGRIND_OPTS";
    const char *v = name ? getenv(name) : NULL;

    if (!v || !*v)
        return;
    sb_printf(sb, "%s=", name);
    sb_word(sb, v, true);
    sb_printf(sb, " ");
}

char *gate_stress_repro(const struct stress_repro *r)
{
    struct strbuf sb;

    sb_init(&sb);
    gate_repro_env(&sb, r->tool);
    sb_printf(&sb, "racelab stress --tool %s --runs 1 --seed %lu", r->tool,
              r->seed);
    for (size_t i = 0; r->http && i < r->http->n; i++) {
        sb_printf(&sb, " --http");
        sb_word(&sb, r->http->v[i], false);
    }
    if (r->load_cmd) {
        sb_printf(&sb, " --load");
        sb_word(&sb, r->load_cmd, false);
    }
    if (r->clients > 0 && r->clients != 8 && !r->load_cmd)
        sb_printf(&sb, " --clients %ld", r->clients);
    if (r->duration > 0)
        sb_printf(&sb, " --duration %g", r->duration);
    if (r->timeout > 0 && r->timeout != 120)
        sb_printf(&sb, " --timeout %g", r->timeout);
    if (r->hang_window > 0)
        sb_printf(&sb, " --hang-window %g", r->hang_window);
    if (r->expect_exit)
        sb_printf(&sb, " --expect-exit %ld", r->expect_exit);
    if (r->chaos) {
        sb_printf(&sb, " --chaos");
        sb_word(&sb, r->chaos, false);
    }
    gate_repro_common(&sb, r->suppressions);
    sb_printf(&sb, " --");
    for (int i = 0; i < r->nprog; i++)
        sb_word(&sb, r->prog[i], false);
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
