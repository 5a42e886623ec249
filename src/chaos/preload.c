/* preload.c - librlchaos.so: the same perturbation for any dynamically
 * linked program, through LD_PRELOAD (racelab stress --chaos).
 *
 * Not for TSan-built programs: TSan's interceptors live in the executable
 * and are found before any preloaded library.  Build those with
 * -Wl,--wrap as racelab-server is (see cmake/racelab.cmake).
 *
 * The real functions are looked up once, by a constructor, or by
 * pthread_once if the program calls in earlier (another library's
 * constructor taking a lock): a lazily filled static pointer per wrapper
 * would itself be a data race in the very programs we are testing. */
#include "chaos.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

static struct {
    int (*mutex_lock)(pthread_mutex_t *);
    int (*mutex_unlock)(pthread_mutex_t *);
    int (*cond_signal)(pthread_cond_t *);
    int (*cond_broadcast)(pthread_cond_t *);
    int (*accept4)(int, struct sockaddr *, socklen_t *, int);
    ssize_t (*recv)(int, void *, size_t, int);
    ssize_t (*send)(int, const void *, size_t, int);
} real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;
static int real_ready;          /* release-stored once real is filled */

static void resolve_real(void)
{
    *(void **)&real.mutex_lock = dlsym(RTLD_NEXT, "pthread_mutex_lock");
    *(void **)&real.mutex_unlock = dlsym(RTLD_NEXT, "pthread_mutex_unlock");
    *(void **)&real.cond_signal = dlsym(RTLD_NEXT, "pthread_cond_signal");
    *(void **)&real.cond_broadcast = dlsym(RTLD_NEXT, "pthread_cond_broadcast");
    *(void **)&real.accept4 = dlsym(RTLD_NEXT, "accept4");
    *(void **)&real.recv = dlsym(RTLD_NEXT, "recv");
    *(void **)&real.send = dlsym(RTLD_NEXT, "send");
    __atomic_store_n(&real_ready, 1, __ATOMIC_RELEASE);
}

__attribute__((constructor)) static void preload_init(void)
{
    pthread_once(&real_once, resolve_real);
}

static inline void need_real(void)
{
    if (!__atomic_load_n(&real_ready, __ATOMIC_ACQUIRE))
        pthread_once(&real_once, resolve_real);
}

int pthread_mutex_lock(pthread_mutex_t *m)
{
    need_real();
    chaos_point();
    return real.mutex_lock(m);
}

int pthread_mutex_unlock(pthread_mutex_t *m)
{
    int rc;

    need_real();
    rc = real.mutex_unlock(m);
    chaos_point();      /* after, as in wrap.c */
    return rc;
}

int pthread_cond_signal(pthread_cond_t *c)
{
    need_real();
    chaos_point();
    return real.cond_signal(c);
}

int pthread_cond_broadcast(pthread_cond_t *c)
{
    need_real();
    chaos_point();
    return real.cond_broadcast(c);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    need_real();
    chaos_point();
    return real.accept4(fd, sa, len, flags);
}

ssize_t recv(int fd, void *buf, size_t n, int flags)
{
    need_real();
    chaos_point();
    return real.recv(fd, buf, n, flags);
}

ssize_t send(int fd, const void *buf, size_t n, int flags)
{
    need_real();
    chaos_point();
    return real.send(fd, buf, n, flags);
}
