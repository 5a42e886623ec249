/* sandbox.h - running untrusted submissions (racelab check / grade).
 *
 * A sandbox is one private temp dir, one slot UID (when racelab runs as
 * root: a random UID of its own from 20000..59999 that no user and no
 * process has, locked with flock so that two concurrent checks never share
 * one, seen inside as UID 1000), own user, PID, mount, network, IPC and UTS
 * namespaces with a private root
 * (only /usr, /etc, /sys, a few devices, the sandbox dir and its own /proc;
 * loopback only), and, where the kernel lets us, a pids and a memory
 * cgroup.  Everything started in it gets resource limits
 * (RLIMIT_NPROC, RLIMIT_AS, RLIMIT_CPU, RLIMIT_FSIZE, RLIMIT_NOFILE), its
 * own process group, and is killed with everything it started when it
 * ends: by process group, by cgroup, and by UID (a helper that setuid()s
 * to the slot UID and kill(-1, SIGKILL)s until nothing is left, which
 * reaches setsid() daemons and SIGTERM-ignorers alike).
 * What it does not stop is written down in docs/SECURITY.md.
 */
#ifndef RACELAB_SANDBOX_H
#define RACELAB_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sandbox {
    int uid;                /* slot UID, or -1 when not root (no setuid) */
    int lock_fd;            /* flock on the slot's lock file, or -1 */
    char *dir;              /* private temp dir (owned by uid) */
    char *cg_pids, *cg_mem; /* cgroup dirs we created, or NULL */
    bool isolate;           /* spawns get namespaces and a private root */
    char *root;             /* the private root's mount point, or NULL */
};

/* Limits for one process tree; 0 means "leave as is". */
struct sandbox_limits {
    long nproc;             /* processes/threads of the slot UID */
    long as_mb;             /* address space; 0 for TSan/Valgrind (they
                               reserve terabytes of shadow) */
    long cpu_s;             /* CPU seconds per process (SIGXCPU, then KILL) */
    long fsize_mb;          /* largest file it may write */
    long nofile;            /* open files */
};

/* Opens a sandbox with its temp dir under PARENT (NULL: $RACELAB_SANDBOX_DIR,
 * else /tmp/racelab-slots as root, else $TMPDIR or /tmp).
 * Returns 0, or -1 with ERR set. */
int sandbox_open(struct sandbox *sb, const char *parent, char *err, size_t errlen);
/* Kills everything, removes the temp dir and cgroups, releases the slot. */
void sandbox_close(struct sandbox *sb);

/* Starts ARGV (argv[0] is searched in $PATH) in the sandbox: new process
 * group, limits, slot UID, cgroups, cwd CWD (NULL: the sandbox dir),
 * HOME and TMPDIR = the sandbox dir, ENV extra "NAME=VALUE" entries (NULL
 * terminated, may be NULL).  stdout goes to OUT_FD (or a new pipe whose read
 * end is returned in *PIPE_OUT when PIPE_OUT is not NULL), stderr to ERR_FD
 * (-1: same as stdout).  Returns the pid or -1 with ERR set. */
pid_t sandbox_spawn(struct sandbox *sb, char *const argv[], char *const env[],
                    const char *cwd, const struct sandbox_limits *lim,
                    int out_fd, int err_fd, int *pipe_out,
                    char *err, size_t errlen);
/* The command's own PID for a PID sandbox_spawn() returned (which is the
 * namespaces' init when isolated): for gdb and /proc sampling. */
pid_t sandbox_main_pid(pid_t pid);
/* How many processes the last isolated command that sandbox_wait() reaped
 * left running in its namespace (they were killed with it). */
int sandbox_last_left(void);
/* Waits up to TIMEOUT seconds for PID.  Returns true if it exited
 * (*STATUS its wait status); on timeout it is left running. */
bool sandbox_wait(pid_t pid, double timeout, int *status);
/* spawn + wait; on timeout everything in the sandbox is killed and
 * *TIMED_OUT set.  Output (stdout and stderr) goes to the file LOG
 * (truncated), which the sandbox UID cannot write to afterwards.
 * Returns 0, or -1 with ERR set (could not start). */
int sandbox_run(struct sandbox *sb, char *const argv[], char *const env[],
                const char *cwd, const struct sandbox_limits *lim,
                double timeout, const char *log, int *status, bool *timed_out,
                char *err, size_t errlen);
/* Kills every process of the sandbox (group, cgroup, slot UID), reaps what
 * was re-parented to us.  Returns how many processes were found. */
int sandbox_kill_all(struct sandbox *sb);
/* How many processes of the slot UID / cgroup are alive (for tests and
 * the verdict: "left 3 processes behind"). */
int sandbox_count(const struct sandbox *sb);
/* One line: "uid 61003, pids cgroup, memory cgroup" or "no setuid: ...". */
const char *sandbox_describe(const struct sandbox *sb);

#endif
