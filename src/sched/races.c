/* races.c - race-directed scheduling (docs/CHAOS.md, "Scheduling points").
 *
 * Phase 1, detection: a few runs of the program under the scheduler track
 * happens-before with vector clocks (the program's own synchronization:
 * mutexes, condition variables, semaphores, barriers, once, thread create
 * and join, atomics, futexes) and record both instructions of every pair
 * of conflicting accesses that are not ordered: the racy accesses.
 * Phase 2: with points=races, only synchronization operations and those
 * instructions are steps, so PCT's k (and the explorer's tree) counts them
 * alone.  The set is kept in a file (RACELAB_SCHED_RACES, default
 * $TMPDIR/rlsched-races-<binary key>) so every later run, and a replay,
 * uses the same points.
 *
 * Only the baton holder runs, so nothing here needs a lock.  Threads with
 * ids >= VC_MAX, and addresses beyond SHADOW_MAX, are not tracked (fewer
 * races found, never a false one).
 */
#include "rlsched.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VC_MAX 256
#define SHADOW_MAX (1u << 22)
#define NREAD 4

bool rl_hb_on;
int rl_points = RL_POINTS_ALL;
__thread uint32_t rl_quiet;

struct epoch {
    uint32_t tid, clk;
    uintptr_t pc;
};

struct shadow {
    uintptr_t key;              /* address / 8, 0 = free */
    struct epoch w;
    struct epoch r[NREAD];
    int nr;
};

struct syncvc {
    void *addr;
    uint32_t *vc;
};

static struct {
    struct shadow *sh;
    size_t nsh, capsh;
    struct syncvc *sv;
    size_t nsv, capsv;
    uintptr_t *racy;            /* set of pc offsets (open addressing, 0 free) */
    size_t nracy, capracy;
    uintptr_t base;             /* the executable's load address */
    rl_race_sink sink;          /* detection: where new racy pcs go */
} r;

static uint64_t mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    return x;
}

static void *xcalloc(size_t n, size_t s)
{
    void *p = calloc(n, s);
    if (!p) {
        rl_print("rlsched: out of memory (race detection)\n");
        abort();
    }
    return p;
}

/* --- the racy-pc set ------------------------------------------------------- */

static uintptr_t exe_base(void)
{
    if (!r.base) {
        Dl_info di;
        if (dladdr((void *)rl_init, &di))
            r.base = (uintptr_t)di.dli_fbase;
    }
    return r.base;
}

static void set_add(uintptr_t off)
{
    if (off == 0)
        return;
    if (r.nracy * 2 >= r.capracy) {
        size_t cap = r.capracy ? r.capracy * 2 : 256;
        uintptr_t *n = xcalloc(cap, sizeof *n);
        for (size_t i = 0; i < r.capracy; i++)
            if (r.racy[i]) {
                size_t j = mix(r.racy[i]) & (cap - 1);
                while (n[j])
                    j = (j + 1) & (cap - 1);
                n[j] = r.racy[i];
            }
        free(r.racy);
        r.racy = n;
        r.capracy = cap;
    }
    size_t j = mix(off) & (r.capracy - 1);
    while (r.racy[j] && r.racy[j] != off)
        j = (j + 1) & (r.capracy - 1);
    if (!r.racy[j]) {
        r.racy[j] = off;
        r.nracy++;
    }
}

bool rl_racy_pc(void *pc)
{
    if (!r.capracy)
        return false;
    uintptr_t off = (uintptr_t)pc - exe_base();
    size_t j = mix(off) & (r.capracy - 1);
    while (r.racy[j]) {
        if (r.racy[j] == off)
            return true;
        j = (j + 1) & (r.capracy - 1);
    }
    return false;
}

size_t rl_racy_count(void) { return r.nracy; }

void rl_racy_add(uintptr_t off) { set_add(off); }

int rl_races_load(const char *path)
{
    FILE *f = fopen(path, "r");
    char line[64];
    if (!f)
        return -1;
    if (!fgets(line, sizeof line, f) || strncmp(line, "rlsched-races 1", 15) != 0) {
        fclose(f);
        rl_print("rlsched: %s is not a races file; ignored\n", path);
        return -1;
    }
    unsigned long long off;
    while (fscanf(f, "%llx", &off) == 1)
        set_add((uintptr_t)off);
    fclose(f);
    return 0;
}

