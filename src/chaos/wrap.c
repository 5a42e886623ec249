/* wrap.c - the -Wl,--wrap entry points linked into racelab-server.
 *
 * The linker sends each call our objects make to pthread_mutex_lock to
 * __wrap_pthread_mutex_lock, and __real_pthread_mutex_lock to the real one
 * (under TSan, to TSan's interceptor, which then still sees the lock). */
#include "chaos.h"

#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#define WRAP(ret, name, params, args)           \
    ret __real_##name params;                   \
    ret __wrap_##name params;                   \
    ret __wrap_##name params                    \
    {                                           \
        chaos_point();                          \
        return __real_##name args;              \
    }

WRAP(int, pthread_mutex_lock, (pthread_mutex_t *m), (m))
/* After the unlock, not before: delaying a thread just past a critical
 * section is what lets another thread run its critical section in
 * between, which opens exactly the windows unprotected code relies on
 * being short.  (Delaying before the unlock only lengthens the section.) */
int __real_pthread_mutex_unlock(pthread_mutex_t *m);
int __wrap_pthread_mutex_unlock(pthread_mutex_t *m);
int __wrap_pthread_mutex_unlock(pthread_mutex_t *m)
{
    int rc = __real_pthread_mutex_unlock(m);
    chaos_point();
    return rc;
}
WRAP(int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m), (c, m))
WRAP(int, pthread_cond_signal, (pthread_cond_t *c), (c))
WRAP(int, pthread_cond_broadcast, (pthread_cond_t *c), (c))
WRAP(int, pthread_create, (pthread_t *t, const pthread_attr_t *a,
                           void *(*fn)(void *), void *arg), (t, a, fn, arg))
WRAP(int, accept4, (int fd, struct sockaddr *sa, socklen_t *len, int flags),
     (fd, sa, len, flags))
WRAP(ssize_t, recv, (int fd, void *buf, size_t n, int flags), (fd, buf, n, flags))
WRAP(ssize_t, sendmsg, (int fd, const struct msghdr *msg, int flags), (fd, msg, flags))
WRAP(ssize_t, read, (int fd, void *buf, size_t n), (fd, buf, n))
WRAP(ssize_t, write, (int fd, const void *buf, size_t n), (fd, buf, n))
