/* kv_server.c - an outside-style test server for the CI gate: a small
 * multithreaded key-value service over a line protocol that is not HTTP.
 *
 *   GET k       -> "VALUE v" or "NOTFOUND"
 *   SET k v     -> "OK"            (v: a decimal number)
 *   INCR k      -> the new value   (a missing key counts from 0)
 *   STATS       -> "KEYS n"
 *   QUIT        -> closes the connection
 *
 * A pool of KV_WORKERS threads accepts on one listening socket; each
 * serves one connection at a time.  The table is guarded by table_lock,
 * but the per-entry hit counter is bumped by touch_entry() after the lock
 * is dropped: a data race (hits@kv_server.c:touch_entry:W vs. the same
 * write in another thread) that GET, SET and INCR all reach through their
 * own callers, so one racy statement shows up under many call paths, as in
 * a real server.  Variants (same file name and program name, so that race
 * identities compare across them):
 *   -DKV_CLEAN=1     touch_entry holds the lock: the race-free control;
 *   -DKV_NEW_RACE=1  also an unlocked command counter in count_command()
 *                    (commands@kv_server.c:count_command:W): a new race.
 * Usage: kv-server --port PORT.  SIGTERM: exit 0. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef KV_CLEAN
#define KV_CLEAN 0
#endif
#ifndef KV_NEW_RACE
#define KV_NEW_RACE 0
#endif
#define KV_WORKERS 4
#define KV_BUCKETS 64

struct entry {
    char key[32];
    long value;                 /* protected by table_lock */
    long hits;                  /* racy unless KV_CLEAN: see touch_entry */
    struct entry *next;         /* protected by table_lock */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct entry *table[KV_BUCKETS];
static long nkeys;                      /* protected by table_lock */
static atomic_int stop;                 /* set by SIGTERM (lock-free) */
static int listen_fd = -1;
#if KV_NEW_RACE
static long commands;                   /* the new race: no lock */
#endif

static void on_term(int sig)
{
    (void)sig;
    atomic_store(&stop, 1);
}

static unsigned bucket(const char *k)
{
    unsigned h = 5381;

    while (*k)
        h = h * 33 + (unsigned char)*k++;
    return h % KV_BUCKETS;
}

/* Called with table_lock held. */
static struct entry *do_find(const char *k, int create)
{
    struct entry **head = &table[bucket(k)], *e;

    for (e = *head; e; e = e->next)
        if (strcmp(e->key, k) == 0)
            return e;
    if (!create)
        return NULL;
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    snprintf(e->key, sizeof e->key, "%s", k);
    e->next = *head;
    *head = e;
    nkeys++;
    return e;
}

/* The racy statement every command reaches: entries are never freed, so
 * the pointer stays valid, but the counter itself is unguarded. */
static void touch_entry(struct entry *e)
{
#if KV_CLEAN
    pthread_mutex_lock(&table_lock);
    e->hits++;
    pthread_mutex_unlock(&table_lock);
#else
    e->hits++;
#endif
}

#if KV_NEW_RACE
static void count_command(void)
{
    commands++;
}
#endif

static void cmd_get(const char *k, char *out, size_t len)
{
    struct entry *e;
    long v = 0;

    pthread_mutex_lock(&table_lock);
    e = do_find(k, 0);
    if (e)
        v = e->value;
    pthread_mutex_unlock(&table_lock);
    if (!e) {
        snprintf(out, len, "NOTFOUND\n");
        return;
    }
    touch_entry(e);
    snprintf(out, len, "VALUE %ld\n", v);
}

static void cmd_set(const char *k, long v, char *out, size_t len)
{
    struct entry *e;

    pthread_mutex_lock(&table_lock);
    e = do_find(k, 1);
    if (e)
        e->value = v;
    pthread_mutex_unlock(&table_lock);
    if (!e) {
        snprintf(out, len, "ERR out of memory\n");
        return;
    }
    touch_entry(e);
    snprintf(out, len, "OK\n");
}

