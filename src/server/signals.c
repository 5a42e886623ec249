/* signals.c - SIGINT and SIGTERM handled by a thread that waits for them.
 *
 * The main thread blocks the shutdown signals before any other thread
 * exists, so every thread inherits the mask and the kernel can deliver
 * them only to the one thread that sigwait()s.  That thread runs ordinary
 * code, not a signal handler, so what it calls need not be
 * async-signal-safe.
 */
#include "signals.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static pthread_t signal_thread;
static bool started;
static signals_shutdown_fn shutdown_fn;
static sigset_t shutdown_set;

static void *signal_main(void *arg)
{
    (void)arg;
    for (;;) {
        int signo;
        if (sigwait(&shutdown_set, &signo) != 0)
            continue;
        if (signo == SIGUSR1)       /* signals_stop(): time to go */
            return NULL;
        fprintf(stderr, "racelab-server: %s, shutting down\n", strsignal(signo));
        shutdown_fn(signo);
    }
}

int signals_start(signals_shutdown_fn on_shutdown)
{
    shutdown_fn = on_shutdown;
    /* A peer that closes early must not kill us with SIGPIPE; writes fail
     * with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);

    sigemptyset(&shutdown_set);
    sigaddset(&shutdown_set, SIGINT);
    sigaddset(&shutdown_set, SIGTERM);
    sigaddset(&shutdown_set, SIGUSR1);
    int rc = pthread_sigmask(SIG_BLOCK, &shutdown_set, NULL);
    if (rc == 0)
        rc = pthread_create(&signal_thread, NULL, signal_main, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    started = true;
    return 0;
}

void signals_stop(void)
{
    if (!started)
        return;
    pthread_kill(signal_thread, SIGUSR1);
    pthread_join(signal_thread, NULL);
    started = false;
}
