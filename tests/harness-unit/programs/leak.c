/* leak.c - a thread's result never freed (LeakSanitizer): the worker
 * returns a malloc'd buffer that main drops. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static void *worker(void *arg)
{
    char *result = malloc(64);          /* allocated here, never freed */
    strcpy(result, "done");
    return arg ? result : result;
}

int main(void)
{
    pthread_t t;
    void *r;

    pthread_create(&t, NULL, worker, NULL);
    pthread_join(t, &r);
    r = NULL;                           /* the only pointer, dropped */
    return r != NULL;
}
