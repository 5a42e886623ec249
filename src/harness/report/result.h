/* result.h - what racelab measured for one scenario x variant x tool cell
 * (or one `stress` target), and the writers that turn a set of cells into
 * JSON, JUnit XML, SARIF 2.1.0, HTML and the terminal table.
 *
 * The runner (src/harness/run/runner.c) fills the runs and findings; the
 * gate (baseline.c, merge) fills the judge's other inputs; cell_judge()
 * alone decides a cell's status and verdict text from all of them.
 */
#ifndef RACELAB_RESULT_H
#define RACELAB_RESULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "finding.h"
#include "match.h"

enum run_outcome {
    RUN_CLEAN,          /* exited after SIGTERM, no finding */
    RUN_FINDING,        /* at least one finding */
    RUN_HANG,           /* watchdog or timeout fired */
    RUN_CRASH,          /* died of a signal (see run_record.signal) */
    RUN_ENV_ERROR,      /* could not start, build missing, never listened... */
    RUN_TOOL_ERROR      /* the detector itself failed: Valgrind exited before
                           writing its XML, a TSan CHECK failure, a Valgrind
                           internal assertion.  run_record.reason quotes the
                           tool's own line.  The findings it reported
                           before it failed are parsed and count
                           (cell_judge, phase 3); with none the run tested
                           nothing, like env-error: exit 3. */
};
const char *run_outcome_name(enum run_outcome o);   /* "clean", ... */
/* True for the error outcomes (env-error, tool-error).  A tool-error run
 * may still hold findings that count (cell_result.tool_failed_runs). */
bool run_outcome_is_error(enum run_outcome o);

/* How a cell ended.  PASS and FAIL rest on evidence; INCONCLUSIVE means the
 * runs could not decide (a buggy cell that expects a finding or symptom
 * and saw none: cell_result.runs_needed says how many runs would decide);
 * ERROR means a run could not be made or the tool did not run (exit 3). */
enum cell_status { CELL_PASS, CELL_FAIL, CELL_INCONCLUSIVE, CELL_ERROR };
const char *cell_status_name(enum cell_status s);   /* "pass", "fail",
                                                       "inconclusive", "error" */

/* What a cell's status rests on, as cell_judge() found it (bits of
 * cell_result.grounds, in the JSON as "grounds": ["findings", ...]).  A
 * ground is recorded whenever it holds, not only the first the verdict
 * text names, so a reader can ask "did the detector see anything where
 * none may be?" without re-deriving it (racelab check does). */
enum cell_ground {
    GROUND_DETECTED = 1u << 0,      /* what the cell looks for was seen */
    GROUND_MISSED = 1u << 1,        /* expected, not seen (fail or
                                       inconclusive by the recorded rate) */
    GROUND_FINDINGS = 1u << 2,      /* findings where none may be */
    GROUND_HANG = 1u << 3,          /* hangs where none may be */
    GROUND_CRASH = 1u << 4,         /* crashes where none may be */
    GROUND_ORACLES = 1u << 5,       /* an oracle or symptom where none may */
    GROUND_ENV_ERROR = 1u << 6,     /* a run could not run */
    GROUND_TOOL_ERROR = 1u << 7,    /* the tool failed (before or after
                                       findings, see tool_failed_runs) */
    GROUND_BASELINE_NEW = 1u << 8,  /* --baseline: a new finding fails */
    GROUND_BASELINE_KNOWN = 1u << 9,/* --baseline: only known findings */
    GROUND_PARTIAL = 1u << 10,      /* merge: shards missing */
};
#define CELL_GROUND_COUNT 11
/* "detected", "missed", "findings", "hang", "crash", "oracles",
 * "env-error", "tool-error", "baseline-new", "baseline-known", "partial";
 * NULL for anything but one GROUND_* bit. */
const char *cell_ground_name(unsigned ground);

/* A finding against a baseline (--baseline FILE): not compared, in the
 * baseline already (known), or not in it (new). */
