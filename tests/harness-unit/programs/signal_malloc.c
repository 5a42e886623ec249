/* signal_malloc.c - a signal handler calls malloc(), which is not
 * async-signal-safe: if the signal lands inside malloc it can deadlock.
 * (Delivered with kill() and a sleep, as in compiler-rt's own test; TSan
 * does not check a handler run synchronously by raise().) */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t got;

static void on_usr1(int sig)
{
    /* volatile: otherwise -O1 drops the malloc/free pair altogether */
    volatile char *p = malloc(32);      /* not async-signal-safe */

    p[0] = 1;
    got = p[0];
    free((void *)p);
}

int main(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    kill(getpid(), SIGUSR1);
    sleep(1);                           /* let the handler run */
    printf("got %d\n", (int)got);
    return 0;
}
