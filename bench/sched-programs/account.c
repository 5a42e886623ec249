/* account.c - a bank account: a withdrawal checks the balance without
 * the lock, then takes the lock to debit it (check-then-act); two
 * withdrawals can both pass the check and overdraw.  -DFIXED: the check
 * inside the lock. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
static int balance = 100;
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static void *withdraw(void *arg)
{
    int amount = (int)(long)arg;
#ifdef FIXED
    pthread_mutex_lock(&m);
    if (balance >= amount)
        balance -= amount;
    pthread_mutex_unlock(&m);
#else
    if (balance >= amount) {
        pthread_mutex_lock(&m);
        balance -= amount;
        pthread_mutex_unlock(&m);
    }
#endif
    return NULL;
}
static void *deposit(void *arg)
{
    pthread_mutex_lock(&m);
    balance += (int)(long)arg;
    pthread_mutex_unlock(&m);
    return NULL;
}
int main(void)
{
    pthread_t t[3];
    pthread_create(&t[0], NULL, withdraw, (void *)80L);
    pthread_create(&t[1], NULL, withdraw, (void *)70L);
    pthread_create(&t[2], NULL, deposit, (void *)10L);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    if (balance < 0) {
        fprintf(stderr, "account: overdrawn, balance %d\n", balance);
        abort();
    }
    return 0;
}