enum baseline_state { BASELINE_NONE, BASELINE_NEW, BASELINE_KNOWN };
const char *baseline_state_name(enum baseline_state b);  /* "none", "new",
                                                            "known" */

/* One run of one program under one tool. */
struct run_record {
    enum run_outcome outcome;
    int signal;                 /* for RUN_CRASH */
    int exit_status;            /* -1 if killed */
    double seconds;             /* wall time from start to exit */
    double first_finding_seconds;   /* from start; < 0 if none */
    bool symptom;               /* the scenario's symptom oracle fired */
    char *symptom_detail;       /* e.g. "stats requests 9812 < sent 10000" */
    char *hang_report;          /* wait-for cycle text, or NULL */
    char *sched_bound;          /* the controlled scheduler's exploration
                                   verdict ("all N schedules with at most P
                                   preemptions explored: no failure"), or NULL */
    char *reason;               /* env/tool error or crash reason, or NULL */
    char *oracles;              /* every oracle that fired, with its figure:
                                   "stats-mismatch: requests 9812 != 10000;
                                   slow-request: 1.8 s", or NULL if none */
    char *schedule;             /* controlled scheduler decisions (racelab
                                   cc programs), or NULL */
    unsigned long seed;
    char *repro;                /* the command that repeats this run, or
                                   NULL (not in the JSON) */
    size_t nfindings;           /* findings in this run (before dedup) */
    size_t true_positives;      /* findings at the manifest's locations */
    size_t false_positives;     /* findings elsewhere */
    size_t suppressed;          /* reports the tool's suppressions hid
                                   (TSan "Matched N suppressions", Valgrind
                                   <suppcounts>) */
    size_t folded;              /* more clean runs this record stands for
                                   (cell_result_keep_run): 0, or N-1 when N
                                   consecutive clean runs were folded into
                                   it; then seconds and suppressed are
                                   their sums, seed the first one's */
};

/* Records a cell keeps one by one; later clean runs are folded
 * (cell_result_keep_run), so --runs 100000 does not grow with the runs. */
enum { RUNS_KEPT = 1000 };

/* A finding de-duplicated by fingerprint across the runs of a cell. */
struct unique_finding {
    struct finding finding;     /* the first instance seen */
    size_t runs_seen;           /* runs in which it appeared */
    bool true_positive;         /* matched the manifest's locations */
    bool expected_false_positive;   /* the manifest documents it as a trap */
    enum baseline_state baseline;   /* BASELINE_NONE without --baseline */
    char baseline_related[17];  /* known not by its own fingerprint but by
                                   this baseline race's object and one of
                                   its functions (cell_apply_baseline); ""
                                   otherwise */
    unsigned long first_seed;   /* seed of the run it was first seen in */
};

struct cell_result;

/* Added: how cell_judge() scores a unique finding of C.
 * True positive: a buggy variant, a kind the manifest expects, at its
 * locations (u->true_positive), and not a documented trap.  False
 * positive: not a documented trap and either on a fixed variant or not at
 * the locations.  A finding at the locations but of a kind the manifest
 * does not list is neither.  Cells without a manifest score neither. */
bool unique_finding_is_tp(const struct cell_result *c,
                          const struct unique_finding *u);
bool unique_finding_is_fp(const struct cell_result *c,
                          const struct unique_finding *u);

/* Expectations for a cell, from the manifest (empty for `stress`). */
struct cell_expect {
    bool known;                 /* a manifest section exists for the cell */
    unsigned kinds;             /* bitmask of 1u << enum finding_kind */
    bool false_positive;        /* the findings are a documented trap */
    bool symptom;               /* for tool "none" */
    char *rate;                 /* as written, e.g. "20/20", may be NULL */
};

/* stress --shard I/N: the share of a cell's runs that one shard made.
 * total 0: not a shard (unsharded, or already merged).  In the JSON as
 * "shard", so that `racelab merge` can check it has every shard once. */
