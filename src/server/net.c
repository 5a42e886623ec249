/* net.c - socket, bind, listen. */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int net_listen(const char *host, int port, int backlog, int *bound_port,
               char *err, size_t errlen)
{
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, errlen, "--host %s: not an IPv4 address", host);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return -1;
    }
    /* After a restart, the previous server's connections linger in
     * TIME_WAIT for up to 2*MSL (60 s on Linux) so that late segments of an
     * old connection cannot be mistaken for a new one.  Without
     * SO_REUSEADDR, bind() fails with EADDRINUSE for that whole time even
     * though nothing is listening.  SO_REUSEADDR lets us bind anyway; it
     * does not let two servers listen on the same port. */
    int one = 1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0) {
        snprintf(err, errlen, "setsockopt SO_REUSEADDR: %s", strerror(errno));
        goto error;
    }
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        snprintf(err, errlen, "bind %s:%d: %s", host, port, strerror(errno));
        goto error;
    }
    if (listen(fd, backlog) < 0) {
        snprintf(err, errlen, "listen: %s", strerror(errno));
        goto error;
    }
    socklen_t len = sizeof(sa);
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        snprintf(err, errlen, "getsockname: %s", strerror(errno));
        goto error;
    }
    *bound_port = ntohs(sa.sin_port);
    return fd;

error:
    close(fd);
    return -1;
}
