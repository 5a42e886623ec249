/* intercept.c - pthread and blocking-call interposition for the controlled
 * scheduler.
 *
 * librlsched.a is linked into the executable (racelab cc), so these
 * definitions take the place of libc's for the program's calls; the real
 * ones are reached through dlsym(RTLD_NEXT).  Synchronization objects are
 * modelled in the scheduler (owner, count, waiters) rather than passed to
 * glibc: a thread waiting for a held mutex is then "blocked", never
 * runnable, and the scheduler knows every wait-for edge when nothing can
 * run.  Blocking system calls give the baton up while they block.
 *
 * Every function falls through to the real one when the caller is not
 * scheduled (rl_mode != 1): before __tsan_init, in threads we did not
 * create, in a finished thread's libc exit path.
 */
#include "rlsched.h"

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#define PC() __builtin_return_address(0)

/* Every interceptor is a weak definition, as TSan's are (weak aliases of
 * __interceptor_NAME): the program's own global of the same name - a
 * `_Bool send;`, its own read() - wins at link time instead of colliding
 * with ours ("multiple definition of `send'"), and then only the program's
 * own uses are its; shared libraries (libstdc++, libc's callers) still bind
 * to ours through -rdynamic where the program does not define the name.
 * The real functions are reached by dlsym(RTLD_NEXT), never by name. */
#define WEAK __attribute__((weak))