struct cell_shard {
    long index, total;          /* I/N */
    unsigned long seed_base;    /* run r (0-based) of the cell: seed base + r */
    size_t runs_owed;           /* the runs this shard was to make */
    size_t runs_total;          /* --runs over all shards: shard I has runs
                                   iff I <= runs_total */
};

struct cell_result {
    char *scenario;             /* or the program name under `stress` */
    char *variant;              /* "buggy", "fixed", or NULL for `stress` */
    char *tool;                 /* a detector name (tools/detector.h) */
    char *executable;
    char *module, *bug_class;   /* from the manifest, may be NULL */
    struct cell_expect expect;

    struct run_record *runs;    /* in run order; a record may stand for
                                   more runs (run_record.folded) */
    size_t nruns;               /* records in runs[]; the runs they stand
                                   for: total_runs */
    size_t total_runs;          /* nruns plus every record's folded, kept
                                   by cell_result_keep_run, read_json and
                                   merge */

    /* Aggregates, filled by cell_judge(). */
    size_t detected_runs;       /* runs with >= 1 true-positive finding
                                   (or any finding under `stress`) */
    size_t finding_runs;        /* runs with any finding */
    size_t symptom_runs, hangs, crashes;
    size_t env_errors;          /* runs that tested nothing: env-error, or
                                   tool-error before any finding; not
                                   trials */
    size_t tool_failed_runs;    /* tool-error runs with findings printed
                                   before the tool failed: trials, their
                                   findings count */
    double rate, rate_lo, rate_hi;      /* detected_runs / runs, 95% Wilson */
    long first_detection_run;           /* 1-based; -1 if never */
    double first_detection_seconds;     /* cumulative wall seconds to it */
    double median_seconds;              /* median run time */
    double median_detection_seconds;    /* median first-finding time over
                                           detecting runs; < 0 if none */
    size_t tp, fp, fn;                  /* per-report scoring for the cell */

    struct unique_finding *findings;
    size_t nfindings;

    /* The judge's result (cell_judge()): */
    enum cell_status status;
    unsigned grounds;           /* enum cell_ground bits */
    size_t runs_needed;         /* INCONCLUSIVE: total runs that would make
                                   the cell conclusive at the recorded rate
                                   (P(miss) <= 0.1%); 0 if no rate known */
    char *verdict;              /* one line: why it passed, failed or could
                                   not decide */
    char *guarantee;            /* stress --min-rate/--confidence: "no race
                                   with per-run rate >= 0.2 at 95%: 14 runs",
                                   or NULL */
    size_t suppressed;          /* sum of runs[].suppressed */

    /* The judge's inputs besides runs, findings and expect.  Whoever sets
     * one calls cell_judge() again; nothing else edits status or verdict.
     * --baseline (cell_apply_baseline): findings[].baseline, the counts
     * of findings new / known and of baseline findings not seen. */
    size_t baseline_new, baseline_known, baseline_fixed;
    size_t baseline_related;    /* of the known: by object (baseline_related) */
    bool baseline_used;                 /* cell_apply_baseline() ran */
    struct finding *fixed_findings;     /* the baseline_fixed ones */
    /* --min-rate/--confidence (0 when not asked): the guarantee's terms. */
    double min_rate, confidence;
    char *suppressions;         /* --suppressions FILE (owned), for the
                                   "N report(s) suppressed" note; NULL: none */
    struct cell_shard shard;    /* this cell is one shard's share, or 0/0 */
    /* Input to the judge, set by `racelab merge --allow-partial`: what the
     * merge lacked or dropped ("shard 3/3 missing", "shard 2/3 given
     * twice"), NULL when every shard was there once.  The cell's runs are
     * not every run the gate owed: a cell that would pass is inconclusive;
     * a failure found in the runs it has stays a failure. */
    char *merge_partial;
};

void cell_result_free(struct cell_result *c);

