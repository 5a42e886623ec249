/* proc.h - starting, watching and killing child processes.
 *
 * Every child racelab starts is the leader of a new process group, so a
 * server, its valgrind, a `--load` shell pipeline or gdb can be killed as a
 * whole.  Live groups are registered, so that SIGINT/SIGTERM of racelab can
 * kill them all from the signal handler; the temp dirs are removed by the
 * normal unwinding that follows (see proc_interrupted()).
 */
#ifndef RACELAB_PROC_H
#define RACELAB_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define SPAWN_DEVNULL (-1)
#define SPAWN_PIPE    (-2)

struct spawn_opts {
    char *const *argv;          /* argv[0] is looked up in $PATH */
    char *const *env_set;       /* "NAME=VALUE" overrides; NULL-terminated */
    int stdin_fd;               /* SPAWN_DEVNULL or an fd */
    int stdout_fd;              /* SPAWN_DEVNULL, SPAWN_PIPE or an fd */
    int stderr_fd;              /* SPAWN_DEVNULL or an fd */
    bool stderr_to_stdout;      /* 2>&1 (overrides stderr_fd) */
};

struct proc {
    pid_t pid;                  /* also the process group id; 0 if none */
    int out_fd;                 /* read end when stdout_fd was SPAWN_PIPE */
    bool exited;
    int status;                 /* wait status once exited */
    double started;             /* now_mono() at spawn */
};

/* Installs the SIGINT/SIGTERM/SIGHUP handler, ignores SIGPIPE and makes
 * racelab a child subreaper, so that orphans of a child group come back to
 * us to be reaped.  Call once, before any thread starts. */
void proc_setup(void);
/* True once racelab was asked to stop (the signal number, else 0). */
int proc_interrupted(void);
/* A wall-clock limit for the whole command: after SECONDS it stops as if
 * interrupted, and proc_interrupted() says SIGALRM. */
void proc_deadline(double seconds);

/* Starts a child.  Returns 0, or -1 with ERR naming the failing call
 * (exec errors from the child are reported here too). */
int proc_spawn(struct proc *p, const struct spawn_opts *o,
               char *err, size_t errlen);

/* Non-blocking: true if the leader has exited (status recorded). */
bool proc_poll(struct proc *p);
/* Waits up to TIMEOUT seconds for the leader; true if it exited. */
bool proc_wait(struct proc *p, double timeout);
/* Sends SIG to the whole group (if the group may still exist). */
void proc_signal(struct proc *p, int sig);
/* SIGKILLs the group, reaps the leader and every member that is our
 * child, closes out_fd and unregisters the group.  Always safe to call;
 * leaves P with pid 0 (the exit status stays recorded). */
void proc_finish(struct proc *p);

/* Kills and reaps every process that is still our child: orphans that
 * left their process group (setsid) were re-parented to us as subreaper.
 * Call when no run is active, before exiting.  Returns how many. */
int proc_sweep_orphans(void);

/* Runs ARGV to completion with stdout captured (stderr merged), killing it
 * after TIMEOUT seconds.  Returns the output (malloc'd) or NULL. */
char *proc_capture(char *const argv[], double timeout, int *status);

/* Describes a wait status: "exit 0", "signal 11 (SIGSEGV)". */
void proc_describe(int status, char *buf, size_t len);

#endif
