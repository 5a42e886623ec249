/* deadlock_io.c - the ABBA deadlock of deadlock_abba.c while a third
 * thread sits in a blocking read() (as a server's acceptor sits in
 * epoll_wait).  Nothing ever "stops", so only a scheduler that reports a
 * wait-for cycle the moment it closes can say deadlock; otherwise the run
 * would hang until a timeout.  When the two workers finish, main writes
 * to the pipe and the reader ends. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define ROUNDS 20
static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static int transfers;
static int wake_pipe[2];

static void *a_then_b(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock_a);
        pthread_mutex_lock(&lock_b);
        transfers++;
        pthread_mutex_unlock(&lock_b);
        pthread_mutex_unlock(&lock_a);
    }
    return arg;
}

static void *b_then_a(void *arg)
{
    for (int i = 0; i < ROUNDS; i++) {
        pthread_mutex_lock(&lock_b);
        pthread_mutex_lock(&lock_a);
        transfers++;
        pthread_mutex_unlock(&lock_a);
        pthread_mutex_unlock(&lock_b);
    }
    return arg;
}

static void *reader(void *arg)
{
    char c;
    if (read(wake_pipe[0], &c, 1) != 1)
        perror("deadlock_io: read");
    return arg;
}

int main(void)
{
    pthread_t r, t1, t2;
    if (pipe(wake_pipe) != 0)
        return 2;
    pthread_create(&r, NULL, reader, NULL);
    pthread_create(&t1, NULL, a_then_b, NULL);
    pthread_create(&t2, NULL, b_then_a, NULL);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    if (write(wake_pipe[1], "x", 1) != 1)
        perror("deadlock_io: write");
    pthread_join(r, NULL);
    printf("%d transfers\n", transfers);
    return 0;
}
