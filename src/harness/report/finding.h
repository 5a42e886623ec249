/* finding.h - one normalized detector finding, whatever tool produced it.
 *
 * TSan's text reports and Valgrind's XML (Helgrind, DRD) are parsed into
 * this one schema, so that matching, de-duplication and every output format
 * (JSON, JUnit, SARIF, HTML) work the same for every tool.
 */
#ifndef RACELAB_FINDING_H
#define RACELAB_FINDING_H

#include <stddef.h>

enum finding_kind {
    FINDING_DATA_RACE,
    FINDING_LOCK_ORDER,          /* lock-order inversion (potential deadlock) */
    FINDING_THREAD_LEAK,
    FINDING_USE_AFTER_FREE,      /* heap-use-after-free */
    FINDING_SIGNAL_UNSAFE,       /* signal-unsafe call inside a signal handler */
    FINDING_UNLOCK_UNLOCKED,     /* unlock of an unlocked / not-owned mutex */
    FINDING_DESTROY_LOCKED,      /* destroy of a locked mutex */
    FINDING_PTHREAD_MISUSE,      /* other pthread API misuse (cond wait etc.) */
    FINDING_OTHER,
    FINDING_EXIT_STATUS,         /* the program exited non-zero by itself
                                    (racelab's own finding, no stacks) */
    FINDING_MEMORY_ERROR,        /* ASan: any other memory error (overflow,
                                    double or invalid free, ...) */
    FINDING_LEAK,                /* LeakSanitizer: a direct leak */
    FINDING_UNDEFINED,           /* UBSan: a "runtime error" */
    FINDING_KIND_COUNT
};

/* Stable names used in manifests and every output: "data-race",
 * "lock-order-inversion", "thread-leak", "heap-use-after-free",
 * "signal-unsafe-call", "unlock-unlocked", "destroy-locked",
 * "pthread-misuse", "other", "exit-status", "memory-error", "memory-leak",
 * "undefined-behavior". */
const char *finding_kind_name(enum finding_kind kind);
/* Returns the kind for NAME, or -1. */
int finding_kind_from_name(const char *name);

struct frame {
    char *function;     /* may be NULL when unknown */
    char *file;         /* full path as reported, may be NULL */
    int line;           /* 0 when unknown */
};

/* One stack in a report: an access, a lock acquisition, a thread creation. */
struct stack {
    char *role;         /* "write", "read", "previous write", "lock",
                           "mutex M1 acquired", "thread created", ... */
    int thread;         /* thread number as the tool printed it, -1 if none */
    char **locks_held;  /* names or descriptions of mutexes held; may be 0 */
    size_t nlocks;
    struct frame *frames;   /* innermost first */
    size_t nframes;
    /* Added: true for background stacks (where a mutex or thread was
     * created, a heap block allocated, "as if synchronized via sleep",
     * Valgrind's "first observed" and DRD's other-segment stacks).  They
     * are kept and matched but not fingerprinted: they vary with timing
     * and from tool to tool. */
    int context;
};

struct finding {
    char *tool;             /* "tsan", "helgrind", "drd", "asan" */
    enum finding_kind kind;
    char *summary;          /* one line, e.g. TSan's SUMMARY line */
    struct stack *stacks;
    size_t nstacks;
    char fingerprint[17];   /* 16 hex digits: kind + top frames, see below */
    char *object;           /* the racing memory as the tool named it:
                               "global counter"; NULL when it named none
                               (a heap block is named by its allocation
                               stack instead: finding_object()) */
};

/* A list of findings, in report order. */
struct finding_list {
    struct finding *items;
    size_t count, cap;
    size_t suppressed;      /* reports hidden by suppressions, as the tool
                               counted them (parsers add to it) */
};

void finding_list_init(struct finding_list *l);
void finding_list_free(struct finding_list *l);
/* Appends F (moved, not copied). */
int finding_list_push(struct finding_list *l, struct finding *f);
void finding_free(struct finding *f);

/* Computes f->fingerprint: a hash of the kind and the finding's sites
 * (finding_sites): for each access stack its innermost program frame
 * (function and file base name; interceptors, libc and runtime frames
 * pass through), atomic or not, as an unordered set; a lock-order
 * inversion's cycle of acquisition sites in canonical rotation; a report
 * made of background stacks alone (a thread leak) by those.  Callers,
 * lines, directories, addresses and thread numbers are left out, so the
 * same racing statements give the same fingerprint through any call path,
 * across runs, across edits that move them, and where the stacks agree
 * across tools.  finding_set_fingerprint_depth(N) takes N program frames
 * per stack instead of 1 (--fingerprint-depth). */
void finding_fingerprint(struct finding *f);
void finding_set_fingerprint_depth(int depth);
int finding_get_fingerprint_depth(void);

/* What a race's accesses touch, as a key that a real program keeps
 * across runs, into BUF (returned): "global NAME" (TSan's "Location is
 * global", Helgrind's "data symbol"), "heap block from fn@base.c" (the
 * innermost program frame of the allocation stack), or NULL when the
 * tool said neither (a stack or TLS location, DRD's globals). */
const char *finding_object(const struct finding *f, char *buf, size_t len);

/* One site of a finding, in canonical order. */
struct finding_site {
    char key[512];      /* hashed: "fn@base.c" ("<caller@file" per depth) */
    char shown[512];    /* the same with paths relative to a root */
    char mark;          /* 'W', 'R', 'A' (atomic) for a race, else 0 */
};
/* The sites behind the fingerprint, in canonical order, into *OUT
 * (malloc'ed, free it); ROOT: show paths relative to it (NULL: base
 * names).  Returns how many. */
size_t finding_sites(const struct finding *f, const char *root,
                     struct finding_site **out);
/* The fingerprint in words, into BUF (returned):
 * "race:cache_get@cache.c(W) x stats_dump@stats.c(R)",
 * "deadlock:a@x.c -> b@x.c", "thread-leak:main@server.c". */
char *finding_label(const struct finding *f, char *buf, size_t len);

/* Parsers.  Each appends to OUT and returns the number of findings added,
 * or -1 if the input could not be read or parsed (ERR gets a message). */
int tsan_parse_file(const char *path, struct finding_list *out,
                    char *err, size_t errlen);
int tsan_parse_buffer(const char *text, size_t len, struct finding_list *out,
                      char *err, size_t errlen);
/* Added: parses every PREFIX.* file that TSAN_OPTIONS=log_path=PREFIX
 * left (one per process), in name order.  No file is not an error. */
int tsan_parse_logs(const char *prefix, struct finding_list *out,
                    char *err, size_t errlen);
/* AddressSanitizer, LeakSanitizer and UBSan text (ASAN_OPTIONS=log_path
 * files, asan_report.c). */
int asan_parse_file(const char *path, struct finding_list *out,
                    char *err, size_t errlen);
int asan_parse_buffer(const char *text, size_t len, struct finding_list *out,
                      char *err, size_t errlen);
/* TOOL is "helgrind" or "drd". */
int valgrind_parse_xml_file(const char *path, const char *tool,
                            struct finding_list *out, char *err, size_t errlen);
int valgrind_parse_xml_buffer(const char *xml, size_t len, const char *tool,
                              struct finding_list *out, char *err, size_t errlen);

#endif
