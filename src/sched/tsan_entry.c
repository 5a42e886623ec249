/* tsan_entry.c - every __tsan_* function clang 14's ThreadSanitizer pass
 * can emit, implemented for the controlled scheduler.
 *
 * What clang 14 emits (checked with -S -emit-llvm and in libLLVM's
 * strings): __tsan_init from a module constructor; __tsan_func_entry/exit;
 * __tsan_{read,write}{1,2,4,8,16}, their unaligned_, volatile_ (with
 * -tsan-distinguish-volatile) and read_write (compound, with
 * -tsan-compound-read-before-write) forms; __tsan_vptr_update/read (C++);
 * __tsan_atomic{8,16,32,64,128}_{load,store,exchange,fetch_add,fetch_sub,
 * fetch_and,fetch_or,fetch_xor,fetch_nand,compare_exchange_val};
 * __tsan_atomic_thread_fence/signal_fence; __tsan_ignore_thread_begin/end.
 * memcpy/memset/memmove stay calls to libc's (not steps).  The rest of
 * TSan's public interface (ranges, annotations, the compare_exchange_strong
 * forms) is here too, for programs that call it directly.
 *
 * A plain access is a step (rl_step: a counter and a compare).  An atomic
 * is a synchronization step: the strategy may switch threads before it,
 * and it is still performed atomically (seq_cst), because threads inside
 * system calls or not created by us may run at the same time.
 */
#include "rlsched.h"

#include <stddef.h>

typedef unsigned char a8;
typedef unsigned short a16;
typedef unsigned int a32;
typedef unsigned long long a64;
typedef unsigned __int128 a128;

void __tsan_init(void) { rl_init(); }
void __tsan_func_entry(void *pc) { (void)pc; }
void __tsan_func_exit(void) {}
void __tsan_ignore_thread_begin(void) {}
void __tsan_ignore_thread_end(void) {}

