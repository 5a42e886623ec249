/* options.c - parsing racelab-server's flags with getopt_long. */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void options_usage(FILE *out)
{
    fputs(
"usage: racelab-server [OPTIONS]\n"
"Serve static files over HTTP/1.1 from a pool of worker threads that share\n"
"an in-memory response cache.  Counters at GET /-/stats (JSON).\n"
"\n"
"  --host ADDR             IPv4 address to bind (default 127.0.0.1)\n"
"  --port N                TCP port; 0 lets the kernel choose (default 8080)\n"
"  --root DIR              directory to serve (default .)\n"
"  --threads N             worker threads (default: online CPUs)\n"
"  --cache-mb N            response cache budget in MiB (default 64)\n"
"  --idle-timeout SECONDS  close idle connections; 408 if mid-request (default 10)\n"
"  --max-connections N     beyond it, answer 503 and close (default 1024)\n"
"  --max-request-line N    longest request line, else 414 (default 8190)\n"
"  --max-header-bytes N    largest request head, else 431 (default 16384)\n"
"  --max-body-bytes N      largest request body, else 413 (default 65536)\n"
"  --access-log PATH       Common Log Format lines to PATH (- for stdout)\n"
"  --backlog N             listen(2) backlog (default 1024)\n"
"  -h, --help              show this help\n"
"  --version               show the version\n"
"\n"
"The first line on stdout is 'listening on HOST:PORT'.  SIGINT or SIGTERM\n"
"stops accepting, finishes in-flight responses and exits 0.\n"
"Exit status: 0 clean shutdown, 1 runtime failure (e.g. bind), 2 bad usage.\n",
        out);
}

/* Parses a whole decimal number in [MIN, MAX]. */
static int parse_num(const char *s, long min, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

enum options_result options_parse(int argc, char **argv,
                                  struct server_options *o,
                                  char *err, size_t errlen)
{
    enum { OPT_HOST = 256, OPT_PORT, OPT_ROOT, OPT_THREADS, OPT_CACHE_MB,
           OPT_IDLE, OPT_MAXCONN, OPT_MAXLINE, OPT_MAXHEAD, OPT_MAXBODY,
           OPT_LOG, OPT_BACKLOG, OPT_VERSION };
    static const struct option longopts[] = {
        { "host", required_argument, NULL, OPT_HOST },
        { "port", required_argument, NULL, OPT_PORT },
        { "root", required_argument, NULL, OPT_ROOT },
        { "threads", required_argument, NULL, OPT_THREADS },
        { "cache-mb", required_argument, NULL, OPT_CACHE_MB },
        { "idle-timeout", required_argument, NULL, OPT_IDLE },
        { "max-connections", required_argument, NULL, OPT_MAXCONN },
        { "max-request-line", required_argument, NULL, OPT_MAXLINE },
        { "max-header-bytes", required_argument, NULL, OPT_MAXHEAD },
        { "max-body-bytes", required_argument, NULL, OPT_MAXBODY },
        { "access-log", required_argument, NULL, OPT_LOG },
        { "backlog", required_argument, NULL, OPT_BACKLOG },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, OPT_VERSION },
        { NULL, 0, NULL, 0 },
    };
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    *o = (struct server_options){
        .host = "127.0.0.1", .port = 8080, .root = ".",
        .threads = ncpu > 0 ? (int)ncpu : 2, .cache_bytes = 64u << 20,
        .idle_timeout = 10, .max_connections = 1024,
        .max_request_line = 8190, .max_header_bytes = 16384,
        .max_body_bytes = 65536, .access_log = NULL, .backlog = 1024,
    };

    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        long v = 0;
        const char *name = NULL;
        int bad = 0;
        switch (c) {
        case OPT_HOST: o->host = optarg; break;
        case OPT_ROOT: o->root = optarg; break;
        case OPT_LOG: o->access_log = optarg; break;
        case OPT_PORT:
            name = "--port"; bad = parse_num(optarg, 0, 65535, &v);
            o->port = (int)v; break;
        case OPT_THREADS:
            name = "--threads"; bad = parse_num(optarg, 1, 1024, &v);
            o->threads = (int)v; break;
        case OPT_CACHE_MB:
            name = "--cache-mb"; bad = parse_num(optarg, 0, 1 << 20, &v);
            o->cache_bytes = (size_t)v << 20; break;
        case OPT_IDLE:
            name = "--idle-timeout"; bad = parse_num(optarg, 1, 86400, &v);
            o->idle_timeout = (int)v; break;
        case OPT_MAXCONN:
            name = "--max-connections"; bad = parse_num(optarg, 1, 1 << 20, &v);
            o->max_connections = (int)v; break;
        case OPT_MAXLINE:
            name = "--max-request-line"; bad = parse_num(optarg, 16, 1 << 20, &v);
            o->max_request_line = (size_t)v; break;
        case OPT_MAXHEAD:
            name = "--max-header-bytes"; bad = parse_num(optarg, 64, 1 << 24, &v);
            o->max_header_bytes = (size_t)v; break;
        case OPT_MAXBODY:
            name = "--max-body-bytes"; bad = parse_num(optarg, 0, 1 << 30, &v);
            o->max_body_bytes = (size_t)v; break;
        case OPT_BACKLOG:
            name = "--backlog"; bad = parse_num(optarg, 1, 65535, &v);
            o->backlog = (int)v; break;
        case 'h':
            return OPTIONS_HELP;
        case OPT_VERSION:
            return OPTIONS_VERSION;
        case ':':
            snprintf(err, errlen, "option %s needs a value", argv[optind - 1]);
            return OPTIONS_ERROR;
        default:
            if (optopt != 0)    /* a short option, maybe inside a group */
                snprintf(err, errlen, "unknown option '-%c'", optopt);
            else
                snprintf(err, errlen, "unknown option '%s'", argv[optind - 1]);
            return OPTIONS_ERROR;
        }
        if (bad) {
            snprintf(err, errlen, "bad value '%s' for %s", optarg, name);
            return OPTIONS_ERROR;
        }
    }
    if (optind < argc) {
        snprintf(err, errlen, "unexpected argument '%s'", argv[optind]);
        return OPTIONS_ERROR;
    }
    if (o->max_request_line > o->max_header_bytes) {
        snprintf(err, errlen, "--max-request-line (%zu) exceeds --max-header-bytes (%zu)",
                 o->max_request_line, o->max_header_bytes);
        return OPTIONS_ERROR;
    }
    return OPTIONS_OK;
}