/* REAL(name): the next definition of NAME (libc's), looked up once. */
#define REAL(name)                                                         \
    static __typeof__(name) *real_##name;                                  \
    if (real_##name == NULL)                                               \
        *(void **)&real_##name = dlsym(RTLD_NEXT, #name)

static bool scheduled(void) { return rl_mode == 1; }

/* --- mutexes and spinlocks --------------------------------------------------- */

enum { KIND_NORMAL, KIND_RECURSIVE, KIND_ERRORCHECK };

static int mutex_kind(pthread_mutex_t *m)
{
    int k = m->__data.__kind & 3;   /* glibc: PTHREAD_MUTEX_KIND_MASK_NP */
    return k == PTHREAD_MUTEX_RECURSIVE ? KIND_RECURSIVE
         : k == PTHREAD_MUTEX_ERRORCHECK ? KIND_ERRORCHECK : KIND_NORMAL;
}

/* Locks the model of OBJ.  TRY: EBUSY instead of blocking.  TIMED: the
 * wait may time out (when nothing else can run). */
static int model_lock(void *obj, int kind, void *pc, bool try, bool timed)
{
    struct rl_thread *me = rl_self;
    rl_sync_point();        /* before: others may take it first */
    rl_enter();
    struct rl_obj *o = rl_obj_get(obj);
    if (o->owner == me && kind == KIND_RECURSIVE) {
        o->count++;
        rl_leave();
        return 0;
    }
    if (o->owner == me && kind == KIND_ERRORCHECK) {
        rl_leave();
        return EDEADLK;
    }
    while (o->owner) {      /* a normal mutex locked twice blocks: self-deadlock */
        if (try) {
            rl_leave();
            return EBUSY;
        }
        rl_block(RL_W_MUTEX, obj, pc, timed);
        if (me->timed_out) {
            rl_leave();
            return ETIMEDOUT;
        }
        o = rl_obj_get(obj);    /* the table may have grown meanwhile */
    }
    o->owner = me;
    o->count = 1;
    rl_hb_acquire(obj);
    rl_leave();
    return 0;
}

static int model_unlock(void *obj, int kind)
{
    rl_enter();
    struct rl_obj *o = rl_obj_get(obj);
    if (o->owner != rl_self && kind == KIND_ERRORCHECK) {
        rl_leave();
        return EPERM;
    }
    if (o->owner == rl_self && kind == KIND_RECURSIVE && --o->count > 0) {
        rl_leave();
        return 0;
    }
    rl_hb_release(obj);
    o->owner = NULL;
    o->count = 0;
    rl_wake(RL_W_MUTEX, obj, -1);
    rl_leave();
    /* After the unlock, not before: this is the window that code relying
     * on a short critical section leaves open. */
    rl_sync_point();
    return 0;
}

WEAK int pthread_mutex_lock(pthread_mutex_t *m)
{
    REAL(pthread_mutex_lock);
    if (!scheduled())
        return real_pthread_mutex_lock(m);
    return model_lock(m, mutex_kind(m), PC(), false, false);
}

WEAK int pthread_mutex_trylock(pthread_mutex_t *m)
{
    REAL(pthread_mutex_trylock);
    if (!scheduled())
        return real_pthread_mutex_trylock(m);
    return model_lock(m, mutex_kind(m), PC(), true, false);
}

WEAK int pthread_mutex_timedlock(pthread_mutex_t *restrict m, const struct timespec *restrict t)
{
    REAL(pthread_mutex_timedlock);
    if (!scheduled())
        return real_pthread_mutex_timedlock(m, t);
    return model_lock(m, mutex_kind(m), PC(), false, true);
}

/* glibc 2.30's clock variants: libstdc++'s std::timed_mutex and
 * std::condition_variable::wait_for/until call them (steady clock). */
WEAK int pthread_mutex_clocklock(pthread_mutex_t *restrict m, clockid_t clk,
                                 const struct timespec *restrict t)
{
    REAL(pthread_mutex_clocklock);
    if (!scheduled())
        return real_pthread_mutex_clocklock(m, clk, t);
    return model_lock(m, mutex_kind(m), PC(), false, true);
}

WEAK int pthread_mutex_unlock(pthread_mutex_t *m)
{
    REAL(pthread_mutex_unlock);
    if (!scheduled())
        return real_pthread_mutex_unlock(m);
    return model_unlock(m, mutex_kind(m));
}

WEAK int pthread_mutex_init(pthread_mutex_t *restrict m, const pthread_mutexattr_t *restrict a)
{
    REAL(pthread_mutex_init);
    if (rl_enter()) {
        rl_obj_forget(m);
        rl_leave();
    }
    return real_pthread_mutex_init(m, a);   /* sets the kind we read */
}

WEAK int pthread_mutex_destroy(pthread_mutex_t *m)
{
    REAL(pthread_mutex_destroy);
    if (rl_enter()) {
        rl_obj_forget(m);
        rl_leave();
        return 0;   /* glibc's would see our unlocked model as locked: never */
    }
    return real_pthread_mutex_destroy(m);
}

WEAK int pthread_spin_lock(pthread_spinlock_t *s)
{
    REAL(pthread_spin_lock);
    if (!scheduled())
        return real_pthread_spin_lock(s);
    return model_lock((void *)s, KIND_NORMAL, PC(), false, false);
}

WEAK int pthread_spin_trylock(pthread_spinlock_t *s)
{
    REAL(pthread_spin_trylock);
    if (!scheduled())
        return real_pthread_spin_trylock(s);
    return model_lock((void *)s, KIND_NORMAL, PC(), true, false);
}

WEAK int pthread_spin_unlock(pthread_spinlock_t *s)
{
    REAL(pthread_spin_unlock);
    if (!scheduled())
        return real_pthread_spin_unlock(s);
    return model_unlock((void *)s, KIND_NORMAL);
}

/* --- condition variables ------------------------------------------------------- */

static int cond_wait(pthread_cond_t *c, pthread_mutex_t *m, void *pc, bool timed)
{
    struct rl_thread *me = rl_self;
    rl_sync_point();
    rl_enter();
    struct rl_obj *o = rl_obj_get(m);
    if (o->owner != me) {
        rl_leave();
        return EPERM;
    }
    int depth = o->count;
    rl_hb_release(m);
    o->owner = NULL;
    o->count = 0;
    rl_wake(RL_W_MUTEX, m, -1);
    rl_block(RL_W_COND, c, pc, timed);
    bool timed_out = me->timed_out;
    o = rl_obj_get(m);
    while (o->owner) {
        rl_block(RL_W_MUTEX, m, pc, false);
        o = rl_obj_get(m);
    }
    o->owner = me;
    o->count = depth;
    rl_hb_acquire(c);
    rl_hb_acquire(m);
    rl_leave();
    return timed_out ? ETIMEDOUT : 0;
}

/* glibc has two versions of the condition variable functions; the
 * default (GLIBC_2.3.2) is the one programs link against. */
#define REAL_COND(name)                                                    \
    static __typeof__(name) *real_##name;                                  \
    if (real_##name == NULL)                                               \
        *(void **)&real_##name = dlvsym(RTLD_NEXT, #name, "GLIBC_2.3.2")

WEAK int pthread_cond_wait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m)
{
    REAL_COND(pthread_cond_wait);
    if (!scheduled())
        return real_pthread_cond_wait(c, m);
    return cond_wait(c, m, PC(), false);
}

WEAK int pthread_cond_timedwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                           const struct timespec *restrict t)
{
    REAL_COND(pthread_cond_timedwait);
    if (!scheduled())
        return real_pthread_cond_timedwait(c, m, t);
    return cond_wait(c, m, PC(), true);
}

