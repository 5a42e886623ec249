/* main.c - racelab-server: a static-file HTTP/1.1 server whose worker
 * threads share a response cache.  See docs/ARCHITECTURE.md. */
#include "options.h"
#include "server.h"

#include <stdio.h>

#ifndef RACELAB_VERSION
#define RACELAB_VERSION "0.1.0"
#endif

int main(int argc, char **argv)
{
    struct server_options opt;
    char err[256];

    switch (options_parse(argc, argv, &opt, err, sizeof(err))) {
    case OPTIONS_HELP:
        options_usage(stdout);
        return 0;
    case OPTIONS_VERSION:
        printf("racelab-server %s (%s build)\n", RACELAB_VERSION, RACELAB_FLAVOR);
        return 0;
    case OPTIONS_ERROR:
        fprintf(stderr, "racelab-server: %s\n", err);
        fprintf(stderr, "Try 'racelab-server --help'.\n");
        return 2;
    case OPTIONS_OK:
        break;
    }
    return server_run(&opt);
}
