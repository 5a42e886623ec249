/* signals.h - turning SIGINT and SIGTERM into a graceful shutdown.
 *
 * signals_start() is called by the main thread before any other thread is
 * created.  Each SIGINT or SIGTERM that arrives calls ON_SHUTDOWN(signo)
 * (a second signal asks again; asking twice is harmless); it is
 * server_request_stop(), which is async-signal-safe.  SIGPIPE is ignored
 * for the whole process.
 */
#ifndef RACELAB_SIGNALS_H
#define RACELAB_SIGNALS_H

typedef void (*signals_shutdown_fn)(int signo);

int signals_start(signals_shutdown_fn on_shutdown);

/* Stops whatever signals_start() started (joins its thread, if any).
 * When it returns, ON_SHUTDOWN is not running on any thread and is never
 * called again, so the caller may release what it uses (the server closes
 * the descriptor server_request_stop() writes to right after). */
void signals_stop(void);

#endif