WEAK int pthread_cond_clockwait(pthread_cond_t *restrict c, pthread_mutex_t *restrict m,
                                clockid_t clk, const struct timespec *restrict t)
{
    REAL(pthread_cond_clockwait);
    if (!scheduled())
        return real_pthread_cond_clockwait(c, m, clk, t);
    return cond_wait(c, m, PC(), true);
}

WEAK int pthread_cond_signal(pthread_cond_t *c)
{
    REAL_COND(pthread_cond_signal);
    if (!scheduled())
        return real_pthread_cond_signal(c);
    rl_enter();
    rl_hb_release(c);
    rl_wake(RL_W_COND, c, 1);
    rl_leave();
    rl_sync_point();
    return 0;
}

WEAK int pthread_cond_broadcast(pthread_cond_t *c)
{
    REAL_COND(pthread_cond_broadcast);
    if (!scheduled())
        return real_pthread_cond_broadcast(c);
    rl_enter();
    rl_hb_release(c);
    rl_wake(RL_W_COND, c, -1);
    rl_leave();
    rl_sync_point();
    return 0;
}

/* --- rwlocks ------------------------------------------------------------------------ */

/* owner = the writer, count = readers. */
static int rw_lock(pthread_rwlock_t *l, bool write, bool try, void *pc)
{
    rl_sync_point();
    rl_enter();
    struct rl_obj *o = rl_obj_get(l);
    if (o->owner == rl_self) {
        rl_leave();
        return EDEADLK;
    }
    while (o->owner || (write && o->count > 0)) {
        if (try) {
            rl_leave();
            return EBUSY;
        }
        rl_block(write ? RL_W_WRLOCK : RL_W_RDLOCK, l, pc, false);
        o = rl_obj_get(l);
    }
    if (write)
        o->owner = rl_self;
    else
        o->count++;
    rl_hb_acquire(l);
    rl_leave();
    return 0;
}

WEAK int pthread_rwlock_rdlock(pthread_rwlock_t *l)
{
    REAL(pthread_rwlock_rdlock);
    return scheduled() ? rw_lock(l, false, false, PC()) : real_pthread_rwlock_rdlock(l);
}

WEAK int pthread_rwlock_tryrdlock(pthread_rwlock_t *l)
{
    REAL(pthread_rwlock_tryrdlock);
    return scheduled() ? rw_lock(l, false, true, PC()) : real_pthread_rwlock_tryrdlock(l);
}

WEAK int pthread_rwlock_wrlock(pthread_rwlock_t *l)
{
    REAL(pthread_rwlock_wrlock);
    return scheduled() ? rw_lock(l, true, false, PC()) : real_pthread_rwlock_wrlock(l);
}

WEAK int pthread_rwlock_trywrlock(pthread_rwlock_t *l)
{
    REAL(pthread_rwlock_trywrlock);
    return scheduled() ? rw_lock(l, true, true, PC()) : real_pthread_rwlock_trywrlock(l);
}

WEAK int pthread_rwlock_timedrdlock(pthread_rwlock_t *restrict l,
                                    const struct timespec *restrict t)
{
    REAL(pthread_rwlock_timedrdlock);
    return scheduled() ? rw_lock(l, false, false, PC()) : real_pthread_rwlock_timedrdlock(l, t);
}

WEAK int pthread_rwlock_timedwrlock(pthread_rwlock_t *restrict l,
                                    const struct timespec *restrict t)
{
    REAL(pthread_rwlock_timedwrlock);
    return scheduled() ? rw_lock(l, true, false, PC()) : real_pthread_rwlock_timedwrlock(l, t);
}

WEAK int pthread_rwlock_clockrdlock(pthread_rwlock_t *restrict l, clockid_t clk,
                                    const struct timespec *restrict t)
{
    REAL(pthread_rwlock_clockrdlock);
    return scheduled() ? rw_lock(l, false, false, PC())
                       : real_pthread_rwlock_clockrdlock(l, clk, t);
}

