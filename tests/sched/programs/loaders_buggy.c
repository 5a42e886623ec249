/* loaders_buggy.c - 30 identical loader threads publish a configuration in
 * two steps: the version under version_lock, then the checksum under
 * sum_lock.  A validator that sees a version expects its checksum.  The
 * gap between the two critical sections is the bug; it needs one
 * preemption of the first loader, right where the validator can run.
 * Fails with abort(). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define LOADERS 30
static int version, checksum;
static pthread_mutex_t version_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sum_lock = PTHREAD_MUTEX_INITIALIZER;

static void *loader(void *arg)
{
    pthread_mutex_lock(&version_lock);
    version = 7;
    pthread_mutex_unlock(&version_lock);
    pthread_mutex_lock(&sum_lock);
    checksum = version * 31;
    pthread_mutex_unlock(&sum_lock);
    return arg;
}

static void *validator(void *arg)
{
    pthread_mutex_lock(&version_lock);
    int v = version;
    pthread_mutex_unlock(&version_lock);
    if (v) {
        pthread_mutex_lock(&sum_lock);
        int s = checksum;
        pthread_mutex_unlock(&sum_lock);
        if (s != v * 31) {
            fprintf(stderr, "loaders: version %d with checksum %d\n", v, s);
            abort();
        }
    }
    return arg;
}

int main(void)
{
    pthread_t t[LOADERS], check;
    for (int i = 0; i < LOADERS; i++)
        pthread_create(&t[i], NULL, loader, NULL);
    pthread_create(&check, NULL, validator, NULL);
    for (int i = 0; i < LOADERS; i++)
        pthread_join(t[i], NULL);
    pthread_join(check, NULL);
    return 0;
}
