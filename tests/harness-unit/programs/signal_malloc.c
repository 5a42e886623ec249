/* signal_malloc.c - a signal handler calls malloc(), which is not
 * async-signal-safe: if the signal lands inside malloc it can deadlock.
 * The signal comes from another thread so it is delivered asynchronously
 * (a raise() is handled synchronously and TSan does not report it). */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    char *p = malloc(32);               /* not async-signal-safe */
    got = p != NULL;
    free(p);
}

static pthread_t main_thread;

static void *sender(void *arg)
{
    pthread_kill(main_thread, SIGUSR1);
    return arg;
}

int main(void)
{
    struct sigaction sa;
    pthread_t t;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    main_thread = pthread_self();
    pthread_create(&t, NULL, sender, NULL);
    while (!got)
        usleep(1000);
    pthread_join(t, NULL);
    printf("got %d\n", (int)got);
    return 0;
}