int rl_races_save(const char *path)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        rl_print("rlsched: cannot write %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    fprintf(f, "rlsched-races 1 %zu\n", r.nracy);
    for (size_t i = 0; i < r.capracy; i++)
        if (r.racy[i])
            fprintf(f, "%llx\n", (unsigned long long)r.racy[i]);
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        rl_print("rlsched: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

void rl_races_sink(rl_race_sink sink) { r.sink = sink; }

/* --- vector clocks --------------------------------------------------------- */

static uint32_t *thread_vc(struct rl_thread *t)
{
    if (!t || t->id >= VC_MAX)
        return NULL;
    if (!t->vc) {
        t->vc = xcalloc(VC_MAX, sizeof *t->vc);
        t->vc[t->id] = 1;
    }
    return t->vc;
}

static uint32_t *sync_vc(void *addr)
{
    if (r.nsv * 2 >= r.capsv) {
        size_t cap = r.capsv ? r.capsv * 2 : 256;
        struct syncvc *n = xcalloc(cap, sizeof *n);
        for (size_t i = 0; i < r.capsv; i++)
            if (r.sv[i].addr) {
                size_t j = mix((uintptr_t)r.sv[i].addr) & (cap - 1);
                while (n[j].addr)
                    j = (j + 1) & (cap - 1);
                n[j] = r.sv[i];
            }
        free(r.sv);
        r.sv = n;
        r.capsv = cap;
    }
    size_t j = mix((uintptr_t)addr) & (r.capsv - 1);
    while (r.sv[j].addr && r.sv[j].addr != addr)
        j = (j + 1) & (r.capsv - 1);
    if (!r.sv[j].addr) {
        r.sv[j].addr = addr;
        r.sv[j].vc = xcalloc(VC_MAX, sizeof(uint32_t));
        r.nsv++;
    }
    return r.sv[j].vc;
}

void rl_hb_release(void *obj)
{
    uint32_t *t = rl_hb_on ? thread_vc(rl_self) : NULL;
    if (!t)
        return;
    uint32_t *o = sync_vc(obj);
    for (int i = 0; i < VC_MAX; i++)
        if (t[i] > o[i])
            o[i] = t[i];
    t[rl_self->id]++;
}

void rl_hb_acquire(void *obj)
{
    uint32_t *t = rl_hb_on ? thread_vc(rl_self) : NULL;
    if (!t)
        return;
    uint32_t *o = sync_vc(obj);
    for (int i = 0; i < VC_MAX; i++)
        if (o[i] > t[i])
            t[i] = o[i];
}

void rl_hb_fork(struct rl_thread *child)
{
    if (!rl_hb_on)
        return;
    uint32_t *p = thread_vc(rl_self), *c = thread_vc(child);
    if (!p || !c)
        return;
    for (int i = 0; i < VC_MAX; i++)
        if (p[i] > c[i])
            c[i] = p[i];
    p[rl_self->id]++;
}

void rl_hb_join(struct rl_thread *done)
{
    if (!rl_hb_on)
        return;
    uint32_t *t = thread_vc(rl_self), *d = done ? done->vc : NULL;
    if (!t || !d)
        return;
    for (int i = 0; i < VC_MAX; i++)
        if (d[i] > t[i])
            t[i] = d[i];
}

/* --- shadow memory ------------------------------------------------------------ */

static struct shadow *shadow_of(uintptr_t key)
{
    if (r.nsh * 2 >= r.capsh) {
        if (r.capsh >= SHADOW_MAX)
            return NULL;
        size_t cap = r.capsh ? r.capsh * 2 : 4096;
        struct shadow *n = xcalloc(cap, sizeof *n);
        for (size_t i = 0; i < r.capsh; i++)
            if (r.sh[i].key) {
                size_t j = mix(r.sh[i].key) & (cap - 1);
                while (n[j].key)
                    j = (j + 1) & (cap - 1);
                n[j] = r.sh[i];
            }
        free(r.sh);
        r.sh = n;
        r.capsh = cap;
    }
    size_t j = mix(key) & (r.capsh - 1);
    while (r.sh[j].key && r.sh[j].key != key)
        j = (j + 1) & (r.capsh - 1);
    if (!r.sh[j].key) {
        r.sh[j].key = key;
        r.nsh++;
    }
    return &r.sh[j];
}

static void race(uintptr_t a, uintptr_t b)
{
    uintptr_t base = exe_base();
    uintptr_t pcs[2] = { a - base, b - base };
    for (int i = 0; i < 2; i++) {
        if (!rl_racy_pc((void *)(pcs[i] + base))) {
            set_add(pcs[i]);
            if (r.sink)
                r.sink(pcs[i]);
        }
    }
}

/* An epoch E not ordered before the thread with clock VC: concurrent. */
static bool concurrent(const struct epoch *e, const uint32_t *vc, uint32_t self)
{
    return e->clk && e->tid != self && e->clk > vc[e->tid];
}

void rl_hb_access(void *addr, void *pc, bool write)
{
    uint32_t *vc = thread_vc(rl_self);
    if (!vc)
        return;
    uint32_t self = (uint32_t)rl_self->id;
    struct shadow *s = shadow_of(((uintptr_t)addr >> 3) + 1);
    if (!s)
        return;
    struct epoch now = { self, vc[self], (uintptr_t)pc };
    if (concurrent(&s->w, vc, self))
        race(s->w.pc, now.pc);
    if (write) {
        for (int i = 0; i < s->nr; i++)
            if (concurrent(&s->r[i], vc, self))
                race(s->r[i].pc, now.pc);
        s->w = now;
        s->nr = 0;
        return;
    }
    for (int i = 0; i < s->nr; i++)
        if (s->r[i].tid == self) {
            s->r[i] = now;
            return;
        }
    if (s->nr < NREAD)
        s->r[s->nr++] = now;
    else
        s->r[now.clk % NREAD] = now;    /* forget one: fewer races, never false */
}