#define W_read 0
#define W_write 1
#define W_read_write 1
#define PC() __builtin_return_address(0)
#define ACCESS(kind, n)                                                    \
    void __tsan_##kind##n(void *addr);                                     \
    void __tsan_##kind##n(void *addr)                                      \
    { rl_access_n(addr, PC(), W_##kind, n); }                              \
    void __tsan_unaligned_##kind##n(void *addr);                           \
    void __tsan_unaligned_##kind##n(void *addr)                            \
    { rl_access_n(addr, PC(), W_##kind, n); }                              \
    void __tsan_volatile_##kind##n(void *addr);                            \
    void __tsan_volatile_##kind##n(void *addr)                             \
    { rl_access_n(addr, PC(), W_##kind, n); }                              \
    void __tsan_unaligned_volatile_##kind##n(void *addr);                  \
    void __tsan_unaligned_volatile_##kind##n(void *addr)                   \
    { rl_access_n(addr, PC(), W_##kind, n); }
#define ACCESS_ALL(n) ACCESS(read, n) ACCESS(write, n) ACCESS(read_write, n)
ACCESS_ALL(1)
ACCESS_ALL(2)
ACCESS_ALL(4)
ACCESS_ALL(8)
ACCESS_ALL(16)

void __tsan_unaligned_read_write(void *addr); /* no size: never emitted, harmless */
void __tsan_read_range(void *addr, unsigned long size);
void __tsan_write_range(void *addr, unsigned long size);
void __tsan_read_range(void *addr, unsigned long size) { (void)size; rl_access(addr, PC(), false); }
void __tsan_write_range(void *addr, unsigned long size) { (void)size; rl_access(addr, PC(), true); }
void __tsan_read_range_pc(void *addr, unsigned long size, void *pc);
void __tsan_write_range_pc(void *addr, unsigned long size, void *pc);
void __tsan_read_range_pc(void *addr, unsigned long size, void *pc) { (void)size; rl_access(addr, pc, false); }
void __tsan_write_range_pc(void *addr, unsigned long size, void *pc) { (void)size; rl_access(addr, pc, true); }

void __tsan_vptr_update(void **vptr_p, void *new_val);
void __tsan_vptr_read(void **vptr_p);
void __tsan_vptr_update(void **vptr_p, void *new_val) { (void)new_val; rl_access(vptr_p, PC(), true); }
void __tsan_vptr_read(void **vptr_p) { rl_access(vptr_p, PC(), false); }

/* Annotations (sanitizer/tsan_interface.h): the scheduler has nothing to
 * learn from them; a program calling them must still link. */
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
void __tsan_acquire(void *addr) { rl_sync_point(); rl_hb_acquire(addr); }
void __tsan_release(void *addr) { rl_hb_release(addr); rl_sync_point(); }
#define ANNOTATION(name, params)                                           \
    void __tsan_##name params;                                             \
    void __tsan_##name params {}
ANNOTATION(mutex_create, (void *a, unsigned f))
ANNOTATION(mutex_destroy, (void *a, unsigned f))
ANNOTATION(mutex_pre_lock, (void *a, unsigned f))
ANNOTATION(mutex_post_lock, (void *a, unsigned f, int r))
ANNOTATION(mutex_pre_unlock, (void *a, unsigned f))
ANNOTATION(mutex_post_unlock, (void *a, unsigned f))
ANNOTATION(mutex_pre_signal, (void *a, unsigned f))
ANNOTATION(mutex_post_signal, (void *a, unsigned f))
ANNOTATION(mutex_pre_divert, (void *a, unsigned f))
ANNOTATION(mutex_post_divert, (void *a, unsigned f))

/* 128-bit atomics would need libatomic (or -mcx16); under the baton no
 * other scheduled thread runs, so a plain read-modify-write is atomic with
 * respect to the program's threads. */
/* An atomic is an acquire and a release of its address (seq_cst). */
static inline void atomic_point(const volatile void *a)
{
    rl_sync_point();
    if (rl_hb_on && rl_mode == 1) {
        rl_hb_acquire((void *)a);
        rl_hb_release((void *)a);
    }
}

#define SEQ __ATOMIC_SEQ_CST
/* Each atomic then tells rl_poll whether it changed memory and what it
 * read (a spin loop's polls change nothing and read the same value). */
#define ATOMICS(n, T)                                                      \
    T __tsan_atomic##n##_load(const volatile T *a, int mo);                \
    T __tsan_atomic##n##_load(const volatile T *a, int mo)                 \
    { (void)mo; atomic_point(a); T r = LOAD(a);                            \
      rl_poll(a, false, (uint64_t)r, PC()); return r; }                    \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo);             \
    void __tsan_atomic##n##_store(volatile T *a, T v, int mo)              \
    { (void)mo; atomic_point(a); STORE(a, v); rl_poll(a, true, 0, PC()); } \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo);             \
    T __tsan_atomic##n##_exchange(volatile T *a, T v, int mo)              \
    { (void)mo; atomic_point(a); T o = XCHG(a, v);                         \
      rl_poll(a, o != v, (uint64_t)o, PC()); return o; }                   \
    RMW(n, T, fetch_add, +)                                                \
    RMW(n, T, fetch_sub, -)                                                \
    RMW(n, T, fetch_and, &)                                                \
    RMW(n, T, fetch_or, |)                                                 \
    RMW(n, T, fetch_xor, ^)                                                \
    T __tsan_atomic##n##_fetch_nand(volatile T *a, T v, int mo);           \
    T __tsan_atomic##n##_fetch_nand(volatile T *a, T v, int mo)            \
    { (void)mo; atomic_point(a); T o = NAND(a, v);                         \
      rl_poll(a, (T)~(o & v) != o, (uint64_t)o, PC()); return o; }         \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v,     \
                                              int mo, int fmo);            \
    T __tsan_atomic##n##_compare_exchange_val(volatile T *a, T c, T v,     \
                                              int mo, int fmo)             \
    { (void)mo; (void)fmo; atomic_point(a); T e = c; int ok = CAS(a, &c, v); \
      rl_poll(a, ok && e != v, (uint64_t)c, PC()); return c; }             \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c,    \
                                                   T v, int mo, int fmo);  \
    int __tsan_atomic##n##_compare_exchange_strong(volatile T *a, T *c,    \
                                                   T v, int mo, int fmo)   \
    { (void)mo; (void)fmo; atomic_point(a); T e = *c; int ok = CAS(a, c, v); \
      rl_poll(a, ok && e != v, (uint64_t)*c, PC()); return ok; }           \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c,      \
                                                 T v, int mo, int fmo);    \
    int __tsan_atomic##n##_compare_exchange_weak(volatile T *a, T *c,      \
                                                 T v, int mo, int fmo)     \
    { (void)mo; (void)fmo; atomic_point(a); T e = *c; int ok = CAS(a, c, v); \
      rl_poll(a, ok && e != v, (uint64_t)*c, PC()); return ok; }