/* Added: folds the findings of one run into C.  Each finding is matched
 * against LOCS (finding_at_locations, DEPTH frames; NLOCS may be 0), then
 * de-duplicated by fingerprint into c->findings (runs_seen counts runs,
 * not reports).  Fills RUN's nfindings, true_positives (at the locations
 * and of an expected kind) and false_positives, and sets its outcome to
 * RUN_FINDING if it was RUN_CLEAN and something was found.  The findings
 * are moved out of FOUND, which is left empty.  RUN need not be in
 * c->runs yet.  Returns 0, or -1 on allocation failure. */
/* Appends RUN (moved: its strings become C's) to C's records, or folds it
 * into the last record when both are clean runs with nothing to tell (no
 * finding, symptom, oracle, reason, hang or schedule verdict) and C keeps
 * more than RUNS_KEPT records.  Returns -1 when out of memory (RUN is then
 * left to the caller). */
int cell_result_keep_run(struct cell_result *c, struct run_record *run);

int cell_result_add_run(struct cell_result *c, struct run_record *run,
                        struct finding_list *found,
                        const struct location *locs, size_t nlocs,
                        size_t depth);

/* THE verdict: computes a cell's aggregates, scores, status, grounds and
 * verdict text from everything that bears on them, in phases:
 *   1. evidence: runs[] (outcomes, oracles, symptoms), findings[] against
 *      expect (kinds, locations, trap), the recorded rate (expect.rate:
 *      fail or inconclusive on a miss);
 *   2. baseline (baseline_used): a FAIL from known findings alone passes,
 *      a PASS with a new unexpected finding fails;
 *   3. tool failure: runs whose tool failed after printing findings: a
 *      FAIL stands and says the tool then failed, anything else is ERROR;
 *   4. merge state (merge_partial): a PASS becomes INCONCLUSIVE;
 *   5. notes: the --min-rate guarantee, intermittent findings,
 *      suppressed reports.
 * Idempotent: call it again whenever an input changed.  Baseline, merge,
 * the runner's extra runs and racelab check read its result. */
void cell_judge(struct cell_result *c);

/* The judge's rule for one run of C, on the run's own findings FOUND
 * (matched against LOCS, DEPTH frames, as cell_result_add_run does; not
 * taken): did it see what C looks for?  The runner's extra-run decision
 * asks this, so extra runs stop exactly when the judge would count a
 * detection.  C need only have its expect, variant and tool set. */
bool cell_run_detects(const struct cell_result *c, const struct run_record *run,
                      const struct finding_list *found,
                      const struct location *locs, size_t nlocs, size_t depth);

/* The gate over judged cells: 3 if any cell is an error (a run could
 * not run, or its tool did not and left nothing that fails the cell),
 * else 1 if any failed (with STRICT, or was
 * inconclusive), else 0.  The exit codes of run, matrix, stress, merge. */
int cells_exit_status(const struct cell_result *cells, size_t n, bool strict);

/* The per-run rate a recorded "K/M" guarantees: the lower bound of its
 * 95% Wilson interval; -1 if RATE is not "K/M" with 0 < K <= M.  Both the
 * extra runs a buggy cell gets and the "a miss contradicts the rate"
 * verdict use it, so a rate measured in few runs cannot fail a cell. */
double recorded_rate_floor(const char *rate);

/* Runs needed so that a bug with per-run RATE is seen at least once with
 * probability 99.9%: ceil(ln 0.001 / ln(1 - RATE)); 0 if RATE <= 0. */
size_t runs_to_decide(double rate);

/* 95% Wilson score interval for K successes in N trials. */
void wilson_interval(size_t k, size_t n, double *lo, double *hi);

/* --- the CI gate (read_json.c, baseline.c, merge.c) ---------------------- */

/* Reads a file written by write_json back into *CELLS (N of them, each to
 * be freed with cell_result_free, the array with free): every run of
 * runs_detail and every unique finding with its stacks, frames and
 * runs_seen; fingerprints are recomputed.  Aggregates are not read: the
 * cells are not judged.  0, or -1 with ERR naming the file. */
int read_json(const char *path, struct cell_result **cells, size_t *n,
              char *err, size_t errlen);

