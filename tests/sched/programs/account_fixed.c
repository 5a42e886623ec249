/* account_fixed.c - the control for account_buggy.c: every deposit holds
 * the account's mutex across its load and store. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 3
#define DEPOSITS 10
static int balance;
static pthread_mutex_t account_lock = PTHREAD_MUTEX_INITIALIZER;

static void deposit(int amount)
{
    pthread_mutex_lock(&account_lock);
    int old = balance;
    balance = old + amount;
    pthread_mutex_unlock(&account_lock);
}

static void *depositor(void *arg)
{
    for (int i = 0; i < DEPOSITS; i++)
        deposit(10);
    return arg;
}

int main(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, depositor, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    if (balance != THREADS * DEPOSITS * 10) {
        fprintf(stderr, "account: balance %d, expected %d\n", balance,
                THREADS * DEPOSITS * 10);
        abort();
    }
    return 0;
}
