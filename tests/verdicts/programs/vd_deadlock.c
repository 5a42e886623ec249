/* vd_deadlock.c - transfer() locks the source account, then the target;
 * two transfers in opposite directions meet in the middle and wait for
 * each other forever.  The barrier makes it happen on every run. */
#include <pthread.h>
#include <stdio.h>

struct account {
    pthread_mutex_t lock;
    long balance;
};

static struct account alice = {PTHREAD_MUTEX_INITIALIZER, 100};
static struct account bob = {PTHREAD_MUTEX_INITIALIZER, 100};
static pthread_barrier_t both_hold_one;

static void transfer(struct account *from, struct account *to, long amount)
{
    pthread_mutex_lock(&from->lock);
    pthread_barrier_wait(&both_hold_one);
    pthread_mutex_lock(&to->lock);        /* line 20: waits for the other */
    from->balance -= amount;
    to->balance += amount;
    pthread_mutex_unlock(&to->lock);
    pthread_mutex_unlock(&from->lock);
}

static void *alice_pays(void *arg)
{
    transfer(&alice, &bob, 10);
    return arg;
}

int main(void)
{
    pthread_t t;

    pthread_barrier_init(&both_hold_one, NULL, 2);
    pthread_create(&t, NULL, alice_pays, NULL);
    transfer(&bob, &alice, 20);
    pthread_join(t, NULL);
    printf("%ld %ld\n", alice.balance, bob.balance);
    return 0;
}
