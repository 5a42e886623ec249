/* report_util.h - helpers shared inside report/ only (not installed). */
#ifndef RACELAB_REPORT_UTIL_H
#define RACELAB_REPORT_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "finding.h"
#include "result.h"

#ifndef RACELAB_SOURCE_DIR
#define RACELAB_SOURCE_DIR ""
#endif

char *rl_strdup(const char *s);                 /* NULL-safe; NULL on NULL */
char *rl_strndup(const char *s, size_t n);
void rl_seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Grows *ARR (of *CAP elements of SIZE bytes) to hold at least NEED. */
int rl_reserve(void *arr, size_t *cap, size_t need, size_t size);
/* The whole file at PATH, NUL-terminated, its length in *LEN (malloc'd);
 * NULL with ERR naming the path and the error. */
char *rl_read_file(const char *path, size_t *len, char *err, size_t errlen);

/* PATH relative to the source root when it lies under it, else PATH. */
const char *rl_source_relative(const char *path);

/* The stack that best stands for a finding: the first that is not
 * background context, else the first; NULL when there are no stacks. */
const struct stack *rl_primary_stack(const struct finding *f);
/* The innermost frame of S that names a file, or NULL. */
const struct frame *rl_first_file_frame(const struct stack *s);

bool rl_cell_is_fixed(const struct cell_result *c);
/* "PASS", "FAIL", "INCONCLUSIVE", "ERROR". */
const char *rl_status_upper(enum cell_status s);

/* Per-tool totals over cells that have a manifest (tool "none" and
 * `stress` cells are not scored). */
struct rl_tool_total {
    const char *tool;
    size_t tp, fp, fn, cells;
};
struct rl_totals {
    struct rl_tool_total tools[16];
    size_t n;
};
void rl_totals_compute(const struct cell_result *cells, size_t n,
                       struct rl_totals *t);
/* Ratios, or -1 when undefined (0 / 0). */
double rl_precision(const struct rl_tool_total *t);
double rl_recall(const struct rl_tool_total *t);

/* Opens PATH for writing; on failure fills ERR naming the path. */
FILE *rl_open_out(const char *path, char *err, size_t errlen);
/* Closes F, reporting a write error on PATH. */
int rl_close_out(FILE *f, const char *path, char *err, size_t errlen);

#endif