WEAK int pthread_rwlock_clockwrlock(pthread_rwlock_t *restrict l, clockid_t clk,
                                    const struct timespec *restrict t)
{
    REAL(pthread_rwlock_clockwrlock);
    return scheduled() ? rw_lock(l, true, false, PC())
                       : real_pthread_rwlock_clockwrlock(l, clk, t);
}

WEAK int pthread_rwlock_unlock(pthread_rwlock_t *l)
{
    REAL(pthread_rwlock_unlock);
    if (!scheduled())
        return real_pthread_rwlock_unlock(l);
    rl_enter();
    struct rl_obj *o = rl_obj_get(l);
    rl_hb_release(l);
    if (o->owner == rl_self)
        o->owner = NULL;
    else if (o->count > 0)
        o->count--;
    rl_wake(RL_W_RDLOCK, l, -1);
    rl_wake(RL_W_WRLOCK, l, -1);
    rl_leave();
    rl_sync_point();
    return 0;
}

/* --- semaphores, barriers, once ------------------------------------------------------ */

WEAK int sem_init(sem_t *s, int pshared, unsigned value)
{
    REAL(sem_init);
    if (rl_enter()) {
        rl_obj_forget(s);
        rl_obj_get(s)->count = (int)value;
        rl_leave();
    }
    return real_sem_init(s, pshared, value);
}

static int sem_take(sem_t *s, bool try, bool timed, void *pc)
{
    rl_sync_point();
    rl_enter();
    struct rl_obj *o = rl_obj_get(s);
    while (o->count == 0) {
        if (try) {
            rl_leave();
            errno = EAGAIN;
            return -1;
        }
        rl_block(RL_W_SEM, s, pc, timed);
        if (rl_self->timed_out) {
            rl_leave();
            errno = ETIMEDOUT;
            return -1;
        }
        o = rl_obj_get(s);
    }
    o->count--;
    rl_hb_acquire(s);
    rl_leave();
    return 0;
}

WEAK int sem_wait(sem_t *s)
{
    REAL(sem_wait);
    return scheduled() ? sem_take(s, false, false, PC()) : real_sem_wait(s);
}

WEAK int sem_trywait(sem_t *s)
{
    REAL(sem_trywait);
    return scheduled() ? sem_take(s, true, false, PC()) : real_sem_trywait(s);
}

WEAK int sem_timedwait(sem_t *restrict s, const struct timespec *restrict t)
{
    REAL(sem_timedwait);
    return scheduled() ? sem_take(s, false, true, PC()) : real_sem_timedwait(s, t);
}

WEAK int sem_clockwait(sem_t *restrict s, clockid_t clk, const struct timespec *restrict t)
{
    REAL(sem_clockwait);
    return scheduled() ? sem_take(s, false, true, PC()) : real_sem_clockwait(s, clk, t);
}

WEAK int sem_post(sem_t *s)
{
    REAL(sem_post);
    if (!scheduled())
        return real_sem_post(s);
    rl_enter();
    rl_hb_release(s);
    rl_obj_get(s)->count++;
    rl_wake(RL_W_SEM, s, -1);
    rl_leave();
    rl_sync_point();
    return 0;
}

WEAK int sem_getvalue(sem_t *restrict s, int *restrict v)
{
    REAL(sem_getvalue);
    if (!scheduled())
        return real_sem_getvalue(s, v);
    rl_enter();
    *v = rl_obj_get(s)->count;
    rl_leave();
    return 0;
}

WEAK int pthread_barrier_init(pthread_barrier_t *restrict b, const pthread_barrierattr_t *restrict a,
                         unsigned count)
{
    REAL(pthread_barrier_init);
    if (rl_enter()) {
        rl_obj_forget(b);
        rl_obj_get(b)->needed = (int)count;
        rl_leave();
    }
    return real_pthread_barrier_init(b, a, count);
}

WEAK int pthread_barrier_wait(pthread_barrier_t *b)
{
    REAL(pthread_barrier_wait);
    if (!scheduled())
        return real_pthread_barrier_wait(b);
    void *pc = PC();
    rl_sync_point();
    rl_enter();
    struct rl_obj *o = rl_obj_get(b);
    rl_hb_release(b);
    if (++o->count >= o->needed) {
        o->count = 0;
        o->generation++;
        rl_wake(RL_W_BARRIER, b, -1);
        rl_hb_acquire(b);
        rl_leave();
        rl_sync_point();
        return PTHREAD_BARRIER_SERIAL_THREAD;
    }
    uint64_t gen = o->generation;
    while (rl_obj_get(b)->generation == gen)
        rl_block(RL_W_BARRIER, b, pc, false);
    rl_hb_acquire(b);
    rl_leave();
    return 0;
}