/* How a finding not in the baseline by fingerprint may still be known
 * (--baseline-match): BASELINE_MATCH_OBJECT (the default) also takes a
 * data race as known when a baseline race of the same cell touches the
 * same object (finding_object: a named global, or heap from the same
 * allocation site) and shares one of its two racing functions: another
 * pair of the same unsynchronized access.  BASELINE_MATCH_EXACT: by
 * fingerprint alone. */
enum baseline_match { BASELINE_MATCH_OBJECT, BASELINE_MATCH_EXACT };
void baseline_set_match(enum baseline_match m);

/* Compares the findings of cell C with BASE (cells read from an earlier
 * --json): the baseline cell with C's scenario (under `stress`: the
 * program's base name), variant and tool.  Each unique finding becomes
 * BASELINE_KNOWN (its fingerprint is in that cell, or, under
 * BASELINE_MATCH_OBJECT, its object and one racing function are:
 * baseline_related names that race) or BASELINE_NEW; the
 * baseline's findings not seen are copied into fixed_findings; the counts
 * are filled and baseline_used is set.  Then it calls cell_judge(), whose
 * phase 2 decides what the states mean for the verdict. */
void cell_apply_baseline(struct cell_result *c, const struct cell_result *base,
                         size_t nbase);

/* Runs after which a bug with per-run rate >= MIN_RATE would have shown
 * in at least one with probability >= CONFIDENCE: after n clean runs
 * P(miss) = (1 - R)^n <= 1 - C, so n = ceil(ln(1 - C) / ln(1 - R)). */
size_t runs_for_confidence(double min_rate, double confidence);

/* True when U was seen in some runs of C but not all. */
bool unique_finding_is_intermittent(const struct cell_result *c,
                                    const struct unique_finding *u);

/* Moves the cells of MORE (NMORE, as read_json gives them) into *CELLS
 * (*N of them, grown with realloc): a cell with the same scenario,
 * variant and tool as one already there gets its runs appended (then all
 * runs are ordered by seed, as one process would have run them) and its
 * findings folded in by fingerprint (runs_seen added: shards run disjoint
 * runs); other cells are appended.  MORE's cells are left empty.  Not
 * judged.  0, or -1 on allocation failure. */
int cells_merge(struct cell_result **cells, size_t *n,
                struct cell_result *more, size_t nmore);

/* Writes S escaped for XML (and HTML) text and attribute values: the five
 * markup characters as entities; every character XML 1.0 forbids (C0
 * controls other than tab, LF and CR, U+FFFE, U+FFFF) and every byte that
 * is not well-formed UTF-8 as U+FFFD, never as a character reference
 * (`&#x1;` is not well-formed XML 1.0).  The one escaper of every XML
 * writer: JUnit (write_junit), HTML, and the classroom's check --junit and
 * grades.xml. */
void rl_xml_escape(FILE *f, const char *s);

/* Writers.  Each returns 0, or -1 with ERR filled (e.g. path unwritable). */
int write_json(const char *path, const struct cell_result *cells, size_t n,
               const char *command, char *err, size_t errlen);
int write_junit(const char *path, const struct cell_result *cells, size_t n,
                char *err, size_t errlen);
int write_sarif(const char *path, const struct cell_result *cells, size_t n,
                char *err, size_t errlen);
/* The directory SARIF artifact URIs are relative to (uriBaseId SRCROOT).
 * NULL: $GITHUB_WORKSPACE, else $CI_PROJECT_DIR, else the current
 * directory.  The string is copied. */
void write_sarif_set_source_root(const char *dir);
/* The source root in use (set with NULL on first use when unset). */
const char *write_sarif_source_root(void);
int write_html(const char *path, const struct cell_result *cells, size_t n,
               char *err, size_t errlen);
/* The human table: one row per cell, plus per-tool TP/FP/FN, precision
 * and recall over all cells. */
void print_table(FILE *out, const struct cell_result *cells, size_t n);

#endif
