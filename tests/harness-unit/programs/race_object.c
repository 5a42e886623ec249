/* race_object.c - one unsynchronized access seen as several racing pairs,
 * as in a real server: clock_tick() writes the global `now` with no lock
 * and every reader of it races with it; conn_reset() writes a heap
 * connection (allocated in conn_alloc()) that other functions read.  A
 * gate whose baseline holds one pair of a family must know the others
 * (the same object, one of the same functions); a new unlocked counter
 * (count_get) is a new object.
 *
 *   race_object clock1   clock_tick(W) x log_request(R)   on global now
 *   race_object clock2   clock_tick(W) x age_item(R)      on global now
 *   race_object heap1    conn_reset(W) x conn_read(R)     on heap from conn_alloc
 *   race_object heap2    conn_reset(W) x conn_close(R)    on heap from conn_alloc
 *   race_object counter  count_get(W) x count_get(W)      on global gets_seen
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct conn {
    int fd;
    int state;
};

static long now;
static long gets_seen;
static struct conn *conn;
static const char *mode = "clock1";

__attribute__((noinline)) static struct conn *conn_alloc(void)
{
    return calloc(1, sizeof(struct conn));
}

__attribute__((noinline)) static void clock_tick(void) { now++; }
__attribute__((noinline)) static long log_request(void) { return now; }
__attribute__((noinline)) static long age_item(void) { return now - 1; }
__attribute__((noinline)) static void conn_reset(struct conn *c) { c->state = 1; }
__attribute__((noinline)) static int conn_read(struct conn *c) { return c->state; }
__attribute__((noinline)) static int conn_close(struct conn *c) { return c->state == 1; }
__attribute__((noinline)) static void count_get(void) { gets_seen++; }

/* The side that runs second: the reader (or, for counter, the writer). */
static long second(void)
{
    if (strcmp(mode, "clock1") == 0)
        return log_request();
    if (strcmp(mode, "clock2") == 0)
        return age_item();
    if (strcmp(mode, "heap1") == 0)
        return conn_read(conn);
    if (strcmp(mode, "heap2") == 0)
        return conn_close(conn);
    count_get();
    return 0;
}

static void *worker(void *arg)
{
    if (strncmp(mode, "clock", 5) == 0)
        clock_tick();
    else if (strncmp(mode, "heap", 4) == 0)
        conn_reset(conn);
    else
        count_get();
    return arg;
}

int main(int argc, char **argv)
{
    pthread_t t;

    if (argc > 1)
        mode = argv[1];
    conn = conn_alloc();
    pthread_create(&t, NULL, worker, NULL);
    usleep(100 * 1000);     /* the worker goes first: time, not sync */
    long v = second();
    pthread_join(t, NULL);
    printf("%ld %ld\n", v, now + gets_seen);
    free(conn);
    return 0;
}
