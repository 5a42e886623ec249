/* account_buggy.c - a lost update on a bank balance (after SCTBench's
 * account_bad).  Depositors add to `balance` with a plain load and store;
 * two of them interleaved between the load and the store lose a deposit.
 * Fails with abort() when the final balance is wrong. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 3
#ifndef DEPOSITS   /* -DDEPOSITS=N: a changed program, for the replay-drift test */
#define DEPOSITS 10
#endif
static int balance;

static void deposit(int amount)
{
    int old = balance;
    balance = old + amount;
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
