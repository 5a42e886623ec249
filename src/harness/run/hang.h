/* hang.h - explaining a hang: every thread's stack from gdb, and the
 * wait-for cycle among mutexes built from pthread_mutex_lock frames and
 * each mutex's owner (__data.__owner, the LWP holding it). */
#ifndef RACELAB_HANG_H
#define RACELAB_HANG_H

#include <stdbool.h>
#include <sys/types.h>

/* Attaches gdb to PID (when GDB_ATTACH, the detector's gdb_attach: under
 * valgrind gdb cannot attach to the guest, and the text says so), and
 * returns a report:
 * first line the verdict ("deadlock: thread 12345 holds 0x... (cache_lock)
 * and waits for 0x... (stats_lock) at scenarios/x/buggy.c:61; ..."), then
 * the threads' compacted stacks.  Paths under SOURCE are made relative.
 * Never NULL. */
char *hang_report(pid_t pid, bool gdb_attach, const char *source);

/* The same analysis on gdb output already captured (for tests).  OWNERS
 * maps mutex addresses to owner LWPs: a callback so tests need no gdb. */
typedef long (*owner_fn)(void *ctx, unsigned long long mutex_addr);
char *hang_analyze(const char *gdb_bt, const char *source, owner_fn owner,
                   void *ctx);

#endif
