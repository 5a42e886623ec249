/* preload.c - librlchaos.so: the same perturbation for any dynamically
 * linked program, through LD_PRELOAD (racelab stress --chaos).
 *
 * Not for TSan-built programs: TSan's interceptors live in the executable
 * and are found before any preloaded library.  Build those with
 * -Wl,--wrap as racelab-server is (see cmake/racelab.cmake). */
#include "chaos.h"

#include <dlfcn.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define PRELOAD(ret, name, params, args)                         \
    ret name params                                              \
    {                                                            \
        static ret (*real) params;                               \
        if (real == NULL)                                        \
            *(void **)&real = dlsym(RTLD_NEXT, #name);           \
        chaos_point();                                           \
        return real args;                                        \
    }

PRELOAD(int, pthread_mutex_lock, (pthread_mutex_t *m), (m))
int pthread_mutex_unlock(pthread_mutex_t *m)
{
    static int (*real)(pthread_mutex_t *);
    if (real == NULL)
        *(void **)&real = dlsym(RTLD_NEXT, "pthread_mutex_unlock");
    int rc = real(m);
    chaos_point();      /* after, as in wrap.c */
    return rc;
}
PRELOAD(int, pthread_cond_signal, (pthread_cond_t *c), (c))
PRELOAD(int, pthread_cond_broadcast, (pthread_cond_t *c), (c))
PRELOAD(int, accept4, (int fd, struct sockaddr *sa, socklen_t *len, int flags),
        (fd, sa, len, flags))
PRELOAD(ssize_t, recv, (int fd, void *buf, size_t n, int flags), (fd, buf, n, flags))
PRELOAD(ssize_t, send, (int fd, const void *buf, size_t n, int flags), (fd, buf, n, flags))
