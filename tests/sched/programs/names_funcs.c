/* The program's own functions named send, read, wait and select. */
#include <pthread.h>
#include <stdio.h>
static int box, full;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t c = PTHREAD_COND_INITIALIZER;
void send(int v) { pthread_mutex_lock(&m); box = v; full = 1; pthread_cond_signal(&c); pthread_mutex_unlock(&m); }
int read(void) { return box; }
void wait(void) { while (!full) pthread_cond_wait(&c, &m); }
int select(int a, int b) { return a > b ? a : b; }
static void *sender(void *a) { (void)a; send(42); return NULL; }
int main(void) {
    pthread_t t;
    pthread_create(&t, NULL, sender, NULL);
    pthread_mutex_lock(&m);
    wait();
    int v = read();
    pthread_mutex_unlock(&m);
    pthread_join(t, NULL);
    printf("got %d\n", select(v, 0));
    return v != 42;
}