/* count: 0 never run, 1 running (owner), 2 done */
WEAK int pthread_once(pthread_once_t *once, void (*fn)(void))
{
    REAL(pthread_once);
    if (!scheduled())
        return real_pthread_once(once, fn);
    void *pc = PC();
    rl_sync_point();
    rl_enter();
    struct rl_obj *o = rl_obj_get(once);
    if (o->count == 0) {
        o->count = 1;
        o->owner = rl_self;
        rl_leave();
        fn();
        rl_enter();
        o = rl_obj_get(once);
        o->count = 2;
        o->owner = NULL;
        rl_hb_release(once);
        rl_wake(RL_W_ONCE, once, -1);
    }
    while (rl_obj_get(once)->count != 2)
        rl_block(RL_W_ONCE, once, pc, false);
    rl_hb_acquire(once);
    rl_leave();
    return 0;
}

/* --- threads ------------------------------------------------------------------------------ */

static void *trampoline(void *arg)
{
    struct rl_thread *t = arg;
    rl_thread_start(t);
    void *ret = t->fn(t->arg);
    rl_thread_finish();
    return ret;
}

WEAK int pthread_create(pthread_t *restrict th, const pthread_attr_t *restrict attr,
                   void *(*fn)(void *), void *restrict arg)
{
    REAL(pthread_create);
    if (!scheduled())
        return real_pthread_create(th, attr, fn, arg);
    rl_sync_point();
    rl_enter();
    struct rl_thread *t = rl_thread_new();
    if (!t) {
        rl_leave();
        return EAGAIN;
    }
    int detach = PTHREAD_CREATE_JOINABLE;
    if (attr)
        pthread_attr_getdetachstate(attr, &detach);
    t->detached = detach == PTHREAD_CREATE_DETACHED;
    t->fn = fn;
    t->arg = arg;
    rl_hb_fork(t);
    int rc = real_pthread_create(th, attr, trampoline, t);
    if (rc != 0) {
        rl_thread_forget(t);
        free(t->vc);
        free(t);
    } else {
        t->handle = (unsigned long)*th;
    }
    rl_leave();
    rl_sync_point();        /* the new thread may run first */
    return rc;
}

WEAK int pthread_join(pthread_t th, void **ret)
{
    REAL(pthread_join);
    if (!scheduled())
        return real_pthread_join(th, ret);
    void *pc = PC();
    rl_sync_point();
    rl_enter();
    struct rl_thread *t = rl_thread_find((unsigned long)th);
    if (t == rl_self) {
        rl_leave();
        return EDEADLK;
    }
    while (t && t->state != RL_FINISHED)
        rl_block(RL_W_JOIN, t, pc, false);
    if (t) {
        rl_hb_join(t);
        rl_thread_forget(t);
    }
    /* The thread has handed the baton on and only has libc's exit path
     * left, which needs no baton: waiting for it here is short. */
    int rc = real_pthread_join(th, ret);
    if (t)
        free(t->vc);
    free(t);
    rl_leave();
    return rc;
}

WEAK int pthread_detach(pthread_t th)
{
    REAL(pthread_detach);
    if (rl_enter()) {
        struct rl_thread *t = rl_thread_find((unsigned long)th);
        if (t) {
            t->detached = true;
            if (t->state == RL_FINISHED)
                rl_thread_forget(t);
        }
        rl_leave();
    }
    return real_pthread_detach(th);
}

WEAK void pthread_exit(void *ret)
{
    REAL(pthread_exit);
    rl_thread_finish();
    real_pthread_exit(ret);
    __builtin_unreachable();
}

/* --- yields and sleeps ---------------------------------------------------------------------- */

WEAK int sched_yield(void)
{
    if (scheduled()) {
        rl_enter();
        bool others = rl_others_eligible();
        if (others)
            rl_yield();
        rl_leave();
        rl_sync_point();
        if (others)
            return 0;
    }
    return (int)RL_SYS(SYS_sched_yield, 0);
}

