/* server.h - the acceptor/poller thread, the connections it owns and the
 * request handling that workers run. */
#ifndef RACELAB_SERVER_H
#define RACELAB_SERVER_H

#include "options.h"

/* Runs the server until server_request_stop(): listens, prints
 * "listening on HOST:PORT" on stdout, serves, then shuts down gracefully.
 * Returns 0 after a clean shutdown, 1 if the server could not start. */
int server_run(const struct server_options *opt);

/* Asks server_run() to shut down.  Async-signal-safe (one write(2) to an
 * eventfd), so it may be called from any thread or a signal handler. */
void server_request_stop(int signo);

#endif
