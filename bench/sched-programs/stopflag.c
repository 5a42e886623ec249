/* stopflag.c - a driver with a stop flag (after the CHESS/KISS Bluetooth
 * driver): a request enters the driver (if it is not stopping, count one
 * more pending I/O), works, and leaves (one less; the last one signals
 * "stopped").  The stopper sets the flag, drops its own reference and
 * waits for the signal, then frees the device.  The bug: a request tests
 * the flag and increments the count in two steps, so it can enter after
 * the device is stopped.  -DFIXED: test and increment under the lock. */
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static bool stopping, stopped, stop_event;
static int pending = 1;
static int enter(void)
{
#ifdef FIXED
    pthread_mutex_lock(&m);
    if (stopping) {
        pthread_mutex_unlock(&m);
        return -1;
    }
    pending++;
    pthread_mutex_unlock(&m);
#else
    pthread_mutex_lock(&m);
    bool s = stopping;
    pthread_mutex_unlock(&m);
    if (s)
        return -1;
    pthread_mutex_lock(&m);
    pending++;
    pthread_mutex_unlock(&m);
#endif
    return 0;
}
static void leave(void)
{
    pthread_mutex_lock(&m);
    if (--pending == 0) {
        stop_event = true;
        pthread_cond_signal(&cv);
    }
    pthread_mutex_unlock(&m);
}
static void *request(void *arg)
{
    if (enter() == 0) {
        pthread_mutex_lock(&m);
        bool gone = stopped;
        pthread_mutex_unlock(&m);
        if (gone) {
            fprintf(stderr, "stopflag: I/O on a stopped device\n");
            abort();
        }
        leave();
    }
    return arg;
}
static void *stopper(void *arg)
{
    pthread_mutex_lock(&m);
    stopping = true;
    pthread_mutex_unlock(&m);
    leave();
    pthread_mutex_lock(&m);
    while (!stop_event)
        pthread_cond_wait(&cv, &m);
    stopped = true;
    pthread_mutex_unlock(&m);
    return arg;
}
int main(void)
{
    pthread_t r, s;
    pthread_create(&r, NULL, request, NULL);
    pthread_create(&s, NULL, stopper, NULL);
    pthread_join(r, NULL);
    pthread_join(s, NULL);
    return 0;
}
