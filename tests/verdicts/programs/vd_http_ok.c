/* vd_http_ok.c - a minimal single-threaded HTTP/1.0 responder on
 * --port N: answers every request "200 OK" and closes.  A clean server
 * for the load tests. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    static const char reply[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n"
                                "Connection: close\r\n\r\nok\n";
    struct sockaddr_in sa = {.sin_family = AF_INET};
    int one = 1, fd;

    if (argc < 3 || strcmp(argv[1], "--port") != 0) {
        fprintf(stderr, "usage: %s --port N\n", argv[0]);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    sa.sin_port = htons((unsigned short)atoi(argv[2]));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    fd = socket(AF_INET, SOCK_STREAM, 0);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        perror("bind/listen");
        return 1;
    }
    for (;;) {
        char buf[2048];
        int c = accept(fd, NULL, NULL);
        if (c < 0)
            continue;
        if (read(c, buf, sizeof buf) > 0 &&
            write(c, reply, sizeof reply - 1) < 0)
            perror("write");
        close(c);
    }
}
