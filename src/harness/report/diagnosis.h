/* diagnosis.h - what the table, the HTML page (and SARIF) show of a
 * finding: stacks without the tools' own frames, the source line behind a
 * frame, and a hang's mutex wait-for cycle parsed back out of
 * run_record.hang_report. */
#ifndef RACELAB_DIAGNOSIS_H
#define RACELAB_DIAGNOSIS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "finding.h"
#include "result.h"

/* True for a frame of the tools' machinery rather than of the program:
 * racelab's chaos wrappers (__wrap_*, __real_*), TSan's runtime and
 * interceptors (__interceptor_*, __tsan_*, __tsan::, __sanitizer::, files
 * under compiler-rt/ or sanitizer_common/, libtsan), Valgrind's preloaded
 * replacements (hg_intercepts.c, drd_pthread_intercepts.c, vgpreload_*,
 * names ending in "@*" or starting with "_vgr"/"_vgw"), and frames that
 * name neither a function nor a file (Valgrind prints those for the
 * preload object when it has no symbols). */
bool frame_is_noise(const struct frame *fr);
/* True for a source file of the system rather than of the program: the
 * C library's own sources as its debug info names them ("./nptl/..",
 * "../sysdeps/..", "csu/../sysdeps/.."), system headers (/usr/include)
 * and libraries (/usr/lib, libstdc++). */
bool rl_system_file(const char *file);
/* A frame of the program itself: it names a file, is not noise and not a
 * system file.  Matching depth, fingerprints and SARIF's primary location
 * count these. */
bool frame_is_program(const struct frame *fr);
/* The innermost frame of S that is not noise and names a file, else the
 * innermost frame that is not noise, else NULL. */
const struct frame *rl_top_frame(const struct stack *s);
/* Frames of S that frame_is_noise() hides. */
size_t rl_noise_frames(const struct stack *s);

/* The two stacks a finding is read by: the access (rl_primary_stack) and
 * the other or previous access, i.e. the next stack that is not
 * background context.  *OTHER is NULL when there is none. */
void rl_finding_sites(const struct finding *f, const struct stack **access,
                      const struct stack **other);

/* Line LINE (1-based) of FILE, without its newline, into BUF; FILE is
 * taken as is, and when relative or unreadable also under
 * RACELAB_SOURCE_DIR.  Returns the length, or -1 if unreadable. */
int rl_source_line(const char *file, int line, char *buf, size_t len);

/* Lines LINE-CONTEXT .. LINE+CONTEXT of FILE (those that exist). */
struct rl_source_line {
    int no;
    char text[240];
};
size_t rl_source_excerpt(const char *file, int line, int context,
                         struct rl_source_line *out, size_t max);

/* One thread of a deadlock: it holds HELD and waits for WAITS at WHERE.
 * In a cycle, thread i waits for what thread i+1 holds (the last waits for
 * what the first holds). */
struct rl_wait {
    long thread;
    char held_addr[24], held_name[96];
    char wait_addr[24], wait_name[96];
    char where[256];
};
/* Parses the first "deadlock: thread T holds 0xA (name) and waits for 0xB
 * (name) at FILE:LINE; thread ..." line of a hang report (src/harness/
 * hang.c writes it, after the runner's "watchdog: " or "timeout: "
 * prefix) into OUT.  Returns the threads in the cycle, 0 if the report
 * names no cycle. */
size_t rl_parse_wait_cycle(const char *hang_report, struct rl_wait *out,
                           size_t max);

/* Splits WHERE ("file:line", as in rl_wait.where) into a frame of FILE
 * (BUF, LEN bytes) and LINE; false when WHERE does not end in ":N". */
bool rl_where_frame(const char *where, char *buf, size_t len,
                    struct frame *out);

/* write_html with COMMAND shown under the summary (NULL: none).
 * write_html() shows this process's own command line (/proc/self/cmdline,
 * quoted like common.c's command_line()); callers that have the string
 * they gave write_json can pass it here instead. */
int write_html_command(const char *path, const struct cell_result *cells,
                       size_t n, const char *command, char *err,
                       size_t errlen);

/* Pieces of the HTML page that `racelab check --html` reuses
 * (check_html.c): the style sheet, one finding (its two sites side by
 * side, with source excerpts; background stacks folded away; CLASSIFY
 * adds "true positive" and the like, which only a manifest can say) and one
 * hang (the wait-for cycle as an inline SVG, then the report). */
extern const char rl_html_css[];
void rl_html_finding(FILE *f, const struct cell_result *c,
                     const struct unique_finding *u, bool classify);
void rl_html_hang(FILE *f, size_t cell, size_t run, const char *rep);

#endif
