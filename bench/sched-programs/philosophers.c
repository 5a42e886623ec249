/* philosophers.c - dining philosophers: each takes the fork on the left,
 * then the one on the right; if all take their left fork at once nobody
 * can eat (three philosophers; deadlock; the scheduler reports the cycle, exit 86).
 * -DFIXED: the lower-numbered fork first. */
#include <pthread.h>
#include <stdio.h>
#define PHIL 3
static pthread_mutex_t fork_[PHIL];
static int meals;
static void *philosopher(void *arg)
{
    int i = (int)(long)arg, l = i, r = (i + 1) % PHIL;
#ifdef FIXED
    if (l > r) { int t = l; l = r; r = t; }
#endif
    pthread_mutex_lock(&fork_[l]);
    pthread_mutex_lock(&fork_[r]);
    meals++;
    pthread_mutex_unlock(&fork_[r]);
    pthread_mutex_unlock(&fork_[l]);
    return NULL;
}
int main(void)
{
    pthread_t t[PHIL];
    for (int i = 0; i < PHIL; i++)
        pthread_mutex_init(&fork_[i], NULL);
    for (long i = 0; i < PHIL; i++)
        pthread_create(&t[i], NULL, philosopher, (void *)i);
    for (int i = 0; i < PHIL; i++)
        pthread_join(t[i], NULL);
    printf("%d meals\n", meals);
    return 0;
}
