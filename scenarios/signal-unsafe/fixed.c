/* signals.c - SIGINT and SIGTERM turned into a graceful shutdown by a
 * signal handler.
 *
 * A handler is simpler than a dedicated thread: nothing to start, mask or
 * join.  It only says why we stop and asks the server to stop; the server
 * then shuts down on its own threads.  The handler may interrupt any
 * thread anywhere, even inside malloc() or stdio, so it calls only
 * async-signal-safe functions (signal-safety(7)): write(2) and
 * server_request_stop().
 */
#include "signals.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

static signals_shutdown_fn shutdown_fn;     /* set before the handler is */
static bool installed;

static void on_signal(int signo)
{
    static const char msg[] = "racelab-server: signal received, shutting down\n";
    int saved_errno = errno;    /* the interrupted code may be about to read it */
    ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
    (void)w;
    shutdown_fn(signo);
    errno = saved_errno;
}

int signals_start(signals_shutdown_fn on_shutdown)
{
    shutdown_fn = on_shutdown;
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
    installed = false;
}
