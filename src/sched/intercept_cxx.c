/* intercept_cxx.c - what C++ programs (libstdc++) wait on besides the
 * pthread functions: function-local statics' guards and raw futexes.
 *
 * Both would otherwise block in the kernel while holding the baton, so the
 * thread that could end the wait never runs:
 *  - __cxa_guard_acquire: a thread reaching a function-local static while
 *    another one runs its initializer (preempted inside it) waits on the
 *    guard.  Modelled like pthread_once: count 0 new, 1 running (owner),
 *    2 done; an aborted initializer (an exception) makes it new again.
 *  - syscall(SYS_futex, ...): libstdc++'s std::future/promise, std::latch,
 *    std::atomic<T>::wait and std::counting_semaphore wait on futexes
 *    directly.  FUTEX_WAIT blocks the thread in the model until a
 *    FUTEX_WAKE on the same address (or, timed, until nothing else can
 *    run); other system calls pass through.
 * Weak definitions, as in intercept.c; the real ones through dlsym.
 */
#include "rlsched.h"

#include <dlfcn.h>
#include <errno.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#define WEAK __attribute__((weak))
#define PC() __builtin_return_address(0)

typedef int64_t guard_t;    /* the Itanium C++ ABI's guard: byte 0 = done */

static void *real_fn(void **cache, const char *name)
{
    if (*cache == NULL)
        *cache = dlsym(RTLD_NEXT, name);
    return *cache;
}

WEAK int __cxa_guard_acquire(guard_t *g);
WEAK int __cxa_guard_acquire(guard_t *g)
{
    static void *real;
    if (rl_mode != 1)
        return ((int (*)(guard_t *))real_fn(&real, "__cxa_guard_acquire"))(g);
    if (__atomic_load_n((char *)g, __ATOMIC_ACQUIRE))
        return 0;
    void *pc = PC();
    rl_sync_point();
    rl_enter();
    for (;;) {
        struct rl_obj *o = rl_obj_get(g);
        if (__atomic_load_n((char *)g, __ATOMIC_ACQUIRE) || o->count == 2) {
            rl_hb_acquire(g);
            rl_leave();
            return 0;
        }
        if (o->count == 0) {
            o->count = 1;
            o->owner = rl_self;
            rl_leave();
            return 1;
        }
        if (o->owner == rl_self) {
            /* recursive initialization: the real one diagnoses it */
            rl_leave();
            return ((int (*)(guard_t *))real_fn(&real, "__cxa_guard_acquire"))(g);
        }
        rl_block(RL_W_ONCE, g, pc, false);
    }
}

static void guard_end(guard_t *g, int count)
{
    rl_enter();
    struct rl_obj *o = rl_obj_get(g);
    o->count = count;
    o->owner = NULL;
    rl_hb_release(g);
    if (count == 2)
        __atomic_store_n((char *)g, 1, __ATOMIC_RELEASE);
    rl_wake(RL_W_ONCE, g, -1);
    rl_leave();
    rl_sync_point();
}

WEAK void __cxa_guard_release(guard_t *g);
WEAK void __cxa_guard_release(guard_t *g)
{
    static void *real;
    if (rl_mode != 1) {
        ((void (*)(guard_t *))real_fn(&real, "__cxa_guard_release"))(g);
        return;
    }
    guard_end(g, 2);
}

WEAK void __cxa_guard_abort(guard_t *g);
WEAK void __cxa_guard_abort(guard_t *g)
{
    static void *real;
    if (rl_mode != 1) {
        ((void (*)(guard_t *))real_fn(&real, "__cxa_guard_abort"))(g);
        return;
    }
    guard_end(g, 0);
}

/* FUTEX_WAIT(_BITSET) and FUTEX_WAKE(_BITSET) on a private or shared
 * word, modelled; -1 if OP is another operation. */
static long futex_model(uint32_t *addr, int op, uint32_t val, const void *timeout)
{
    int cmd = op & FUTEX_CMD_MASK;
    if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET) {
        rl_sync_point();
        rl_enter();
        if (__atomic_load_n(addr, __ATOMIC_SEQ_CST) != val) {
            rl_leave();
            errno = EAGAIN;
            return -1;
        }
        rl_block(RL_W_FUTEX, addr, PC(), timeout != NULL);
        bool timed_out = rl_self->timed_out;
        rl_hb_acquire(addr);
        rl_leave();
        if (timed_out) {
            errno = ETIMEDOUT;
            return -1;
        }
        return 0;
    }
    /* FUTEX_WAKE */
    rl_enter();
    rl_hb_release(addr);
    int n = rl_wake(RL_W_FUTEX, addr, val > INT32_MAX ? -1 : (int)val);
    rl_leave();
    rl_sync_point();
    return n;
}

WEAK long syscall(long nr, ...);
WEAK long syscall(long nr, ...)
{
    static void *real;
    va_list ap;
    long a[6];
    va_start(ap, nr);
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    if (nr == SYS_futex && rl_mode == 1) {
        int cmd = (int)a[1] & FUTEX_CMD_MASK;
        if (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET || cmd == FUTEX_WAKE ||
            cmd == FUTEX_WAKE_BITSET)
            return futex_model((uint32_t *)a[0], (int)a[1], (uint32_t)a[2],
                               (const void *)a[3]);
    }
    return ((long (*)(long, ...))real_fn(&real, "syscall"))(nr, a[0], a[1], a[2], a[3],
                                                             a[4], a[5]);
}

long rl_sys(long nr, long a, long b, long c, long d, long e, long f)
{
#if defined(__x86_64__)
    long ret;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                     : "rcx", "r11", "memory");
    if (ret < 0 && ret > -4096) {
        errno = (int)-ret;
        return -1;
    }
    return ret;
#else
    static void *real;
    return ((long (*)(long, ...))real_fn(&real, "syscall"))(nr, a, b, c, d, e, f);
#endif
}
