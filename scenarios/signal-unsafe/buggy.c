/* signals.c - SIGINT and SIGTERM turned into a graceful shutdown by a
 * signal handler.
 *
 * A handler is simpler than a dedicated thread: nothing to start, mask or
 * join.  It only says why we stop and asks the server to stop; the server
 * then shuts down on its own threads.
 */
#include "signals.h"

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static signals_shutdown_fn shutdown_fn;     /* set before the handler is */
static bool installed;

/* Writes one formatted line to stderr with a single write(), so that it
 * never interleaves with what other threads print. */
static void log_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void log_line(const char *fmt, ...)
{
    va_list ap;
    char *line;
    va_start(ap, fmt);
    int n = vasprintf(&line, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
    free(line);
}

static void on_signal(int signo)
{
    log_line("racelab-server: %s, shutting down\n", strsignal(signo));
    shutdown_fn(signo);
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