/* A sleep lets the others run first, as a yield does (no real time
 * passes, so the schedule stays a function of the seed).  A thread that is
 * alone really sleeps, without the baton: a thread in a system call may
 * bring work. */
static bool sleep_as_yield(void)
{
    if (!scheduled())
        return false;
    rl_enter();
    bool others = rl_others_eligible();
    if (others)
        rl_yield();
    rl_leave();
    rl_sync_point();
    return others;
}

#define SLEEPER(ret, name, params, args, ok)                               \
    WEAK ret name params                                                   \
    {                                                                      \
        REAL(name);                                                        \
        if (sleep_as_yield())                                              \
            return ok;                                                     \
        bool began = rl_sys_begin();                                       \
        ret r = real_##name args;                                          \
        int e = errno;                                                     \
        rl_sys_end(began);                                                 \
        errno = e;                                                         \
        return r;                                                          \
    }

SLEEPER(unsigned, sleep, (unsigned s), (s), 0)
SLEEPER(int, usleep, (useconds_t us), (us), 0)
SLEEPER(int, nanosleep, (const struct timespec *req, struct timespec *rem), (req, rem), 0)
SLEEPER(int, clock_nanosleep, (clockid_t c, int f, const struct timespec *req,
                               struct timespec *rem), (c, f, req, rem), 0)

/* --- blocking system calls -------------------------------------------------------------------- */

/* True if an operation on FD for EVENTS will not block: it is ready, or
 * non-blocking.  Then the call keeps the baton, and the schedule stays a
 * function of the seed; only a call that would wait hands it on. */
static bool will_not_block(int fd, short events)
{
    struct pollfd p = { .fd = fd, .events = events };
    if (RL_SYS(SYS_poll, &p, 1, 0) > 0)
        return true;
    int fl = (int)RL_SYS(SYS_fcntl, fd, F_GETFL);
    return fl >= 0 && (fl & O_NONBLOCK);
}

#define BLOCKING(ret, name, params, args, fd, events)                      \
    WEAK ret name params                                                   \
    {                                                                      \
        REAL(name);                                                        \
        if (!scheduled())                                                  \
            return real_##name args;                                       \
        rl_sync_point();                                                   \
        if ((fd) >= 0 && will_not_block((fd), (events)))                   \
            return real_##name args;                                       \
        bool began = rl_sys_begin();                                       \
        ret r = real_##name args;                                          \
        int e = errno;                                                     \
        rl_sys_end(began);                                                 \
        errno = e;                                                         \
        return r;                                                          \
    }

BLOCKING(ssize_t, read, (int fd, void *b, size_t n), (fd, b, n), fd, POLLIN)
BLOCKING(ssize_t, write, (int fd, const void *b, size_t n), (fd, b, n), fd, POLLOUT)
BLOCKING(ssize_t, readv, (int fd, const struct iovec *v, int n), (fd, v, n), fd, POLLIN)
BLOCKING(ssize_t, writev, (int fd, const struct iovec *v, int n), (fd, v, n), fd, POLLOUT)
BLOCKING(ssize_t, recv, (int fd, void *b, size_t n, int f), (fd, b, n, f), fd, POLLIN)
BLOCKING(ssize_t, recvfrom, (int fd, void *restrict b, size_t n, int f,
                             struct sockaddr *restrict sa, socklen_t *restrict sl),
         (fd, b, n, f, sa, sl), fd, POLLIN)
BLOCKING(ssize_t, recvmsg, (int fd, struct msghdr *m, int f), (fd, m, f), fd, POLLIN)
BLOCKING(ssize_t, send, (int fd, const void *b, size_t n, int f), (fd, b, n, f), fd, POLLOUT)
BLOCKING(ssize_t, sendto, (int fd, const void *b, size_t n, int f,
                           const struct sockaddr *sa, socklen_t sl),
         (fd, b, n, f, sa, sl), fd, POLLOUT)
BLOCKING(ssize_t, sendmsg, (int fd, const struct msghdr *m, int f), (fd, m, f), fd, POLLOUT)
BLOCKING(ssize_t, sendfile, (int out, int in, off_t *off, size_t n), (out, in, off, n),
         out, POLLOUT)
BLOCKING(int, accept, (int fd, struct sockaddr *restrict sa, socklen_t *restrict sl),
         (fd, sa, sl), fd, POLLIN)
