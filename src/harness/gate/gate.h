/* gate.h - the CI-gate options that run, matrix, stress and merge share:
 * --baseline, --write-baseline, --suppressions, --source-root, --shard,
 * --min-rate/--confidence.  They are read by the one option table
 * (cli/options.h) into struct gate_opts; the commands call gate_prepare()
 * before any run and gate_finish() on the summarized cells. */
#ifndef RACELAB_GATE_H
#define RACELAB_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include "report/result.h"
#include "cli.h"
#include "manifest.h"
#include "runner.h"

struct gate_opts {
    const char *baseline, *write_baseline, *suppressions, *source_root;
    const char *baseline_match;     /* "object" (NULL) or "exact" */
    long shard_i, shard_n;          /* --shard I/N (matrix, stress); 1/1 */
    double min_rate, confidence;
    struct cell_result *base;       /* the baseline's cells */
    size_t nbase;
};

void gate_init(struct gate_opts *g);
void gate_free(struct gate_opts *g);
/* Checks the options and loads the baseline: EXIT_OK, or EXIT_USAGE /
 * EXIT_ENV with the error printed. */
int gate_prepare(struct gate_opts *g);
/* Runs per cell: RUNS, or with --min-rate/--confidence the larger of RUNS
 * and the runs the confidence needs. */
long gate_runs(const struct gate_opts *g, long runs);
/* Global run number (0-based) of the K-th run of this shard, and how many
 * runs of RUNS this shard makes. */
long gate_shard_run(const struct gate_opts *g, long k);
long gate_shard_count(const struct gate_opts *g, long runs);
/* Everything that changed a stress run, for the "repeat with:" line. */
struct stress_repro {
    const char *tool;
    unsigned long seed;
    const struct strvec *http;
    const char *load_cmd, *chaos, *suppressions;
    long clients, expect_exit;      /* shown when not 8 / 0 */
    double duration, timeout, hang_window;  /* shown when > 0 and not the
                                               defaults 120 / 0 */
    char **prog;
    int nprog;
};
/* The command that repeats one stress run: same tool, seed, load, chaos,
 * suppressions, timing options, --fingerprint-depth, and the detector's
 * environment (TSAN_OPTIONS for tsan, VALGRIND_OPTS for helgrind/drd) as
 * a prefix when set. */
char *gate_stress_repro(const struct stress_repro *r);
/* The options every repeat line shares: " --suppressions F" and
 * " --fingerprint-depth N" when not 1, appended to SB. */
void gate_repro_common(struct strbuf *sb, const char *suppressions);
/* The environment prefix ("TSAN_OPTIONS='..' ") for TOOL, appended. */
void gate_repro_env(struct strbuf *sb, const char *tool);
/* run/matrix without --tool: keeps the detectors that are on by default
 * (detector.h: by_default) and drops those whose build flavor
 * (BUILD/tsan, BUILD/valgrind, BUILD/release) has no racelab-server, or
 * whose tool is not installed, and says once which it skipped.  When
 * nothing would remain, keeps every default detector (the usual "build
 * missing" error follows). */
void gate_default_tools(const struct paths *p, bool tools[TOOL_COUNT]);
/* On judged cells: sets the judge's gate inputs (the baseline comparison,
 * --min-rate/--confidence, --suppressions) and judges them again
 * (cell_apply_baseline, cell_judge); then
 * --write-baseline.  EXIT_OK, or EXIT_ENV if the baseline could not be
 * written. */
int gate_finish(struct gate_opts *g, struct cell_result *cells, size_t n,
                const char *command);

#endif
