/* options.h - racelab-server's command line. */
#ifndef RACELAB_OPTIONS_H
#define RACELAB_OPTIONS_H

#include <stddef.h>
#include <stdio.h>

struct server_options {
    const char *host;           /* --host, default 127.0.0.1 */
    int port;                   /* --port, 0 = the kernel picks */
    const char *root;           /* --root, default "." */
    int threads;                /* --threads, default: online CPUs */
    size_t cache_bytes;         /* --cache-mb, default 64 MiB */
    int idle_timeout;           /* --idle-timeout seconds, default 10 */
    int max_connections;        /* --max-connections, default 1024 */
    size_t max_request_line;    /* --max-request-line, default 8190 */
    size_t max_header_bytes;    /* --max-header-bytes, default 16384 */
    size_t max_body_bytes;      /* --max-body-bytes, default 65536 */
    const char *access_log;     /* --access-log PATH, default none */
    int backlog;                /* --backlog, default 1024 */
};

enum options_result { OPTIONS_OK, OPTIONS_HELP, OPTIONS_VERSION, OPTIONS_ERROR };

/* Fills O from ARGV.  On OPTIONS_ERROR, ERR names the bad flag. */
enum options_result options_parse(int argc, char **argv,
                                  struct server_options *o,
                                  char *err, size_t errlen);
void options_usage(FILE *out);

#endif
