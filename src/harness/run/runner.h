/* runner.h - one run: a program under one tool, with load, watched by the
 * watchdog, judged by the oracles, its tool report parsed and matched.
 *
 * The run's temp dir (SESSION/run-N) holds the tool's logs, the program's
 * stderr and anything the manifest's {tmp} names; it is removed when the
 * run ends, whatever happens.
 */
#ifndef RACELAB_RUNNER_H
#define RACELAB_RUNNER_H

#include <stdbool.h>
#include "report/finding.h"
#include "report/match.h"
#include "report/result.h"
#include "harness_util.h"

/* How many top frames of each access stack are searched for a manifest
 * location (--match-depth).  Background stacks never count (match.h). */
#define RUNNER_MATCH_DEPTH 4

/* Seconds every thread may sit blocked in futex() with no CPU progress
 * before the run is a hang (--hang-window). */
#define RUNNER_BLOCK_WINDOW 3.0

struct run_spec {
    const char *label;          /* "cache-race buggy tsan" */
    const char *repro;          /* the command that repeats this run (same
                                   seed, same chaos), or NULL */
    int tool;                   /* TOOL_* (tools/detector.h) */
    struct strvec argv;         /* program and its arguments */
    bool server;                /* a racelab-server: we add --host/--port/--root
                                   and wait for "listening on" */
    /* Load: a built-in profile, a --load command, or neither. */
    const char *profile;        /* NULL: no built-in load */
    struct strvec http_paths;   /* profile "paths" */
    const char *load_cmd;       /* stress --load, or NULL */
    int clients;
    double duration;            /* load seconds; 0: none (stress, no load) */
    double timeout;             /* whole run */
    unsigned long seed;
    const char *chaos;          /* RACELAB_CHAOS spec (src/chaos), or NULL */
    const char *chaos_preload;  /* librlchaos.so for programs not linked
                                   with the wrappers, or NULL */
    const char *suppressions;   /* --suppressions FILE: TSan's instead of
                                   sanitizers/tsan.supp, Valgrind's beside
                                   sanitizers/valgrind.supp; or NULL */
    bool sched;                 /* built by racelab cc (src/sched): runs in
                                   the detector mode TOOL_SCHED (tools/sched.c) */
    /* Oracles. */
    const char *symptom;        /* the manifest's oracle, or NULL */
    double slow_ms, memory_growth_mb, hang_seconds;
    /* Matching. */
    const struct location *locs;
    size_t nlocs;
    unsigned expect_kinds;
    bool early_stop;            /* stop once an expected finding appeared */
    size_t match_depth;         /* 0: RUNNER_MATCH_DEPTH */
    /* The program's own exit status: anything but EXPECT_EXIT (when it
     * ends by itself, not on our SIGTERM) is an exit-status finding. */
    int expect_exit;
    double block_window;        /* 0: RUNNER_BLOCK_WINDOW */
    /* Where. */
    const char *source, *session, *docroot;
    unsigned nfiles;
    int index;                  /* unique per run: temp dir name */
    bool keep_tmp;
};

struct run_output {
    struct run_record rec;
    struct finding_list findings;
    bool *tp;                   /* per finding: at the manifest's locations */
};

/* Globals set once by main before any run. */
extern const char *runner_self_exe;     /* racelab itself, for __loadgen */

/* Runs SPEC; OUT is always filled (env errors included). */
void run_one(const struct run_spec *spec, struct run_output *out);
void run_output_free(struct run_output *o);

/* Tool-dependent defaults (seconds / milliseconds). */
double tool_hang_seconds(int tool, double manifest_value);
double tool_slow_ms(int tool, double manifest_value);
double tool_startup_seconds(int tool);
double tool_shutdown_seconds(int tool);

/* A job is one spec with its output; run_jobs runs N of them on JOBS
 * threads, reporting each to the progress display. */
struct job {
    struct run_spec spec;
    struct run_output out;
    size_t cell;                /* which cell the run belongs to */
    /* An extra run: one that only matters while its cell has not seen
     * what it expects.  Queued after every regular run; skipped (never
     * started, not counted) once a run of the cell detected the bug. */
    bool extra;
    bool skipped;
};
/* Runs the N JOBS on PARALLEL threads.  CELLS (indexed by job.cell, read
 * only while the jobs run) are the cells the jobs belong to, with their
 * expectations: once the judge says a run detected what its cell looks
 * for (cell_run_detects), DECIDED[cell] is set and the cell's extra runs
 * are skipped.  DECIDED (indexed by job.cell) carries that from one call
 * to the next when the jobs come in chunks; NULL: this call's own. */
void run_jobs(struct job *jobs, size_t n, int parallel,
              const struct cell_result *cells, bool *decided);


#endif
