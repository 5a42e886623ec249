/* oracle.h - symptom oracles that need more than a comparison. */
#ifndef RACELAB_ORACLE_H
#define RACELAB_ORACLE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* VmSize of PID in KiB, or -1. */
long proc_vmsize_kb(pid_t pid);

/* Threads of PID now, or -1 (the threads-lost oracle: a worker pool that
 * has fewer threads at the end of the load than when it began). */
long proc_threads(pid_t pid);

/* Checks an access log: every line Common Log Format from 127.0.0.1.
 * Returns true if garbled, with DETAIL naming the first bad line. */
bool access_log_garbled(const char *path, char *detail, size_t len,
                        long *lines);

/* The --access-log argument among ARGV, or NULL. */
const char *access_log_arg(char *const *argv);

#endif