static void cmd_incr(const char *k, char *out, size_t len)
{
    struct entry *e;
    long v = 0;

    pthread_mutex_lock(&table_lock);
    e = do_find(k, 1);
    if (e)
        v = ++e->value;
    pthread_mutex_unlock(&table_lock);
    if (!e) {
        snprintf(out, len, "ERR out of memory\n");
        return;
    }
    touch_entry(e);
    snprintf(out, len, "%ld\n", v);
}

/* One request line into OUT; 0, or -1 to close the connection. */
static int dispatch(char *line, char *out, size_t len)
{
    char cmd[16], k[32];
    long v;
    int n = sscanf(line, "%15s %31s %ld", cmd, k, &v);

#if KV_NEW_RACE
    count_command();
#endif
    if (n >= 1 && strcmp(cmd, "QUIT") == 0)
        return -1;
    if (n == 2 && strcmp(cmd, "GET") == 0)
        cmd_get(k, out, len);
    else if (n == 3 && strcmp(cmd, "SET") == 0)
        cmd_set(k, v, out, len);
    else if (n == 2 && strcmp(cmd, "INCR") == 0)
        cmd_incr(k, out, len);
    else if (n == 1 && strcmp(cmd, "STATS") == 0) {
        pthread_mutex_lock(&table_lock);
        snprintf(out, len, "KEYS %ld\n", nkeys);
        pthread_mutex_unlock(&table_lock);
    } else
        snprintf(out, len, "ERR unknown command\n");
    return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

static void serve(int fd)
{
    char buf[4096], out[128];
    size_t have = 0;

    while (!atomic_load(&stop)) {
        struct pollfd p = {fd, POLLIN, 0};
        char *nl;
        ssize_t r;

        if (poll(&p, 1, 100) <= 0)
            continue;
        r = read(fd, buf + have, sizeof buf - 1 - have);
        if (r <= 0)
            return;
        have += (size_t)r;
        buf[have] = '\0';
        while ((nl = strchr(buf, '\n'))) {
            *nl = '\0';
            if (dispatch(buf, out, sizeof out) < 0 ||
                write_all(fd, out, strlen(out)) < 0)
                return;
            have -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, have + 1);
        }
        if (have == sizeof buf - 1)
            return;                     /* a line too long: drop the client */
    }
}

static void *worker(void *arg)
{
    (void)arg;
    while (!atomic_load(&stop)) {
        struct pollfd p = {listen_fd, POLLIN, 0};
        int fd;

        if (poll(&p, 1, 100) <= 0)
            continue;
        fd = accept4(listen_fd, NULL, NULL, 0);     /* blocking I/O on it */
        if (fd < 0)
            continue;                   /* EAGAIN: another worker took it */
        serve(fd);
        close(fd);
    }
    return NULL;
}

static int listen_on(int port)
{
    struct sockaddr_in sa;
    /* non-blocking: every worker wakes for a connection and one takes it;
     * the others must not then sit in accept() through a SIGTERM */
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

    if (fd < 0) {
        perror("kv-server: socket");
        return -1;
    }
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 64) < 0) {
        perror("kv-server: bind/listen");
        close(fd);
        return -1;
    }
    return fd;
}

int main(int argc, char **argv)
{
    pthread_t th[KV_WORKERS];
    struct sigaction sa;

    if (argc != 3 || strcmp(argv[1], "--port") != 0) {
        fprintf(stderr, "usage: kv-server --port PORT\n");
        return 2;
    }
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_term;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    listen_fd = listen_on(atoi(argv[2]));
    if (listen_fd < 0)
        return 1;
    for (int i = 0; i < KV_WORKERS; i++)
        if (pthread_create(&th[i], NULL, worker, NULL) != 0) {
            fprintf(stderr, "kv-server: pthread_create failed\n");
            return 1;
        }
    for (int i = 0; i < KV_WORKERS; i++)
        pthread_join(th[i], NULL);
    close(listen_fd);
    return 0;
}
