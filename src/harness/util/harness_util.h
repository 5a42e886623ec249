/* harness_util.h - small helpers every part of the racelab command uses: checked
 * allocation, growable strings, string lists, files, and the clock. */
#ifndef RACELAB_HARNESS_UTIL_H
#define RACELAB_HARNESS_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Exit codes of the racelab command (a contract: CI gates depend on it). */
enum {
    EXIT_OK = 0,        /* expectations held / no finding */
    EXIT_FAILED = 1,    /* an expectation failed / a finding was made */
    EXIT_USAGE = 2,     /* bad flag, unknown scenario/tool, conflicting flags */
    EXIT_ENV = 3,       /* tool or build missing, could not start, unwritable */
    EXIT_INTERRUPTED = 130
};

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NUL-terminated string. */
struct strbuf {
    char *buf;
    size_t len, cap;
};
void sb_init(struct strbuf *sb);
void sb_add(struct strbuf *sb, const char *s, size_t n);
void sb_puts(struct strbuf *sb, const char *s);
void sb_printf(struct strbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Appends one item of a list: SEP first unless SB is empty. */
void sb_list_printf(struct strbuf *sb, const char *sep, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *sb_steal(struct strbuf *sb);      /* returns buf (never NULL) */
void sb_free(struct strbuf *sb);

/* A NULL-terminated, growable vector of owned strings (argv style). */
struct strvec {
    char **v;
    size_t n, cap;
};
void sv_init(struct strvec *sv);
void sv_push(struct strvec *sv, const char *s);          /* copies S */
void sv_push_own(struct strvec *sv, char *s);            /* takes S */
void sv_free(struct strvec *sv);
bool sv_contains(const struct strvec *sv, const char *s);
/* Splits S at commas (or, with WS, also at blanks), trimming blanks and
 * dropping empty items. */
void sv_split(struct strvec *sv, const char *s, bool ws);

char *str_trim(char *s);                 /* in place */
/* Replaces every NEEDLE in S with REP; returns a new string. */
char *str_replace(const char *s, const char *needle, const char *rep);
bool str_ends_with(const char *s, const char *suffix);
/* Parses an integer / a positive number of seconds; false on junk. */
bool parse_long(const char *s, long min, long max, long *out);
bool parse_seconds(const char *s, double *out);

double now_mono(void);                  /* seconds, CLOCK_MONOTONIC */
void sleep_seconds(double s);

/* Reads a whole file (NUL-terminated).  NULL with errno set on failure. */
char *read_file(const char *path, size_t *len);
/* Removes PATH and everything under it.  Returns 0 or -1. */
int rm_rf(const char *path);
bool is_executable(const char *path);
/* Finds NAME in $PATH; returns a malloc'd path or NULL. */
char *which(const char *name);

/* Prints "racelab: " + message + newline to stderr. */
void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warnf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The placeholders a program's arguments may hold (stress, hunt cases):
 * {port} becomes a free port (racelab then waits until it accepts), {tmp}
 * the run's directory.  args_use() is the one test for them, used by
 * stress, the runner and the scheduler's step measurement. */
#define ARG_PORT "{port}"
#define ARG_TMP "{tmp}"
bool args_use(char *const *argv, size_t n, const char *placeholder);

#endif