#define LOAD(a) __atomic_load_n(a, SEQ)
#define STORE(a, v) __atomic_store_n(a, v, SEQ)
#define XCHG(a, v) __atomic_exchange_n(a, v, SEQ)
#define NAND(a, v) __atomic_fetch_nand(a, v, SEQ)
#define CAS(a, c, v) __atomic_compare_exchange_n(a, c, v, false, SEQ, SEQ)
#define RMW(n, T, op, sym)                                                 \
    T __tsan_atomic##n##_##op(volatile T *a, T v, int mo);                 \
    T __tsan_atomic##n##_##op(volatile T *a, T v, int mo)                  \
    { (void)mo; atomic_point(a); T o = __atomic_##op(a, v, SEQ);           \
      rl_poll(a, (T)(o sym v) != o, (uint64_t)o, PC()); return o; }
ATOMICS(8, a8)
ATOMICS(16, a16)
ATOMICS(32, a32)
ATOMICS(64, a64)
#undef LOAD
#undef STORE
#undef XCHG
#undef NAND
#undef CAS
#undef RMW

static a128 xchg_u128(volatile a128 *a, a128 v) { a128 o = *a; *a = v; return o; }
static a128 nand_u128(volatile a128 *a, a128 v) { a128 o = *a; *a = ~(o & v); return o; }
static int cas_u128(volatile a128 *a, a128 *c, a128 v)
{
    if (*a == *c) {
        *a = v;
        return 1;
    }
    *c = *a;
    return 0;
}
#define LOAD(a) (*(a))
#define STORE(a, v) (*(a) = (v))
#define XCHG(a, v) xchg_u128(a, v)
#define NAND(a, v) nand_u128(a, v)
#define CAS(a, c, v) cas_u128(a, c, v)
#define RMW(n, T, op, sym)                                                 \
    T __tsan_atomic##n##_##op(volatile T *a, T v, int mo);                 \
    T __tsan_atomic##n##_##op(volatile T *a, T v, int mo)                  \
    { (void)mo; atomic_point(a); T o = *a; *a = o sym v;                   \
      rl_poll(a, (T)(o sym v) != o, (uint64_t)o, PC()); return o; }
ATOMICS(128, a128)

void __tsan_atomic_thread_fence(int mo);
void __tsan_atomic_signal_fence(int mo);
void __tsan_atomic_thread_fence(int mo) { (void)mo; rl_sync_point(); __atomic_thread_fence(SEQ); }
void __tsan_atomic_signal_fence(int mo) { (void)mo; __atomic_signal_fence(SEQ); }

/* TSan's dynamic annotations (the Valgrind-compatible Annotate* API that
 * some libraries call when they see __has_feature(thread_sanitizer)):
 * nothing to do here, but a program using them must link. */
#define DYN_ANNOTATION(name, params)                                       \
    void name params;                                                      \
    void name params {}
DYN_ANNOTATION(AnnotateHappensBefore, (const char *f, int l, const volatile void *a))
DYN_ANNOTATION(AnnotateHappensAfter, (const char *f, int l, const volatile void *a))
DYN_ANNOTATION(AnnotateBenignRace, (const char *f, int l, const volatile void *a,
                                    const char *d))
DYN_ANNOTATION(AnnotateBenignRaceSized, (const char *f, int l, const volatile void *a,
                                         unsigned long n, const char *d))
DYN_ANNOTATION(AnnotateIgnoreReadsBegin, (const char *f, int l))
DYN_ANNOTATION(AnnotateIgnoreReadsEnd, (const char *f, int l))
DYN_ANNOTATION(AnnotateIgnoreWritesBegin, (const char *f, int l))
DYN_ANNOTATION(AnnotateIgnoreWritesEnd, (const char *f, int l))
DYN_ANNOTATION(AnnotateIgnoreSyncBegin, (const char *f, int l))
DYN_ANNOTATION(AnnotateIgnoreSyncEnd, (const char *f, int l))
DYN_ANNOTATION(AnnotateRWLockCreate, (const char *f, int l, const volatile void *m))
DYN_ANNOTATION(AnnotateRWLockDestroy, (const char *f, int l, const volatile void *m))
DYN_ANNOTATION(AnnotateRWLockAcquired, (const char *f, int l, const volatile void *m,
                                        long is_w))
DYN_ANNOTATION(AnnotateRWLockReleased, (const char *f, int l, const volatile void *m,
                                        long is_w))
DYN_ANNOTATION(AnnotateThreadName, (const char *f, int l, const char *name))
DYN_ANNOTATION(AnnotateNewMemory, (const char *f, int l, const volatile void *m,
                                   unsigned long size))
DYN_ANNOTATION(AnnotateMemoryIsInitialized, (const char *f, int l, const volatile void *m,
                                             unsigned long size))
