/* gate_server.c - a tiny HTTP server for the CI-gate tests: one thread
 * per connection answers every request with "ok".  Built twice: with
 * -DGATE_RACY=1 the request counter is bumped with no lock (a data race
 * between connection threads: requests@gate_server.c:count_request:W vs.
 * the same write in another thread); with -DGATE_RACY=0 a mutex guards it
 * (the clean control).  Usage: gate_server --port PORT.  SIGTERM: exit 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef GATE_RACY
#define GATE_RACY 1
#endif

static volatile sig_atomic_t stop;
static long requests;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static void on_term(int sig)
{
    (void)sig;
    stop = 1;
}

static void count_request(void)
{
#if GATE_RACY
    requests++;                         /* racing write: no lock */
#else
    pthread_mutex_lock(&lock);
    requests++;
    pthread_mutex_unlock(&lock);
#endif
}

static void *serve(void *arg)
{
    int fd = (int)(long)arg;
    char buf[4096];
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                "Connection: close\r\n\r\nok\n";
    ssize_t n = read(fd, buf, sizeof buf);

    if (n > 0 && write(fd, reply, sizeof reply - 1) < 0)
        perror("write");
    close(fd);
    /* Counted after the connection is closed: TSan orders socket writes
     * before later socket reads in any thread (one sync object for all
     * sockets), so a count made before the reply would look ordered with
     * the next connection's and the race would show only when two
     * requests overlap; after the close nothing orders it. */
    if (n > 0)
        count_request();
    return NULL;
}

int main(int argc, char **argv)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    int port = -1, one = 1, ls;
    struct sigaction sa = {.sa_handler = on_term};

    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--port") == 0)
            port = atoi(argv[i + 1]);
    if (port < 0) {
        fprintf(stderr, "usage: gate_server --port PORT\n");
        return 2;
    }
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    ls = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    a.sin_port = htons((unsigned short)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 128) < 0) {
        perror("bind/listen");
        return 1;
    }
    while (!stop) {
        struct pollfd p = {.fd = ls, .events = POLLIN};
        pthread_t t;
        int fd;

        if (poll(&p, 1, 100) <= 0)
            continue;
        fd = accept(ls, NULL, NULL);
        if (fd < 0)
            continue;
        if (pthread_create(&t, NULL, serve, (void *)(long)fd) != 0) {
            close(fd);
            continue;
        }
        pthread_detach(t);
    }
    close(ls);
    pthread_mutex_lock(&lock);
    printf("served %ld requests\n", requests);
    pthread_mutex_unlock(&lock);
    return 0;
}
