/* dispatch.c - a thread per submitted connection.
 *
 * No pool and no queue: dispatch_submit() starts a handler thread that
 * serves the one connection and exits.  Handlers are detached, so each
 * one's stack and descriptor go back to the system when it returns.
 * dispatch_stop() cannot join detached threads; it waits instead for the
 * count of running handlers to reach zero.
 *
 * LOCK ORDER: handlers_lock is a leaf.  handlers_lock guards running and
 * stopping; handlers_done is signalled when running drops to zero.
 */
#include "dispatch.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>

static pthread_mutex_t handlers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t handlers_done = PTHREAD_COND_INITIALIZER;
/* Protected by handlers_lock. */
static int running;             /* handlers started and not yet finished */
static bool stopping;
/* Set once by dispatch_start() before the first submit. */
static dispatch_serve_fn serve_fn;

static void *handler_main(void *conn)
{
    serve_fn(conn);
    pthread_mutex_lock(&handlers_lock);
    if (--running == 0)
        pthread_cond_broadcast(&handlers_done);
    pthread_mutex_unlock(&handlers_lock);
    return NULL;
}

int dispatch_start(int nthreads, dispatch_serve_fn serve)
{
    (void)nthreads;             /* as many threads as connections */
    serve_fn = serve;
    pthread_mutex_lock(&handlers_lock);
    stopping = false;
    pthread_mutex_unlock(&handlers_lock);
    return 0;
}

int dispatch_submit(void *conn)
{
    pthread_mutex_lock(&handlers_lock);
    if (stopping) {
        pthread_mutex_unlock(&handlers_lock);
        return -1;
    }
    running++;
    pthread_mutex_unlock(&handlers_lock);

    pthread_t t;
    int rc = pthread_create(&t, NULL, handler_main, conn);
    if (rc != 0) {
        pthread_mutex_lock(&handlers_lock);
        if (--running == 0)
            pthread_cond_broadcast(&handlers_done);
        pthread_mutex_unlock(&handlers_lock);
        errno = rc;
        return -1;
    }
    pthread_detach(t);
    return 0;
}

void dispatch_stop(void)
{
    pthread_mutex_lock(&handlers_lock);
    stopping = true;
    while (running > 0)
        pthread_cond_wait(&handlers_done, &handlers_lock);
    pthread_mutex_unlock(&handlers_lock);
}

int dispatch_thread_count(void)
{
    pthread_mutex_lock(&handlers_lock);
    int n = running;
    pthread_mutex_unlock(&handlers_lock);
    return n;
}
