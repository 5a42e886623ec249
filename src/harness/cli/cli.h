/* cli.h - the racelab subcommands and what they share. */
#ifndef RACELAB_CLI_H
#define RACELAB_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include "report/result.h"
#include "runner.h"
#include "harness_util.h"

#define RACELAB_VERSION "0.1.0"

/* Where things are: the source tree (scenarios/, sanitizers/) and the
 * build root holding one folder per flavor. */
struct paths {
    const char *source;
    const char *build_root;
};

/* Output files shared by run, matrix and stress. */
struct outputs {
    const char *json, *junit, *sarif, *html;
};

int cmd_list(int argc, char **argv, struct paths *p);
int cmd_run(int argc, char **argv, struct paths *p, bool matrix);
int cmd_stress(int argc, char **argv, struct paths *p);
int cmd_merge(int argc, char **argv);       /* cmd_merge.c */
int cmd_baseline(int argc, char **argv);
int cmd_cc(int argc, char **argv);      /* cmd_cc.c: execs clang, returns on error */
/* The classroom commands (docs/teaching.md). */
int cmd_hint(int argc, char **argv, struct paths *p);
int cmd_hunt(int argc, char **argv, struct paths *p);
int cmd_handout(int argc, char **argv, struct paths *p);
int cmd_check(int argc, char **argv, struct paths *p);
int cmd_grade(int argc, char **argv, struct paths *p);
int cmd_autograder(int argc, char **argv, struct paths *p);

/* A hunt case (its folder, the folder's case file, or an ID whose folder
 * is under the hunt dir; else an ID, with the teacher's key) to the
 * scenario name it stands for; any other string is returned unchanged.  The result lives as long as the
 * process (cmd_hunt.c). */
const char *hunt_resolve(const char *id_or_name, const struct paths *p);
/* The same for the teacher only (racelab run, whose table names the
 * scenario): an ID resolves with the teacher's key, never from a case
 * folder. */
const char *hunt_resolve_keyed(const char *id, const struct paths *p);
/* SipHash-2-4 of DATA under the 16-byte KEY (cmd_hunt.c). */
unsigned long long siphash24(const unsigned char key[16], const void *data,
                             size_t len);
/* The build root: --build-dir, or SOURCE/build (malloc'd). */
char *build_root_of(const struct paths *p);

/* --- helpers in common.c --- */

/* The data directory (sanitizers/, scenarios/): $RACELAB_SOURCE_DIR, else
 * PREFIX/share/racelab when racelab runs from PREFIX/bin of an installed
 * prefix (`make install`), else the source tree it was built from. */
void paths_init(struct paths *p);
/* Checks that every output path can be written (exit 3 otherwise);
 * returns 0 or prints the error and returns -1. */
int outputs_check(const struct outputs *o);
/* Writes every requested output; 0 or -1 (error printed). */
int outputs_write(const struct outputs *o, const struct cell_result *cells,
                  size_t n, const char *command);
/* Creates the session temp dir (mkdtemp under $TMPDIR or /tmp). */
char *session_create(void);
/* Folds the runs of cell number CELL among JOBS[0..NJOBS) (skipped extra
 * runs left out) into C, after the runs it has (jobs may come in chunks),
 * moving records and findings out of the jobs, and summarizes it.  A
 * clean run keeps its record without its repeat command and schedule. */
void cell_collect(struct cell_result *c, struct job *jobs, size_t njobs,
                  size_t cell);
/* "racelab run x --tool tsan" for the report files. */
char *command_line(int argc, char **argv, const char *sub);
/* Parses a number option or prints a usage error; false on junk. */
bool opt_long(const char *flag, const char *val, long min, long max, long *out);
bool opt_seconds(const char *flag, const char *val, double *out);
/* The options of the small commands (hint, handout): --help (USAGE) and
 * --source-dir DIR before the arguments.  -1 to go on, with *NEXT the
 * first argument; else the exit code (the error printed, naming SUB). */
int small_command_options(const char *sub, int argc, char **argv, struct paths *p,
                          const char *usage, int *next);
/* Default --jobs: the number of online CPUs. */
int default_jobs(void);
/* racelab's library NAME (librlchaos.so, librlsched.a): beside the racelab
 * binary (a build folder), else in BIN/../lib/racelab (an installed
 * prefix, `make install`); NULL if in neither (malloc'd). */
char *racelab_lib_path(const char *name);
/* librlchaos.so (racelab_lib_path), or NULL (malloc'd). */
char *chaos_preload_path(void);
/* sched_detect.c: true if PATH was built by `racelab cc` (it links the
 * controlled scheduler, librlsched.a, whose __tsan_* symbols make it look
 * like a TSan build too: check this first). */
bool binary_has_sched(const char *path);

#endif
