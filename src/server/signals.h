/* signals.h - turning SIGINT and SIGTERM into a graceful shutdown.
 *
 * signals_start() is called by the main thread before any other thread is
 * created.  When SIGINT or SIGTERM arrives, ON_SHUTDOWN(signo) is called
 * once; it is server_request_stop(), which is async-signal-safe.  SIGPIPE
 * is ignored for the whole process.
 */
#ifndef RACELAB_SIGNALS_H
#define RACELAB_SIGNALS_H

typedef void (*signals_shutdown_fn)(int signo);

int signals_start(signals_shutdown_fn on_shutdown);

/* Stops whatever signals_start() started (joins its thread, if any). */
void signals_stop(void);

#endif
