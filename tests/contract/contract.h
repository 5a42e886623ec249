/* contract.h - helpers shared by the contract suites (header only, so a
 * suite still compiles from its one .c file plus the module under test).
 *
 * A contract suite is written against the module's header alone: it must
 * pass for src/server/<module>.c, for every scenario's fixed variant and
 * for a student's fix.  Other modules the module calls are stubbed here
 * or in the suite, so the link line is the suite, the module and cmocka.
 */
#ifndef RACELAB_CONTRACT_H
#define RACELAB_CONTRACT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* CONTRACT_UNDER_TSAN: built with -fsanitize=thread, where every access
 * costs tens of times more.  A suite that repeats an operation many times
 * to catch a rare wrong interleaving (a logic error, not a data race)
 * repeats it fewer times there: TSan reports an unsynchronized access the
 * first time it happens, and the plain build runs the full count. */
#if defined(__SANITIZE_THREAD__)
#define CONTRACT_UNDER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CONTRACT_UNDER_TSAN 1
#endif
#endif
#ifndef CONTRACT_UNDER_TSAN
#define CONTRACT_UNDER_TSAN 0
#endif

/* ASSERT_EQ in libuv's spirit: both sides printed, never compiled out. */
#define CONTRACT_EQ(a, b)                                                   \
    do {                                                                    \
        long long a_ = (long long)(a), b_ = (long long)(b);                 \
        if (a_ != b_)                                                       \
            fail_msg("%s == %s: %lld != %lld", #a, #b, a_, b_);             \
    } while (0)

static inline void contract_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* A module under test that deadlocks must fail the suite, not hang it:
 * the watchdog ends the process (exit 1, a failure) after SECONDS. */
static void contract_watchdog_fire(int sig)
{
    static const char msg[] = "contract: watchdog: a call never returned (deadlock or lost wakeup)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    (void)sig;
    _exit(1);
}

static inline void contract_watchdog(unsigned seconds)
{
    signal(SIGALRM, contract_watchdog_fire);
    alarm(seconds);
}

/* Pins the calling thread to the I-th CPU (modulo their number) of those
 * this process may use.  A suite that must see a lost update pins its
 * racing threads to different CPUs: on a loaded machine the kernel may
 * otherwise keep them on one CPU, taking turns, and a read-modify-write
 * done in one instruction is then never interrupted.  Best effort: with
 * one CPU there is nothing to pin. */
static inline void contract_pin_to_cpu(int i)
{
#ifdef CPU_SETSIZE
    cpu_set_t allowed, one;
    int n = 0;

    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0 || CPU_COUNT(&allowed) < 2)
        return;
    i %= CPU_COUNT(&allowed);
    for (int c = 0; c < CPU_SETSIZE; c++) {
        if (!CPU_ISSET(c, &allowed) || n++ != i)
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        (void)pthread_setaffinity_np(pthread_self(), sizeof one, &one);  /* best effort */
        return;
    }
#else
    (void)i;
#endif
}

/* Starts N threads running FN(ARG_i), ARGS an array of ARGSIZE-byte
 * structs; joins them. */
static inline void contract_run_threads(int n, void *(*fn)(void *), void *args,
                                        size_t argsize)
{
    pthread_t t[64];
    assert_true(n <= 64);
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&t[i], NULL, fn, (char *)args + (size_t)i * argsize), 0);
    for (int i = 0; i < n; i++)
        pthread_join(t[i], NULL);
}

/* Joins T, or fails the test when it has not ended SECONDS from now
 * (the thread is then left behind: it is stuck in the module). */
static inline void contract_join(pthread_t t, int seconds, const char *what)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += seconds;
    if (pthread_timedjoin_np(t, NULL, &until) != 0)
        fail_msg("%s: still blocked %d s later", what, seconds);
}

/* VmSize of this process in KiB. */
static inline long contract_vmsize_kb(void)
{
    char line[256];
    long kb = -1;
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmSize:", 7) == 0)
            kb = atol(line + 7);
    fclose(f);
    return kb;
}

#endif
