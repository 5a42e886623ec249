/* detector.h - a detector is one file.
 *
 * Every tool racelab runs a program under (TSan, Helgrind, DRD, ASan+UBSan,
 * none) and the controlled scheduler's runner mode is one struct detector,
 * defined in its own file (tools/tsan.c, helgrind.c, drd.c, asan.c, none.c,
 * sched.c) and registered once in DETECTOR_LIST below; detectors.c builds
 * the table from that list.  Nothing else switches on the tool: the
 * runner, the commands and the gate ask the table (Valgrind's tool
 * interface has the same shape: a bundle of callbacks registered once).
 *
 * Adding a detector: write tools/<name>.c defining
 * `const struct detector detector_<name>`, add it to DETECTOR_LIST and to
 * the racelab target's sources.  docs/ARCHITECTURE.md, "Adding a detector".
 */
#ifndef RACELAB_DETECTOR_H
#define RACELAB_DETECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>
#include "report/finding.h"
#include "harness_util.h"

/* The registration: one line per detector, in the order racelab lists
 * them, runs them and prints their columns.  X(ENUM, name). */
#define DETECTOR_LIST(X) \
    X(TSAN, tsan)        \
    X(HELGRIND, helgrind) \
    X(DRD, drd)          \
    X(NONE, none)        \
    X(ASAN, asan)

/* Runner modes: detectors the program's build picks (never --tool, never
 * a manifest section). */
#define DETECTOR_MODES(X) \
    X(SCHED, sched)

#define DETECTOR_ENUM(id, name) TOOL_##id,
enum {
    DETECTOR_LIST(DETECTOR_ENUM)
    TOOL_COUNT,                 /* the --tool names, manifest sections */
    TOOL_MODE_FIRST = TOOL_COUNT - 1,
    DETECTOR_MODES(DETECTOR_ENUM)
    DETECTOR_COUNT
};
#undef DETECTOR_ENUM

/* One run as a detector sees it. */
struct detector_run {
    const char *tmp;            /* the run's directory: logs go here */
    const char *source;         /* the source tree (sanitizers/) */
    const char *suppressions;   /* --suppressions FILE, or NULL */
    const char *chaos;          /* the --chaos spec, or NULL */
};

struct detector {
    const char *name;           /* --tool name, manifest section, JSON "tool" */
    const char *label;          /* its name in prose: "TSan", "ASan" */
    const char *title;          /* one line for --help and the docs */
    const char *flavor;         /* build/<flavor>/racelab-server-* it runs */
    const char *requires;       /* a program that must be installed
                                   ("valgrind"), or NULL */
    /* A symbol every program built for it carries ("__tsan_init"), or
     * NULL: it runs any program.  stress checks it (exit 3). */
    const char *build_mark;
    const char *build_hint;     /* how to build for it ("clang
                                   -fsanitize=thread"), with build_mark */
    /* A symbol that makes a program unfit for it ("__tsan_init": Valgrind
     * cannot run TSan's shadow memory), or NULL. */
    const char *refuses_mark;
    unsigned kinds;             /* 1u << finding kind it can report */
    bool by_default;            /* run/matrix pick it when its build exists */
    bool reports;               /* writes reports (first finding, early stop) */
    /* Budgets: the detector's slowdown over a bare run. */
    double hang_factor, slow_factor;
    double startup_seconds, shutdown_seconds, timeout_extra;
    bool gdb_attach;            /* gdb can attach for hang stacks */
    bool sleeper_thread;        /* a runtime thread that sleeps in futex
                                   (TSan's background thread): not a hang */
    bool preload_chaos;         /* LD_PRELOAD reaches the program's calls */
    int report_exit;            /* the exit status meaning "the tool reported
                                   and exited", never the program's; -1 */

    /* Once per command, before any run, if selected (TSan's ASLR check). */
    void (*prepare)(void);
    /* The wrapper before the program's argv (valgrind ...), and env
     * entries "NAME=value" (TSAN_OPTIONS, ...).  NULL: bare. */
    void (*command)(const struct detector_run *run, struct strvec *argv,
                    struct strvec *env);
    /* The tool's own failure, quoted from its output (malloc'd), or NULL.
     * FINISHED: the program exited by itself or on SIGTERM. */
    char *(*health)(const struct detector_run *run, bool finished);
    /* Appends the run's reports to OUT; the count, or -1 with ERR.  PARTIAL:
     * the tool may still be writing (early stop, after a kill). */
    int (*parse)(const struct detector_run *run, struct finding_list *out,
                 bool partial, char *err, size_t errlen);
    /* Bytes of reports written so far (0: none yet). */
    off_t (*report_bytes)(const struct detector_run *run);
    /* A signal the tool caught, reported and exited on (TSan's
     * DEADLYSIGNAL): the signal number, -1 if unknown, or 0. */
    int (*deadly_signal)(const struct detector_run *run);
    /* After the exit: the detector's own reading of wait STATUS (the
     * controlled scheduler's deadlock exit).  True: the run is a hang with
     * *HANG_REPORT.  FIRED and ORACLES are the run's oracle names and text. */
    bool (*verdict)(const struct detector_run *run, int status, char **hang_report,
                    struct strbuf *oracles, struct strvec *fired);
};

#define DETECTOR_DECLARE(id, name) extern const struct detector detector_##name;
DETECTOR_LIST(DETECTOR_DECLARE)
DETECTOR_MODES(DETECTOR_DECLARE)
#undef DETECTOR_DECLARE

/* The table, indexed by TOOL_*: every detector, modes after TOOL_COUNT. */
extern const struct detector *const detectors[DETECTOR_COUNT];
/* The --tool names, detectors[t]->name for t < TOOL_COUNT. */
extern const char *const tool_names[TOOL_COUNT];

const struct detector *detector_get(int tool);   /* NULL if out of range */
int tool_from_name(const char *name);            /* a --tool name, or -1 */
/* "tsan, helgrind, drd, none, asan" for messages (static). */
const char *detector_names(void);
/* SOURCE/build (or BUILD_ROOT)/<flavor>/racelab-server[-SCENARIO-VARIANT]
 * (malloc'd); SCENARIO NULL for the plain server. */
char *detector_executable(const struct detector *d, const char *source,
                          const char *build_root, const char *scenario,
                          const char *variant);
/* Is D's `requires` installed?  True if it needs nothing. */
bool detector_installed(const struct detector *d);
/* Does the program at PATH carry SYMBOL (a build mark)? */
bool program_has_symbol(const char *path, const char *symbol);
/* The detectors, one line each (name, build flavor, title), for --help. */
void detectors_print(FILE *f);
/* Runs the prepare hook of every selected tool once. */
void detectors_prepare(const bool tools[TOOL_COUNT]);

/* Helpers the detector files share (detectors.c). */
/* Parses every RUN/PREFIX* file with PARSE; PARTIAL keeps going past a
 * file that fails. */
int detector_parse_logs(const struct detector_run *run, const char *prefix,
                        int (*parse)(const char *path, struct finding_list *out,
                                     char *err, size_t errlen),
                        struct finding_list *out, bool partial,
                        char *err, size_t errlen);
off_t detector_log_bytes(const struct detector_run *run, const char *prefix);
/* The first line of RUN/stderr or any RUN/PREFIX* file (PREFIX may be
 * NULL) that holds one of NEEDLES, trimmed (malloc'd), or NULL. */
char *detector_failure_line(const struct detector_run *run, const char *prefix,
                            const char *const *needles);

#endif
