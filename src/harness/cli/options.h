/* options.h - the one table of the options that racelab's commands take.
 *
 * Every option is one OPTIONS() line: its name, its argument, the commands
 * that take it, how its value is parsed and checked, and its help line.
 * One parser (options_parse) reads a command line against it, so an option
 * shared by run, matrix, stress, merge, check and grade behaves and errors
 * the same in each; one generator (options_help) writes each command's
 * option list for --help from it.  In the manner of redis's config.c
 * (one standardConfig table) and compiler-rt's tsan_flags.inc (an X-macro
 * read by the parser and the help text). */
#ifndef RACELAB_OPTIONS_H
#define RACELAB_OPTIONS_H

#include <stdbool.h>
#include <stdio.h>
#include "cli.h"
#include "gate.h"
#include "manifest.h"

/* The commands that parse through the table. */
enum opt_cmd { OC_RUN, OC_MATRIX, OC_STRESS, OC_MERGE, OC_CHECK, OC_GRADE,
               OC_BASELINE, OC_COUNT };
extern const char *const opt_cmd_names[OC_COUNT];

#define C_RUN    (1u << OC_RUN)
#define C_MATRIX (1u << OC_MATRIX)
#define C_STRESS (1u << OC_STRESS)
#define C_MERGE  (1u << OC_MERGE)
#define C_CHECK  (1u << OC_CHECK)
#define C_GRADE  (1u << OC_GRADE)
#define C_BASELINE (1u << OC_BASELINE)  /* racelab baseline update */
#define C_RM     (C_RUN | C_MATRIX)
#define C_RMS    (C_RUN | C_MATRIX | C_STRESS)
#define C_RMSM   (C_RMS | C_MERGE)
#define C_ALL    ((1u << OC_COUNT) - 1)

/* How a value is read (the kind decides the parser and its message):
 *   FLAG     no argument: sets the bool
 *   LONG     an integer in [min, max]            (long)
 *   SECONDS  a positive number of seconds        (double)
 *   FRACTION a number in (0, 1)                  (double)
 *   STR      any string                          (const char *)
 *   OUTPUT   a report file (checked writable before anything runs)
 *   TOOLS    a list of tools (bool[TOOL_COUNT])
 *   VARIANTS a list of variants (bool[VARIANT_COUNT])
 *   NAMES    a comma-separated list (struct strvec, appended)
 *   HTTP     a path starting with '/', repeatable (struct strvec)
 *   CHAOS    a schedule spec (src/chaos/chaos_spec.h)
 *   SHARD    I/N with 1 <= I <= N (two longs: gate.shard_i, gate.shard_n)
 *   OPTLONG  --name or --name=N, N an integer in [min, max] (long; alone:
 *            the value set before parsing)
 */
enum opt_kind {
    K_FLAG, K_LONG, K_SECONDS, K_FRACTION, K_STR, K_OUTPUT, K_TOOLS,
    K_VARIANTS, K_NAMES, K_HTTP, K_CHAOS, K_SHARD, K_OPTLONG
};

/* OPTION(id, name, alias, meta, commands, kind, field, min, max, defaults,
 *        help)
 * defaults: "cmd=text|cmd=text", each command's default for its help line
 * ("run=3|stress=1"), "*=text" for all; "" for none.  In help, %T is the
 * tool names, %C the --chaos grammar, %{cmd,cmd:text} text for those
 * commands only.  Order = --help order. */
