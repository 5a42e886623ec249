/* finding.c - kind names, finding lists and the fingerprint. */
#include "finding.h"
#include "report_util.h"
#include "diagnosis.h"
#include <stdio.h>

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
    free(f->object);
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
 * shows them (start_thread, clone), TSan does not. */
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

static int fingerprint_depth = 1;

void finding_set_fingerprint_depth(int depth)
{
    fingerprint_depth = depth > 0 ? depth : 1;
}

int finding_get_fingerprint_depth(void)
{
    return fingerprint_depth;
}

/* 'W', 'R' or 'A' (atomic) for an access stack's role, 0 for others. */
static char access_mark(const char *role)
{
    if (!role)
        return 0;
    if (strstr(role, "atomic"))
        return 'A';
    if (strstr(role, "write"))
        return 'W';
    if (strstr(role, "read"))
        return 'R';
    return 0;
}

/* "PATH" as a site shows it: relative to ROOT when under it, a relative
 * path as is, else (ROOT NULL, or outside it) the base name. */
static const char *site_path(const char *file, const char *root)
{
    size_t n = root ? strlen(root) : 0;

    if (!file)
        return "";
    if (!root)
        return basename_of(file);
    if (file[0] != '/')
        return file;
    while (n > 1 && root[n - 1] == '/')
        n--;
    if (n == 1 && root[0] == '/')
        return file + 1;
    if (n && strncmp(file, root, n) == 0 && file[n] == '/')
        return file + n + 1;
    return basename_of(file);
}

/* The site of stack S: its innermost DEPTH program frames (interceptors,
 * libc and runtime frames pass through) as "fn@file<caller@file", with no
 * line; a stack without a program frame is named by its innermost
 * function.  KEY gets the base-name form that is hashed, SHOWN the form
 * with paths relative to ROOT (base names when ROOT is NULL). */
static void stack_site(const struct stack *s, const char *root, char *key,
                       char *shown, size_t len)
{
    size_t ku = 0, su = 0;
    int taken = 0;

    key[0] = shown[0] = '\0';
    for (size_t i = 0; i < s->nframes && taken < fingerprint_depth; i++) {
        const struct frame *fr = &s->frames[i];
        int a, b;

        if (is_thread_entry(fr->function))
            break;
        if (!frame_is_program(fr))
            continue;
        a = snprintf(key + ku, len - ku, "%s%s@%s", taken ? "<" : "",
                     fr->function ? fr->function : "?", basename_of(fr->file));
        b = snprintf(shown + su, len - su, "%s%s@%s", taken ? "<" : "",
                     fr->function ? fr->function : "?",
                     site_path(fr->file, root));
        if (a < 0 || (size_t)a >= len - ku || b < 0 || (size_t)b >= len - su)
            break;
        ku += (size_t)a;
        su += (size_t)b;
        taken++;
    }
    if (taken)
        return;
    for (size_t i = 0; i < s->nframes; i++)
        if (s->frames[i].function && !frame_is_noise(&s->frames[i])) {
            snprintf(key, len, "%s", s->frames[i].function);
            snprintf(shown, len, "%s", s->frames[i].function);
            return;
        }
    snprintf(key, len, "?");
    snprintf(shown, len, "?");
}

static int cmp_site(const void *a, const void *b)
{
    return strcmp(((const struct finding_site *)a)->key,
                  ((const struct finding_site *)b)->key);
}

/* Turns the cycle SITES[0..N) into its canonical rotation: the one that
 * starts at the smallest key, order kept. */
static void rotate_min(struct finding_site *sites, size_t n)
{
    size_t m = 0;
    struct finding_site *tmp;

    for (size_t i = 1; i < n; i++)
        if (strcmp(sites[i].key, sites[m].key) < 0)
            m = i;
    if (m == 0 || !(tmp = malloc(n * sizeof *tmp)))
        return;
    for (size_t i = 0; i < n; i++)
        tmp[i] = sites[(m + i) % n];
    memcpy(sites, tmp, n * sizeof *tmp);
    free(tmp);
}

size_t finding_sites(const struct finding *f, const char *root,
                     struct finding_site **out)
{
    size_t nprimary = 0, n = 0;
    struct finding_site *sites;

