/* race_paths.c - one racing statement reached through two call paths, as
 * in a real server: stat_bump()'s `hits++` (no lock) is called from
 * handle_get() and handle_set().  `race_paths get` races through
 * handle_get in both threads, `race_paths set` through handle_set; both
 * are the same race (one fingerprint).  `race_paths miss` races in
 * note_miss() instead: another race (another fingerprint).
 * Racing pair: hits@race_paths.c:17:W vs. itself (or misses@:22:W). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static long hits, misses;

__attribute__((noinline)) static void stat_bump(void)
{
    hits++;                             /* the racing statement */
}

__attribute__((noinline)) static void note_miss(void)
{
    misses++;                           /* another racing statement */
}

__attribute__((noinline)) static void handle_get(void) { stat_bump(); }
__attribute__((noinline)) static void handle_set(void) { stat_bump(); }

static const char *mode = "get";

static void request(void)
{
    if (strcmp(mode, "miss") == 0)
        note_miss();
    else if (strcmp(mode, "set") == 0)
        handle_set();
    else
        handle_get();
}

static void *worker(void *arg)
{
    request();
    return arg;
}

int main(int argc, char **argv)
{
    pthread_t t;

    if (argc > 1)
        mode = argv[1];
    pthread_create(&t, NULL, worker, NULL);
    usleep(100 * 1000);     /* the worker goes first: time, not sync */
    request();
    pthread_join(t, NULL);
    printf("hits %ld misses %ld\n", hits, misses);
    return 0;
}