#define OPTIONS(X)                                                              \
    X(TOOL, "tool", "tools", "LIST", C_RMS | C_CHECK | C_GRADE, K_TOOLS, tools,  \
      0, 0, "run=those whose build exists|matrix=all|stress=tsan for a TSan "    \
      "build, else helgrind|check=the installed ones|grade=as check",                 \
      "detectors: %T")                                                          \
    X(VARIANT, "variant", "variants", "LIST", C_RM, K_VARIANTS, variants, 0, 0,  \
      "*=both", "buggy, fixed")                                                  \
    X(SCENARIOS, "scenarios", NULL, "LIST", C_MATRIX, K_NAMES, scenarios, 0, 0,  \
      "*=all", "scenario names")                                                 \
    X(RUNS, "runs", NULL, "N", C_RMS | C_CHECK | C_GRADE, K_LONG, runs, 1,       \
      100000, "run=3|matrix=3|stress=1|check=2|grade=as check",                         \
      "runs per %{run,matrix,stress:cell}%{check,grade:tool}") \
    X(CLIENTS, "clients", NULL, "N", C_RMS, K_LONG, clients, 1, 1024, "*=8",     \
      "concurrent load clients (built-in client)")                               \
    X(DURATION, "duration", NULL, "SECONDS", C_RMS | C_CHECK | C_GRADE,          \
      K_SECONDS, duration, 0, 0, "run=3|matrix=1, runs stop early on detection|" \
      "stress=5 when ARGS use {port}, else until PROGRAM exits|check=2|"        \
      "grade=as check", "load per run%{stress:, then PROGRAM gets SIGTERM}")      \
    X(TIMEOUT, "timeout", NULL, "SECONDS", C_RMS | C_CHECK | C_GRADE, K_SECONDS, \
      timeout, 0, 0, "run=duration + 60, valgrind + 180|matrix=duration + 60, "  \
      "valgrind + 180|stress=120|check=as run|grade=as check", "limit per run")  \
    X(JOBS, "jobs", NULL, "N", C_RMS | C_CHECK | C_GRADE, K_LONG, jobs, 1, 256,  \
      "check=1|*=online CPUs",                                                  \
      "%{run,matrix,stress,check:runs}%{grade:checks} in parallel")               \
    X(SEED, "seed", NULL, "N", C_RMS | C_CHECK | C_GRADE, K_LONG, seed, 0,       \
      0x7fffffffL, "run=random|matrix=random|stress=random, 1 when sharded|"     \
      "check=1|grade=as check", "base seed of the load mix%{run,matrix,stress: "\
      "and --chaos}; run i uses N+i")                                                                \
    X(SHARD, "shard", NULL, "I/N", C_MATRIX | C_STRESS, K_SHARD, gate, 0, 0, "", \
      "only cells (stress: runs) I, I+N, I+2N..., for CI; `racelab merge` "      \
      "joins the shards' --json")                                                \
    X(CHAOS, "chaos", NULL, "SPEC", C_RMS, K_CHAOS, chaos, 0, 0, "",             \
      "perturb the schedule (docs/CHAOS.md): %C; each run gets its own seed "    \
      "unless SPEC names one")                                                   \
    X(MINIMISE, "minimise", "minimize", "[=P]", C_STRESS, K_OPTLONG, minimise,  \
      0, 64, "*=3", "racelab cc builds: the failing schedule with the fewest "  \
      "preemptions (up to P), as per-thread columns with source lines: "        \
      "--chaos dfs:preemptions=P --runs 1")                                      \
    X(EARLY, "early-stop", NULL, NULL, C_RMS, K_FLAG, early, 0, 0,               \
      "matrix=on|*=off", "end a run once an expected finding appeared")          \
    X(NO_EARLY, "no-early-stop", NULL, NULL, C_RM, K_FLAG, no_early, 0, 0, "",   \
      "always run the full duration")                                            \
    X(MAX_RUNS, "max-runs", NULL, "N", C_RM, K_LONG, max_runs, 1, 100000,        \
      "*=24", "a buggy cell that has not shown its bug gets extra runs, up to "  \
      "what its recorded rate needs to decide, at most N")                       \
    X(EXACT_RUNS, "exact-runs", NULL, NULL, C_RM, K_FLAG, exact_runs, 0, 0, "",  \
      "no extra runs: exactly --runs per cell")                                  \
    X(MATCH_DEPTH, "match-depth", NULL, "N", C_RM, K_LONG, match_depth, 1, 64,   \
      "*=4", "top frames of each access stack matched against the manifest's "   \
      "locations")                                                               \
    X(HTTP, "http", NULL, "PATH", C_STRESS, K_HTTP, http, 0, 0, "",              \
      "load from the built-in client: GET PATH (repeatable); with {port} and "   \
      "neither --http nor --load: GET /")                                        \
    X(LOAD, "load", NULL, "'CMD'", C_STRESS, K_STR, load_cmd, 0, 0, "",          \
      "load from CMD, run by /bin/sh ({port} substituted) in its own process "   \
      "group; the run ends when CMD exits; CMD failing to start, exiting "    \
      "non-zero or (with {port}) still running at --duration is exit 3")        \
    X(EXPECT_EXIT, "expect-exit", NULL, "N", C_STRESS, K_LONG, expect_exit, 0,   \
      255, "*=0", "PROGRAM's normal exit status; any other status it exits "     \
      "with by itself is a finding")                                             \
    X(HANG_WINDOW, "hang-window", NULL, "S", C_STRESS, K_SECONDS, hang_window,   \
      0, 0, "*=3", "every thread blocked this long, no CPU progress: a hang")    \
    X(JSON, "json", NULL, "FILE", C_RMSM | C_CHECK, K_OUTPUT, out.json, 0, 0,    \
      "", "the results as JSON (docs/FINDINGS.md)")                              \
    X(JUNIT, "junit", NULL, "FILE", C_RMSM | C_CHECK, K_OUTPUT, out.junit, 0, 0, \
      "", "JUnit XML")                                                           \
    X(SARIF, "sarif", NULL, "FILE", C_RMSM, K_OUTPUT, out.sarif, 0, 0, "",       \
      "SARIF 2.1.0")                                                             \
    X(HTML, "html", NULL, "FILE", C_RMSM | C_CHECK, K_OUTPUT, out.html, 0, 0, "", \
      "one self-contained HTML page%{check:: the verdict, each finding's two "  \
      "sites side by side with your source lines, each deadlock's cycle drawn}") \
    X(GRADESCOPE, "gradescope", NULL, "FILE", C_CHECK, K_OUTPUT, gradescope, 0,  \
      0, "", "Gradescope results.json")                                          \
    X(NAME, "name", NULL, "NAME", C_CHECK, K_STR, name, 0, 0, "",                \
      "the submission's name in the reports")                                    \
    X(OUT, "out", NULL, "DIR", C_GRADE, K_STR, out_dir, 0, 0, "",                \
      "where the grades go (required)")                                          \
    X(CHECK_TIMEOUT, "check-timeout", NULL, "S", C_CHECK | C_GRADE, K_SECONDS,   \
      check_timeout, 0, 0, "*=900", "wall-clock limit of one check (then: "     \
      "rejected, score 0)")                                                      \
    X(CACHE_DIR, "cache-dir", NULL, "DIR", C_CHECK | C_GRADE, K_STR, cache_dir,  \
      0, 0, "*=$RACELAB_CACHE_DIR, else BUILD/check-cache",                      \
      "where built objects are kept between checks")                             \
    X(STRICT, "strict", NULL, NULL, C_RMSM, K_FLAG, strict, 0, 0, "",            \
      "an inconclusive cell fails the gate (exit 1)")                            \
    X(BASELINE, "baseline", NULL, "FILE", C_RMSM, K_STR, gate.baseline, 0, 0,    \
      "", "a baseline (racelab baseline update, --write-baseline) or an "       \
      "earlier --json: its races are known and do not fail; new ones do; the "  \
      "ones gone are counted fixed")                                             \
    X(BASELINE_MATCH, "baseline-match", NULL, "HOW", C_RMSM, K_STR,              \
      gate.baseline_match, 0, 0, "*=object", "exact: a race is known by its "   \
      "fingerprint alone; object: also when a baseline race touches the same "  \
      "object (a named global, heap from the same allocation site) in one of "  \
      "the same two functions")                                                \
    X(WRITE_BASELINE, "write-baseline", NULL, "FILE", C_RMSM, K_OUTPUT,          \
      gate.write_baseline, 0, 0, "", "write this run's races as a baseline "    \
      "(one a line, paths relative to --source-root)")                           \
    X(FINGERPRINT_DEPTH, "fingerprint-depth", NULL, "N", C_RMSM | C_BASELINE, K_LONG, \
      fingerprint_depth, 1, 16, "*=1: the racing functions, whatever called "    \
      "them", "a finding's identity: the innermost N program frames of each "   \
      "racing access")                                                           \
    X(SUPPRESSIONS, "suppressions", NULL, "FILE", C_RMSM, K_STR,                 \
      gate.suppressions, 0, 0, "", "TSan or Valgrind suppressions; suppressed "  \
      "reports are counted")                                                     \
    X(SOURCE_ROOT, "source-root", NULL, "DIR", C_RMSM | C_BASELINE, K_STR,        \
      gate.source_root, 0, 0, "*=$GITHUB_WORKSPACE, $CI_PROJECT_DIR, else .",    \
      "%{run,matrix,stress,merge:SARIF }%{baseline:the baseline's }paths "      \
      "relative to DIR")                                                         \
    X(OUTPUT, "output", NULL, "FILE", C_BASELINE, K_STR, baseline_output, 0, 0,  \
      "*=racelab-baseline.json", "the baseline to write: created, or merged "    \
      "into (its races and their first_seen kept)")                              \
    X(MIN_RATE, "min-rate", NULL, "R", C_RMS, K_FRACTION, gate.min_rate, 0, 0,  \
      "", "with --confidence C: run until a race of per-run rate >= R would "    \
      "have shown with probability C, stopping at the first finding")            \
    X(CONFIDENCE, "confidence", NULL, "C", C_RMS, K_FRACTION, gate.confidence,  \
      0, 0, "", "see --min-rate")                                                \
    X(ALLOW_PARTIAL, "allow-partial", NULL, NULL, C_MERGE, K_FLAG,               \
      allow_partial, 0, 0, "", "merge even when a `stress --shard` shard is "  \
      "missing or given twice (else exit 3, naming it): the cell is "          \
      "inconclusive, not a pass")                                               \
    X(SHARE, "share", NULL, NULL, C_CHECK | C_GRADE, K_FLAG, share, 0, 0, "",    \
      "%{check:reports}%{grade:grades} readable by others (default: 0600 "      \
      "files, 0700 dirs)")                                                       \
    X(KEEP_TMP, "keep-tmp", NULL, NULL, C_RMS | C_CHECK, K_FLAG, keep, 0, 0, "", \
      "keep the temp dirs (debugging)")                                          \
    X(QUIET, "quiet", NULL, NULL, C_ALL, K_FLAG, quiet, 0, 0, "",                \
      "%{run,matrix,stress,check,grade:no progress on stderr}%{merge:no "    \
      "table on stdout}%{baseline:no summary line on stdout}")                 \
    X(SOURCE_DIR, "source-dir", NULL, "DIR", C_RMS | C_CHECK | C_GRADE, K_STR,   \
      source_dir, 0, 0, "*=the build's, or $RACELAB_SOURCE_DIR",                 \
      "the racelab source tree")                                                 \
    X(BUILD_DIR, "build-dir", NULL, "DIR", C_RM | C_CHECK | C_GRADE, K_STR,      \
      build_dir, 0, 0, "*=SOURCE/build", "the build root holding release/ "      \
      "tsan/ valgrind/")                                                         \
    X(HELP, "help", NULL, NULL, C_ALL, K_FLAG, help, 0, 0, "", "this text")

