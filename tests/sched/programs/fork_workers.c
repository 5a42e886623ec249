/* fork_workers.c - each worker counts under a lock, then forks a helper
 * process that does its own counting (on its copy) and exits; main reaps
 * the helpers once the workers are joined. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static pthread_mutex_t count_lock = PTHREAD_MUTEX_INITIALIZER;
static int count;

static void *worker(void *arg)
{
    pthread_mutex_lock(&count_lock);
    count++;
    pthread_mutex_unlock(&count_lock);
    if (fork() == 0) {
        for (int i = 0; i < 5; i++) {
            pthread_mutex_lock(&count_lock);
            count += 10;
            pthread_mutex_unlock(&count_lock);
        }
        _exit(0);
    }
    return arg;
}

int main(void)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&t[i], NULL, worker, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    while (wait(NULL) > 0)
        ;
    printf("count %d\n", count);
    return 0;
}
