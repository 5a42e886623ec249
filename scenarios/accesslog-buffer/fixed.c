/* accesslog.c - Common Log Format lines, one write(2) per line.
 *
 * Each line is formatted in a buffer on the caller's stack, with the
 * reentrant inet_ntop() and localtime_r(), and written with a single
 * write() to a descriptor opened O_APPEND, so lines from different workers
 * never interleave and no lock is needed.
 */
#include "accesslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int log_fd = -1;         /* set before workers start */

int accesslog_open(const char *path)
{
    if (path == NULL)
        return 0;
    if (strcmp(path, "-") == 0) {
        log_fd = dup(STDOUT_FILENO);
    } else {
        log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    }
    return log_fd < 0 ? -1 : 0;
}

/* Copies S into OUT, escaping what must not reach a log verbatim:
 * control bytes, quotes, backslashes and non-ASCII as \xHH. */
static size_t escape(char *out, size_t size, const char *s)
{
    size_t o = 0;
    for (; *s && o + 5 < size; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
            o += (size_t)snprintf(out + o, size - o, "\\x%02x", c);
        else
            out[o++] = (char)c;
    }
    out[o] = '\0';
    return o;
}

void accesslog_write(const struct sockaddr_in *peer, const char *method,
                     const char *target, int version_minor, int status,
                     size_t body_bytes)
{
    if (log_fd < 0)
        return;

    char addr[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &peer->sin_addr, addr, sizeof(addr)) == NULL)
        strcpy(addr, "-");

    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);

    char m[64], t[1024];
    escape(m, sizeof(m), method);
    escape(t, sizeof(t), target);

    char line[1400];
    int n = snprintf(line, sizeof(line), "%s - - [%s] \"%s %s HTTP/1.%d\" %d %zu\n",
                     addr, when, m, t, version_minor, status, body_bytes);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    /* A short write here means the disk is full; the log is best effort. */
    ssize_t w = write(log_fd, line, (size_t)n);
    (void)w;
}

void accesslog_close(void)
{
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
}