enum opt_id {
#define OPT_X_(id, ...) OPT_##id,
    OPTIONS(OPT_X_)
#undef OPT_X_
};
enum {
#define OPT_X_(id, ...) + 1
    OPT_COUNT = 0 OPTIONS(OPT_X_)
#undef OPT_X_
};

struct opt_info {
    const char *name, *alias, *meta;
    unsigned commands;
    enum opt_kind kind;
    size_t offset;              /* of the value in struct cli_opts */
    long min, max;
    const char *defaults, *help;
};
extern const struct opt_info opt_table[OPT_COUNT];

/* Every value the table can set.  A command sets its defaults, then calls
 * options_parse(); given[] says which options the command line named, and
 * raw[] their text (grade passes them on to check). */
struct cli_opts {
    bool tools[TOOL_COUNT], variants[VARIANT_COUNT];
    struct strvec scenarios, http;
    long runs, clients, jobs, seed, max_runs, match_depth, expect_exit;
    long fingerprint_depth;     /* finding_set_fingerprint_depth() */
    long minimise;              /* --minimise[=P]: P */
    double duration, timeout, hang_window, check_timeout;
    const char *chaos, *load_cmd, *gradescope, *name, *out_dir, *cache_dir;
    const char *source_dir, *build_dir;
    const char *baseline_output;    /* baseline update --output */
    bool early, no_early, exact_runs, strict, keep, quiet, help, allow_partial, share;
    struct outputs out;
    struct gate_opts gate;      /* --baseline ... --shard I/N */
    bool given[OPT_COUNT];
    const char *raw[OPT_COUNT];
};

/* Initializes O (empty lists, shard 1/1, nothing given). */
void options_init(struct cli_opts *o);
void options_free(struct cli_opts *o);
/* Parses ARGV's options for command CMD into O.  STOP_AT_ARG: stop at the
 * first non-option (stress: PROGRAM's own flags are not ours).  Returns
 * 0 (optind is at the first argument), 1 (--help printed with HEAD and
 * TAIL around the option list) or -1 (usage error printed, naming the
 * flag). */
int options_parse(enum opt_cmd cmd, int argc, char **argv, struct cli_opts *o,
                  bool stop_at_arg, const char *head, const char *tail);
/* Writes CMD's option list, one option a line from the table. */
void options_help(FILE *f, enum opt_cmd cmd);
/* The table as TSV, one option a line: name, alias (or -), meta (or -),
 * kind, the commands that take it (comma separated).  `racelab
 * __options` prints it (tests/harness-integration/options.sh). */
void options_dump(FILE *f);
/* Applies --source-dir / --build-dir to P. */
void options_paths(const struct cli_opts *o, struct paths *p);

#endif
