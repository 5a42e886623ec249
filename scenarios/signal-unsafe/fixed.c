/* signals.c - SIGINT and SIGTERM turned into a graceful shutdown by a
 * signal handler.
 *
 * A handler is simpler than a dedicated thread: nothing to start, mask or
 * join.  It only says why we stop and asks the server to stop; the server
 * then shuts down on its own threads.  The handler may interrupt any
 * thread anywhere, even inside malloc() or stdio, so it calls only
 * async-signal-safe functions (signal-safety(7)): write(2) and
 * server_request_stop(), and lock-free atomics.
 *
 * A handler may still be running on another thread when signals_stop()
 * ignores the signals, and the server closes the descriptor
 * server_request_stop() writes to right after signals_stop() returns.  So
 * the handler announces itself in handlers_running before it looks at
 * stopped, and signals_stop() sets stopped before it waits for
 * handlers_running to drop to zero (both sequentially consistent: either
 * signals_stop() sees the handler, or the handler sees stopped).
 */
#include "signals.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static signals_shutdown_fn shutdown_fn;     /* set before the handler is */
static bool installed;
static atomic_bool stopped;
static atomic_int handlers_running;

static void on_signal(int signo)
{
    static const char msg[] = "racelab-server: signal received, shutting down\n";
    int saved_errno = errno;    /* the interrupted code may be about to read it */
    atomic_fetch_add(&handlers_running, 1);
    if (!atomic_load(&stopped)) {
        ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)w;
        shutdown_fn(signo);
    }
    atomic_fetch_sub(&handlers_running, 1);
    errno = saved_errno;
}

int signals_start(signals_shutdown_fn on_shutdown)
{
    shutdown_fn = on_shutdown;
    atomic_store(&stopped, false);
    /* A peer that closes early must not kill us with SIGPIPE; writes fail
     * with EPIPE instead. */
    signal(SIGPIPE, SIG_IGN);

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return -1;
    installed = true;
    return 0;
}

void signals_stop(void)
{
    if (!installed)
        return;
    /* The server is already stopping; later signals have nothing to ask. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    /* A handler that began before may still run on another thread: wait
     * for it, the caller is about to close what it writes to. */
    atomic_store(&stopped, true);
    while (atomic_load(&handlers_running) > 0)
        sched_yield();
    installed = false;
}
