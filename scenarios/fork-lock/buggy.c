/* accesslog.c (fork-lock) - Common Log Format lines, rotated by size.
 *
 * Each line is formatted into one buffer and written with one write(2),
 * both under log_lock, which also guards the byte count and the
 * descriptor that rotation swaps.  When the live log passes ROTATE_BYTES,
 * the worker that wrote the last line renames it to PATH.N, opens a fresh
 * PATH, and has gzip compress PATH.N in a child process, so that
 * compressing never holds up a request.
 *
 * LOCK ORDER: log_lock is a leaf.
 */
#include "accesslog.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Small, so that a lab session sees the log rotate within seconds. */
#define ROTATE_BYTES (8 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
/* Protected by log_lock. */
static int log_fd = -1;
static size_t log_bytes;
static unsigned rotations;
static char line[1400];
/* Set by accesslog_open() before workers start. */
static bool enabled;
static char *log_path;          /* NULL for stdout */

int accesslog_open(const char *path)
{
    if (path == NULL)
        return 0;
    if (strcmp(path, "-") == 0) {
        log_fd = dup(STDOUT_FILENO);
    } else {
        log_fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        log_path = log_fd >= 0 ? strdup(path) : NULL;
    }
    struct stat st;
    log_bytes = log_fd >= 0 && fstat(log_fd, &st) == 0 ? (size_t)st.st_size : 0;
    enabled = log_fd >= 0;
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

/* Called with log_lock held: moves the live log to ROTATED and starts a
 * new one.  Returns 0, or -1 if the log could not be rotated. */
static int do_rotate(char *rotated, size_t size)
{
    snprintf(rotated, size, "%s.%u", log_path, ++rotations);
    if (rename(log_path, rotated) < 0)
        return -1;
    int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd < 0)
        return -1;
    close(log_fd);
    log_fd = fd;
    log_bytes = 0;
    return 0;
}

/* Compresses ROTATED with gzip, in the background. */
static void compress_in_background(const char *rotated)
{
    /* Collect the compressors that have finished since last time. */
    while (waitpid(-1, NULL, WNOHANG) > 0)
        ;
    pid_t pid = fork();
    if (pid == 0) {
        /* The compressor must not keep our live log open. */
        accesslog_close();
        execlp("gzip", "gzip", "-f", rotated, (char *)NULL);
        _exit(127);
    }
}

void accesslog_write(const struct sockaddr_in *peer, const char *method,
                     const char *target, int version_minor, int status,
                     size_t body_bytes)
{
    if (!enabled)
        return;

    char addr[INET_ADDRSTRLEN];
    if (inet_ntop(AF_INET, &peer->sin_addr, addr, sizeof(addr)) == NULL)
        strcpy(addr, "-");

    char m[64], t[1024];
    escape(m, sizeof(m), method);
    escape(t, sizeof(t), target);

    char rotated[PATH_MAX];
    bool compress = false;
    pthread_mutex_lock(&log_lock);
    /* The time is taken under the lock, so that the file is in time
     * order. */
    char when[64];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S %z", &tm);
    int n = snprintf(line, sizeof(line), "%s - - [%s] \"%s %s HTTP/1.%d\" %d %zu\n",
                     addr, when, m, t, version_minor, status, body_bytes);
    if (n >= 0 && log_fd >= 0) {
        if ((size_t)n >= sizeof(line))
            n = sizeof(line) - 1;
        /* A short write means the disk is full; the log is best effort. */
        ssize_t w = write(log_fd, line, (size_t)n);
        if (w > 0)
            log_bytes += (size_t)w;
    }
    if (log_path != NULL && log_bytes >= ROTATE_BYTES)
        compress = do_rotate(rotated, sizeof(rotated)) == 0;
    pthread_mutex_unlock(&log_lock);
    if (compress)
        compress_in_background(rotated);
}

void accesslog_close(void)
{
    pthread_mutex_lock(&log_lock);
    if (log_fd >= 0)
        close(log_fd);
    log_fd = -1;
    free(log_path);
    log_path = NULL;
    enabled = false;
    pthread_mutex_unlock(&log_lock);
}
