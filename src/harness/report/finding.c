/* finding.c - kind names, finding lists and the fingerprint. */
#include "finding.h"
#include "report_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_names[FINDING_KIND_COUNT] = {
    [FINDING_DATA_RACE] = "data-race",
    [FINDING_LOCK_ORDER] = "lock-order-inversion",
    [FINDING_THREAD_LEAK] = "thread-leak",
    [FINDING_USE_AFTER_FREE] = "heap-use-after-free",
    [FINDING_SIGNAL_UNSAFE] = "signal-unsafe-call",
    [FINDING_UNLOCK_UNLOCKED] = "unlock-unlocked",
    [FINDING_DESTROY_LOCKED] = "destroy-locked",
    [FINDING_PTHREAD_MISUSE] = "pthread-misuse",
    [FINDING_OTHER] = "other",
    [FINDING_EXIT_STATUS] = "exit-status",
    [FINDING_MEMORY_ERROR] = "memory-error",
    [FINDING_LEAK] = "memory-leak",
    [FINDING_UNDEFINED] = "undefined-behavior",
};

const char *finding_kind_name(enum finding_kind kind)
{
    if ((unsigned)kind >= FINDING_KIND_COUNT)
        return "other";
    return kind_names[kind];
}

int finding_kind_from_name(const char *name)
{
    for (int k = 0; name && k < FINDING_KIND_COUNT; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return k;
    return -1;
}

void finding_list_init(struct finding_list *l)
{
    memset(l, 0, sizeof *l);
}

void finding_list_free(struct finding_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        finding_free(&l->items[i]);
    free(l->items);
    finding_list_init(l);
}

int finding_list_push(struct finding_list *l, struct finding *f)
{
    if (rl_reserve(&l->items, &l->cap, l->count + 1, sizeof *l->items) < 0)
        return -1;
    l->items[l->count++] = *f;
    memset(f, 0, sizeof *f);
    return 0;
}

static void stack_free(struct stack *s)
{
    free(s->role);
    for (size_t i = 0; i < s->nlocks; i++)
        free(s->locks_held[i]);
    free(s->locks_held);
    for (size_t i = 0; i < s->nframes; i++) {
        free(s->frames[i].function);
        free(s->frames[i].file);
    }
    free(s->frames);
}

void finding_free(struct finding *f)
{
    if (!f)
        return;
    free(f->tool);
    free(f->summary);
    for (size_t i = 0; i < f->nstacks; i++)
        stack_free(&f->stacks[i]);
    free(f->stacks);
    memset(f, 0, sizeof *f);
}

/* --- fingerprint ------------------------------------------------------ */

#define FNV_OFFSET 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

static uint64_t fnv1a(uint64_t h, const char *s)
{
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= FNV_PRIME;
    }
    return h;
}

static const char *basename_of(const char *path)
{
    const char *slash = path ? strrchr(path, '/') : NULL;

    return slash ? slash + 1 : path;
}

/* Frames below a thread's entry point are runtime plumbing: Valgrind
 * shows them (start_thread, clone), TSan does not.  Cutting there lets the
 * same stack fingerprint alike under every tool. */
static bool is_thread_entry(const char *fn)
{
    static const char *const entries[] = {
        "start_thread", "clone", "clone3", "__libc_start_main",
        "__libc_start_call_main", "_start",
    };

    for (size_t i = 0; fn && i < sizeof entries / sizeof entries[0]; i++)
        if (strcmp(fn, entries[i]) == 0)
            return true;
    return false;
}

/* Appends "function:basename;" for up to 3 frames of S.  Frames with
 * a source line are preferred: interceptors (TSan's pthread_mutex_lock
 * <null>, DRD's pthread_mutex_unlock@*) appear under one tool only.  The
 * line itself is left out, and so is the directory: an edit above the
 * race, or a checkout in another place, must not make a known race new
 * (a --baseline gate compares fingerprints across commits). */
static void stack_key(const struct stack *s, enum finding_kind kind,
                      char *buf, size_t len)
{
    size_t used = 0, taken = 0;
    bool any_line = false;

    buf[0] = '\0';
    /* The unsafe call itself (malloc, free: a lineless interceptor) tells
     * two signal-unsafe calls in one handler line apart, now that lines
     * do not. */
    if (kind == FINDING_SIGNAL_UNSAFE && s->nframes && s->frames[0].function) {
        int n = snprintf(buf, len, "%s>", s->frames[0].function);
        used = n > 0 && (size_t)n < len ? (size_t)n : 0;
        buf[used] = '\0';
    }
    for (size_t i = 0; i < s->nframes; i++)
        if (s->frames[i].file && s->frames[i].line > 0)
            any_line = true;
    for (size_t i = 0; i < s->nframes && taken < 3; i++) {
        const struct frame *fr = &s->frames[i];
        int n;

        if (is_thread_entry(fr->function))
            break;
        if (any_line && !(fr->file && fr->line > 0))
            continue;
        n = snprintf(buf + used, len - used, "%s:%s;",
                     fr->function ? fr->function : "?",
                     fr->file ? basename_of(fr->file) : "");
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
        taken++;
    }
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void finding_fingerprint(struct finding *f)
{
    uint64_t h = fnv1a(FNV_OFFSET, finding_kind_name(f->kind));
    size_t nprimary = 0, n = 0;
    char **keys;

    for (size_t i = 0; i < f->nstacks; i++)
        nprimary += !f->stacks[i].context;
    keys = calloc(f->nstacks ? f->nstacks : 1, sizeof *keys);
    for (size_t i = 0; keys && i < f->nstacks; i++) {
        if (nprimary && f->stacks[i].context)
            continue;
        keys[n] = malloc(1024);
        if (!keys[n])
            break;
        stack_key(&f->stacks[i], f->kind, keys[n], 1024);
        n++;
    }
    /* Sorted, so that which access a tool calls "current" and which
     * "previous" (it depends on timing) does not matter. */
    if (keys)
        qsort(keys, n, sizeof *keys, cmp_str);
    for (size_t i = 0; i < n; i++) {
        h = fnv1a(h, "\n");
        h = fnv1a(h, keys[i]);
        free(keys[i]);
    }
    free(keys);
    snprintf(f->fingerprint, sizeof f->fingerprint, "%016llx",
             (unsigned long long)h);
}