BLOCKING(int, accept4, (int fd, struct sockaddr *restrict sa, socklen_t *restrict sl, int f),
         (fd, sa, sl, f), fd, POLLIN)
BLOCKING(int, connect, (int fd, const struct sockaddr *sa, socklen_t sl), (fd, sa, sl),
         -1, 0)
BLOCKING(int, sigwait, (const sigset_t *restrict set, int *restrict sig), (set, sig), -1, 0)
BLOCKING(int, sigwaitinfo, (const sigset_t *restrict set, siginfo_t *restrict info),
         (set, info), -1, 0)
BLOCKING(int, sigtimedwait, (const sigset_t *restrict set, siginfo_t *restrict info,
                             const struct timespec *restrict t), (set, info, t), -1, 0)
BLOCKING(int, pause, (void), (), -1, 0)
BLOCKING(pid_t, wait, (int *st), (st), -1, 0)
BLOCKING(pid_t, waitpid, (pid_t p, int *st, int o), (p, st, o), -1, 0)

/* Readiness waits: first a look with no timeout, keeping the baton (the
 * common case under load, and deterministic); only a real wait hands the
 * baton on. */
WEAK int poll(struct pollfd *fds, nfds_t n, int timeout)
{
    REAL(poll);
    if (!scheduled())
        return real_poll(fds, n, timeout);
    rl_sync_point();
    int r = real_poll(fds, n, 0);
    if (r != 0 || timeout == 0)
        return r;
    bool began = rl_sys_begin();
    r = real_poll(fds, n, timeout);
    int e = errno;
    rl_sys_end(began);
    errno = e;
    return r;
}

WEAK int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *t, const sigset_t *mask)
{
    REAL(ppoll);
    static const struct timespec zero;
    if (!scheduled())
        return real_ppoll(fds, n, t, mask);
    rl_sync_point();
    int r = real_ppoll(fds, n, &zero, mask);
    if (r != 0 || (t && t->tv_sec == 0 && t->tv_nsec == 0))
        return r;
    bool began = rl_sys_begin();
    r = real_ppoll(fds, n, t, mask);
    int e = errno;
    rl_sys_end(began);
    errno = e;
    return r;
}

WEAK int epoll_wait(int ep, struct epoll_event *ev, int n, int timeout)
{
    REAL(epoll_wait);
    if (!scheduled())
        return real_epoll_wait(ep, ev, n, timeout);
    rl_sync_point();
    int r = real_epoll_wait(ep, ev, n, 0);
    if (r != 0 || timeout == 0)
        return r;
    bool began = rl_sys_begin();
    r = real_epoll_wait(ep, ev, n, timeout);
    int e = errno;
    rl_sys_end(began);
    errno = e;
    return r;
}

WEAK int epoll_pwait(int ep, struct epoll_event *ev, int n, int timeout, const sigset_t *mask)
{
    REAL(epoll_pwait);
    if (!scheduled())
        return real_epoll_pwait(ep, ev, n, timeout, mask);
    rl_sync_point();
    int r = real_epoll_pwait(ep, ev, n, 0, mask);
    if (r != 0 || timeout == 0)
        return r;
    bool began = rl_sys_begin();
    r = real_epoll_pwait(ep, ev, n, timeout, mask);
    int e = errno;
    rl_sys_end(began);
    errno = e;
    return r;
}

WEAK int select(int n, fd_set *restrict r, fd_set *restrict w, fd_set *restrict x,
           struct timeval *restrict t)
{
    REAL(select);
    if (!scheduled())
        return real_select(n, r, w, x, t);
    rl_sync_point();
    fd_set r2, w2, x2;
    struct timeval zero = { 0, 0 };
    if (r) r2 = *r;
    if (w) w2 = *w;
    if (x) x2 = *x;
    int k = real_select(n, r ? &r2 : NULL, w ? &w2 : NULL, x ? &x2 : NULL, &zero);
    if (k != 0 || (t && t->tv_sec == 0 && t->tv_usec == 0)) {
        if (k > 0) {
            if (r) *r = r2;
            if (w) *w = w2;
            if (x) *x = x2;
        }
        return k;
    }
    bool began = rl_sys_begin();
    k = real_select(n, r, w, x, t);
    int e = errno;
    rl_sys_end(began);
    errno = e;
    return k;
}
