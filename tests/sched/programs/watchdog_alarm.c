/* watchdog_alarm.c - arms alarm(1) as a watchdog, then waits 3 s for a
 * worker: SIGALRM's default action ends the program, as it should. */
#include <pthread.h>
#include <unistd.h>

static void *slow_worker(void *arg)
{
    sleep(3);
    return arg;
}

int main(void)
{
    pthread_t t;
    alarm(1);
    pthread_create(&t, NULL, slow_worker, NULL);
    pthread_join(t, NULL);
    return 0;
}