    *out = NULL;
    for (size_t i = 0; i < f->nstacks; i++)
        nprimary += !f->stacks[i].context;
    sites = calloc(f->nstacks ? f->nstacks : 1, sizeof *sites);
    if (!sites)
        return 0;
    for (size_t i = 0; i < f->nstacks; i++) {
        const struct stack *s = &f->stacks[i];
        struct finding_site *st = &sites[n];

        /* Background stacks (where a mutex or thread was made) vary with
         * timing; a report made of them alone (a thread leak) is named by
         * them. */
        if (nprimary && s->context)
            continue;
        stack_site(s, root, st->key, st->shown, sizeof st->key);
        st->mark = f->kind == FINDING_DATA_RACE ? access_mark(s->role) : 0;
        /* The unsafe call itself (malloc, free) tells two signal-unsafe
         * calls in one handler apart. */
        if (f->kind == FINDING_SIGNAL_UNSAFE && s->nframes &&
            s->frames[0].function) {
            char k[2 * sizeof st->key];

            snprintf(k, sizeof k, "%s>%s", s->frames[0].function, st->key);
            snprintf(st->key, sizeof st->key, "%.*s",
                     (int)sizeof st->key - 1, k);
            snprintf(k, sizeof k, "%s in %s", s->frames[0].function, st->shown);
            snprintf(st->shown, sizeof st->shown, "%.*s",
                     (int)sizeof st->shown - 1, k);
        }
        /* Atomic or not is part of a race's identity; read or write is
         * not: one racing `x++` is reported as read/write or write/write
         * by timing. */
        if (st->mark == 'A')
            strncat(st->key, "(A)", sizeof st->key - strlen(st->key) - 1);
        n++;
    }
    /* A lock-order cycle keeps its order from any starting point; other
     * sites are a set: which access a tool calls "previous" is timing. */
    if (f->kind == FINDING_LOCK_ORDER)
        rotate_min(sites, n);
    else
        qsort(sites, n, sizeof *sites, cmp_site);
    *out = sites;
    return n;
}

void finding_fingerprint(struct finding *f)
{
    uint64_t h = fnv1a(FNV_OFFSET, finding_kind_name(f->kind));
    struct finding_site *sites;
    size_t n = finding_sites(f, NULL, &sites);

    for (size_t i = 0; i < n; i++) {
        h = fnv1a(h, "\n");
        h = fnv1a(h, sites[i].key);
    }
    free(sites);
    snprintf(f->fingerprint, sizeof f->fingerprint, "%016llx",
             (unsigned long long)h);
}

const char *finding_object(const struct finding *f, char *buf, size_t len)
{
    if (f->object && f->object[0]) {
        snprintf(buf, len, "%s", f->object);
        return buf;
    }
    for (size_t i = 0; i < f->nstacks; i++) {
        const struct stack *s = &f->stacks[i];

        if (!s->context || !s->role || strcmp(s->role, "heap block allocated"))
            continue;
        for (size_t k = 0; k < s->nframes; k++) {
            const struct frame *fr = &s->frames[k];

            if (is_thread_entry(fr->function))
                break;
            if (frame_is_program(fr) && fr->function) {
                snprintf(buf, len, "heap block from %s@%s", fr->function,
                         basename_of(fr->file));
                return buf;
            }
        }
    }
    return NULL;
}

static const char *label_kind(enum finding_kind k)
{
    return k == FINDING_DATA_RACE ? "race"
         : k == FINDING_LOCK_ORDER ? "deadlock" : finding_kind_name(k);
}

char *finding_label(const struct finding *f, char *buf, size_t len)
{
    struct finding_site *sites;
    size_t n = finding_sites(f, NULL, &sites), used;
    int w = snprintf(buf, len, "%s:", label_kind(f->kind));

    used = w > 0 && (size_t)w < len ? (size_t)w : 0;
    for (size_t i = 0; i < n && used < len; i++) {
        char mark[4] = "";

        if (sites[i].mark)
            snprintf(mark, sizeof mark, "(%c)", sites[i].mark);
        w = snprintf(buf + used, len - used, "%s%s%s",
                     i == 0 ? "" : f->kind == FINDING_LOCK_ORDER ? " -> "
                     : " x ", sites[i].shown, mark);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    if (n == 0)
        snprintf(buf + used, len - used, "%s", f->fingerprint);
    free(sites);
    return buf;
}
