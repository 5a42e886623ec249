/* loadgen.h - the load generator.
 *
 * It runs in a separate process (racelab re-executes itself as
 * `racelab __loadgen ...`), so that ThreadSanitizer, which only sees the
 * server's process, can never mistake the clients' socket round trips for
 * synchronization inside the server.  It reports to the parent through its
 * stdout, one line at a time:
 *
 *   p COMPLETED INFLIGHT            every 100 ms: responses so far, and how
 *                                   many clients are waiting on the server
 *   r key=value ...                 once, at the end: the tallies
 */
#ifndef RACELAB_LOADGEN_H
#define RACELAB_LOADGEN_H

#include <stdbool.h>

/* The final tallies, as parsed from the "r" line by the parent. */
struct load_result {
    bool have;                  /* an "r" line arrived */
    long long requests;         /* requests sent */
    long long responses;        /* complete responses received */
    long long errors;           /* transport / protocol errors */
    long long wrong;            /* responses that failed verification */
    long long distinct;         /* distinct files fetched with status 200 */
    long long max_ms;           /* slowest response, milliseconds */
    char slow_req[160];         /* the slowest request */
    char first_error[240];      /* the first error or wrong response */
};

/* Profiles: mixed, stats, close, hits (docs/MANIFEST.md), and "paths"
 * (GETs of --path arguments, no body check; for `stress --http`). */
bool loadgen_profile_known(const char *name);

/* Entry point of `racelab __loadgen`.  Returns the process exit status. */
int loadgen_main(int argc, char **argv);

/* Parses one "r ..." line into R. */
void loadgen_parse_result(const char *line, struct load_result *r);

#endif
