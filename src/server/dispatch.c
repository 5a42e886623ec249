/* dispatch.c - a fixed pool of worker threads fed through a workqueue.
 *
 * The acceptor submits connections that have input; each worker pops one,
 * serves it and goes back for the next.  dispatch_stop() closes the queue,
 * so workers drain what is left and return, and joins every one of them.
 */
#include "dispatch.h"
#include "workqueue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>

static struct workqueue *queue;
static pthread_t *workers;
/* Written by dispatch_start() as each worker starts (workers read it only
 * for /-/stats, after a connection reached them through the queue, whose
 * lock orders those writes before the read) and by dispatch_stop() after
 * every worker is joined. */
static int nworkers;
static dispatch_serve_fn serve_fn;

static void *worker_main(void *arg)
{
    (void)arg;
    void *conn;
    while ((conn = workqueue_pop(queue)) != NULL)
        serve_fn(conn);
    return NULL;
}

int dispatch_start(int nthreads, dispatch_serve_fn serve)
{
    serve_fn = serve;
    /* Room for a burst of ready connections per worker; beyond it the
     * acceptor blocks, which pushes back on clients. */
    queue = workqueue_create((size_t)nthreads * 256);
    workers = calloc((size_t)nthreads, sizeof(*workers));
    if (queue == NULL || workers == NULL) {
        workqueue_destroy(queue);
        free(workers);
        errno = ENOMEM;
        return -1;
    }
    for (int i = 0; i < nthreads; i++) {
        int rc = pthread_create(&workers[i], NULL, worker_main, NULL);
        if (rc != 0) {
            dispatch_stop();
            errno = rc;
            return -1;
        }
        nworkers++;
    }
    return 0;
}

int dispatch_submit(void *conn)
{
    return workqueue_push(queue, conn);
}

void dispatch_stop(void)
{
    if (queue == NULL)
        return;
    workqueue_close(queue);
    for (int i = 0; i < nworkers; i++)
        pthread_join(workers[i], NULL);
    nworkers = 0;
    free(workers);
    workers = NULL;
    workqueue_destroy(queue);
    queue = NULL;
}

int dispatch_thread_count(void)
{
    return nworkers;
}
