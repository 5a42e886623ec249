/* dispatch.h - who serves a connection that has input waiting.
 *
 * The acceptor thread calls dispatch_submit() for each ready connection;
 * the dispatch module runs SERVE(conn) on some thread.  The correct module
 * is a fixed pool of worker threads fed through a workqueue.
 */
#ifndef RACELAB_DISPATCH_H
#define RACELAB_DISPATCH_H

typedef void (*dispatch_serve_fn)(void *conn);

/* Starts NTHREADS workers that call SERVE (again after dispatch_stop(), if
 * need be).  Returns 0 or -1 (errno set). */
int dispatch_start(int nthreads, dispatch_serve_fn serve);

/* Hands CONN to a worker.  Returns 0, or -1 if dispatch is stopping or no
 * thread could take it (the caller then closes CONN itself). */
int dispatch_submit(void *conn);

/* Serves what was already submitted, then stops.  When it returns every
 * submitted connection has been served, no thread the module started is
 * running SERVE or module code any more, and none is left behind: each was
 * joined, or detached so that the system reclaims it when it exits (a
 * detached thread may still be finishing its exit, touching nothing of
 * ours).  Connections that keep arriving therefore cannot grow memory. */
void dispatch_stop(void);

/* Threads the module has running now (for /-/stats). */
int dispatch_thread_count(void);

#endif
