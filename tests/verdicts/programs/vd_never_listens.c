/* vd_never_listens.c - takes a port like a server, then never binds it:
 * a load test against it tests nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int port = argc > 2 ? atoi(argv[2]) : 0;

    fprintf(stderr, "configured for port %d, but listening is not done yet\n",
            port);
    for (;;)
        pause();
}
