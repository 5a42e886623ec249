/* atomics.c - every kind of C11 atomic clang turns into a __tsan_atomic*
 * call (8/16/32/64 bits; load, store, exchange, fetch_add/sub/and/or/xor,
 * compare_exchange strong and weak, fences), used by four threads.
 * Correct code: atomics stay atomic under the controlled scheduler, so the
 * totals are exact (abort() if not). */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define THREADS 4
#define ROUNDS 200
static _Atomic uint8_t c8;
static _Atomic uint16_t c16;
static _Atomic uint32_t c32, bits, spin_lock;
static _Atomic uint64_t c64, swaps;
static long guarded;        /* plain, under the CAS spin lock */

static void *worker(void *arg)
{
    uint32_t bit = 1u << (long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        atomic_fetch_add(&c8, 1);
        atomic_fetch_add_explicit(&c16, 2, memory_order_relaxed);
        atomic_fetch_sub(&c32, 1);
        atomic_fetch_add_explicit(&c64, 3, memory_order_acq_rel);
        atomic_fetch_xor(&bits, bit);
        atomic_fetch_or(&bits, 0);
        atomic_fetch_and(&bits, ~0u);
        uint32_t expected = 0;
        while (!atomic_compare_exchange_weak_explicit(&spin_lock, &expected, 1,
                                                      memory_order_acquire,
                                                      memory_order_relaxed))
            expected = 0;
        guarded++;
        atomic_store_explicit(&spin_lock, 0, memory_order_release);
        uint64_t old = atomic_load(&swaps);
        while (!atomic_compare_exchange_strong(&swaps, &old, old + 1))
            ;
        atomic_thread_fence(memory_order_seq_cst);
        atomic_signal_fence(memory_order_seq_cst);
    }
    /* exchange out and add back: the sum survives any interleaving
     * (an exchange with a value loaded earlier would not) */
    uint8_t mine = atomic_exchange(&c8, 0);
    atomic_fetch_add(&c8, mine);
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    atomic_store(&c32, THREADS * ROUNDS);
    for (long i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, worker, (void *)i);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    int ok = atomic_load(&c8) == (uint8_t)(THREADS * ROUNDS) &&
             atomic_load(&c16) == (uint16_t)(2 * THREADS * ROUNDS) &&
             atomic_load(&c32) == 0 && atomic_load(&c64) == 3u * THREADS * ROUNDS &&
             atomic_load(&bits) == 0 && guarded == THREADS * ROUNDS &&
             atomic_load(&swaps) == THREADS * ROUNDS;
    if (!ok) {
        fprintf(stderr, "atomics: c8 %u c16 %u c32 %u c64 %llu bits %x guarded %ld swaps %llu\n",
                atomic_load(&c8), atomic_load(&c16), atomic_load(&c32),
                (unsigned long long)atomic_load(&c64), atomic_load(&bits), guarded,
                (unsigned long long)atomic_load(&swaps));
        abort();
    }
    return 0;
}
