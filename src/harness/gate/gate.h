/* gate.h - the CI-gate options that run, matrix and stress share:
 * --baseline, --write-baseline, --suppressions, --source-root, --shard
 * (stress; matrix has its own), --min-rate/--confidence.  The commands
 * add GATE_LONG_OPTIONS to their option tables, hand unknown option codes
 * to gate_option(), call gate_prepare() before any run and gate_finish()
 * on the summarized cells. */
#ifndef RACELAB_GATE_H
#define RACELAB_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include "report/result.h"
#include "cli.h"
#include "manifest.h"
#include "runner.h"

enum {
    G_BASELINE = 1000, G_WRITE_BASELINE, G_SUPPRESSIONS, G_SOURCE_ROOT,
    G_SHARD, G_MIN_RATE, G_CONFIDENCE, G_FINGERPRINT_DEPTH
};

#define GATE_LONG_OPTIONS                                           \
    {"baseline", required_argument, 0, G_BASELINE},                 \
    {"write-baseline", required_argument, 0, G_WRITE_BASELINE},     \
    {"suppressions", required_argument, 0, G_SUPPRESSIONS},         \
    {"source-root", required_argument, 0, G_SOURCE_ROOT},           \
    {"min-rate", required_argument, 0, G_MIN_RATE},                 \
    {"confidence", required_argument, 0, G_CONFIDENCE},             \
    {"fingerprint-depth", required_argument, 0, G_FINGERPRINT_DEPTH}

#define GATE_USAGE \
"  --baseline FILE     a baseline (racelab baseline update, --write-baseline)\n" \
"                      or an earlier --json: its races are known and do not\n" \
"                      fail; new ones do; the ones gone are counted fixed\n" \
"  --write-baseline FILE   write this run's races as a baseline (one a line,\n" \
"                      paths relative to --source-root)\n" \
"  --suppressions FILE TSan suppressions (TSAN_OPTIONS suppressions=) or\n" \
"                      Valgrind ones (--suppressions=); suppressed reports\n" \
"                      are counted\n" \
"  --source-root DIR   SARIF paths relative to DIR (default $GITHUB_WORKSPACE,\n" \
"                      $CI_PROJECT_DIR, else the current directory)\n" \
"  --min-rate R --confidence C   run until a race of per-run rate >= R would\n" \
"                      have shown with probability C (ceil(ln(1-C)/ln(1-R))\n" \
"                      runs), stopping at the first finding\n" \
"  --fingerprint-depth N   a finding's identity: the innermost N program\n" \
"                      frames of each racing access (default 1: the racing\n" \
"                      functions, whatever called them)\n"

struct gate_opts {
    const char *baseline, *write_baseline, *suppressions, *source_root;
    long shard_i, shard_n;          /* stress --shard I/N; 1/1 */
    double min_rate, confidence;
    struct cell_result *base;       /* the baseline's cells */
    size_t nbase;
};

void gate_init(struct gate_opts *g);
void gate_free(struct gate_opts *g);
/* Handles option code O: 1 handled, 0 not a gate option, -1 usage error
 * (printed). */
int gate_option(struct gate_opts *g, int o, const char *arg);
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
/* run/matrix without --tool: drops the tools whose build flavor
 * (BUILD/tsan, BUILD/valgrind, BUILD/release) has no racelab-server, or
 * whose tool is not installed, and says once which it skipped.  Leaves
 * TOOLS alone when nothing would remain (the usual "build missing" error
 * follows). */
void gate_default_tools(const struct paths *p, bool tools[TOOL_COUNT]);
/* On summarized cells: the baseline comparison, the guarantee and notes
 * (cell_apply_baseline, cell_annotate), the SARIF source root; then
 * --write-baseline.  EXIT_OK, or EXIT_ENV if the baseline could not be
 * written. */
int gate_finish(struct gate_opts *g, struct cell_result *cells, size_t n,
                const char *command);

#endif
