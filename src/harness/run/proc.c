/* proc.c - spawn in a new process group, watch, kill, reap. */
#include "proc.h"
#include "harness_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* The registry the signal handler walks.  Slots are written under
 * group_lock and read without it by the handler, so they are C11 atomics
 * (lock-free, hence async-signal-safe): "a pid_t store is atomic anyway"
 * is the reasoning our own stats-counter scenario teaches against, and
 * TSan, running racelab's tests, rightly called it a race.  A stale read
 * at worst kills a group that is already gone (ESRCH). */
#define MAX_GROUPS 256
static _Atomic pid_t groups[MAX_GROUPS];
static pthread_mutex_t group_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int interrupted;      /* the signal, set by the handler */

static void on_signal(int sig)
{
    int saved = errno;

    for (int i = 0; i < MAX_GROUPS; i++) {
        pid_t pg = atomic_load_explicit(&groups[i], memory_order_relaxed);
        if (pg > 0)
            kill(-pg, SIGKILL);     /* ESRCH: the group is gone already */
    }
    atomic_store(&interrupted, sig);
    /* A second ^C kills racelab at once (temp dirs may stay then). */
    signal(sig, SIG_DFL);       /* a valid signal: cannot fail */
    errno = saved;
}

void proc_setup(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    /* Valid signals and a valid handler: these cannot fail (EINVAL only). */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    /* Orphans of a killed group (a --load pipeline's children, say) are
     * re-parented to us, so proc_finish() can reap them. */
    if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
        warnf("prctl PR_SET_CHILD_SUBREAPER: %s; a daemonizing program's "
              "orphans may outlive racelab", strerror(errno));
}

int proc_interrupted(void)
{
    return atomic_load(&interrupted);
}

void proc_deadline(double seconds)
{
    struct sigaction sa;
    struct itimerval t = {0};

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGALRM, &sa, NULL);      /* valid signal and handler: cannot fail */
    t.it_value.tv_sec = (time_t)seconds;
    t.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
    if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0)
        t.it_value.tv_usec = 1;
    if (setitimer(ITIMER_REAL, &t, NULL) < 0)
        warnf("setitimer: %s; no wall-clock limit", strerror(errno));
}

static void group_add(pid_t pg)
{
    pthread_mutex_lock(&group_lock);
    for (int i = 0; i < MAX_GROUPS; i++)
        if (atomic_load_explicit(&groups[i], memory_order_relaxed) == 0) {
            atomic_store(&groups[i], pg);
            break;
        }
    pthread_mutex_unlock(&group_lock);
    /* Raced with the handler: it may have run before the slot was set. */
    if (atomic_load(&interrupted))
        kill(-pg, SIGKILL);     /* ESRCH: the group is gone already */
}

static void group_remove(pid_t pg)
{
    pthread_mutex_lock(&group_lock);
    for (int i = 0; i < MAX_GROUPS; i++)
        if (atomic_load_explicit(&groups[i], memory_order_relaxed) == pg)
            atomic_store(&groups[i], 0);
    pthread_mutex_unlock(&group_lock);
}

/* Builds environ with the NAME=VALUE overrides of SET (before fork: the
 * child of a multithreaded parent may not call malloc). */
static char **build_env(char *const *set)
{
    size_t n = 0, m = 0, k = 0;
    char **env;

    while (environ[n])
        n++;
    while (set && set[m])
        m++;
    env = xcalloc(n + m + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        bool overridden = false;
        for (size_t j = 0; j < m; j++) {
            size_t nl = strcspn(set[j], "=");
            if (strncmp(environ[i], set[j], nl + 1) == 0)
                overridden = true;
        }
        if (!overridden)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < m; j++)
        env[k++] = set[j];
    env[k] = NULL;
    return env;
}

/* The child of proc_spawn: its group, default signals, the descriptors
 * O asks for, then PATH.  Async-signal-safe calls only.  A failure is
 * written to ERRFD (close-on-exec) as an errno, which the parent reports
 * as a failed exec; never returns. */
static void spawn_child(const struct spawn_opts *o, const char *path,
                        char **env, int outw, int errfd)
{
    sigset_t all;
    int e, fd;

    /* setpgid: the parent makes the same call (whichever runs first
     * wins); signal/sigprocmask with valid arguments cannot fail. */
    setpgid(0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    /* A failed dup2 would run the program with the wrong files. */
    fd = o->stdin_fd >= 0 ? o->stdin_fd : open("/dev/null", O_RDONLY);
    if (fd >= 0 && fd != 0 && dup2(fd, 0) < 0)
        goto failed;
    if (o->stdout_fd == SPAWN_PIPE) {
        if (dup2(outw, 1) < 0)
            goto failed;
    } else {
        fd = o->stdout_fd >= 0 ? o->stdout_fd : open("/dev/null", O_WRONLY);
        if (fd >= 0 && fd != 1 && dup2(fd, 1) < 0)
            goto failed;
    }
    if (o->stderr_to_stdout) {
        if (dup2(1, 2) < 0)
            goto failed;
    } else {
        fd = o->stderr_fd >= 0 ? o->stderr_fd : open("/dev/null", O_WRONLY);
        if (fd >= 0 && fd != 2 && dup2(fd, 2) < 0)
            goto failed;
    }
    execve(path, o->argv, env);
failed:
    e = errno;
    if (write(errfd, &e, sizeof e) < 0) {
        /* nothing left to tell anyone */
    }
    _exit(127);
}

int proc_spawn(struct proc *p, const struct spawn_opts *o,
               char *err, size_t errlen)
{
    int outp[2] = {-1, -1}, errp[2];
    char *path;
    char **env;
    pid_t pid;

    memset(p, 0, sizeof *p);
    p->out_fd = -1;
    if (proc_interrupted()) {
        snprintf(err, errlen, "interrupted");
        return -1;
    }
    path = which(o->argv[0]);
    if (!path) {
        snprintf(err, errlen, "%s: %s", o->argv[0],
                 strchr(o->argv[0], '/') ? "not found or not executable"
                                         : "not found in PATH");
        return -1;
    }
    if (o->stdout_fd == SPAWN_PIPE && pipe2(outp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe2: %s", strerror(errno));
        free(path);
        return -1;
    }
    /* The child reports an exec failure through this close-on-exec pipe. */
    if (pipe2(errp, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe2: %s", strerror(errno));
        free(path);
        if (outp[0] >= 0) {     /* an unused pipe: nothing to lose */
            close(outp[0]);
            close(outp[1]);
        }
        return -1;
    }
    env = build_env(o->env_set);

    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        free(path);
        free(env);
        /* unused pipes on a failed fork: nothing to lose */
        close(errp[0]);
        close(errp[1]);
        if (outp[0] >= 0) {
            close(outp[0]);
            close(outp[1]);
        }
        return -1;
    }
    if (pid == 0)
        spawn_child(o, path, env, outp[1], errp[1]);

    /* Parent.  setpgid here too: whichever runs first wins the race, so
     * the group exists before we could ever signal it. */
    setpgid(pid, pid);      /* EACCES once the child exec'd: it did it first */
    free(path);
    free(env);
    close(errp[1]);         /* the child's end (pipes: nothing to lose) */
    p->pid = pid;
    p->started = now_mono();
    group_add(pid);
    if (outp[1] >= 0) {
        close(outp[1]);     /* the child's end */
        p->out_fd = outp[0];
    }
    {
        int e;
        ssize_t n;
        do
            n = read(errp[0], &e, sizeof e);
        while (n < 0 && errno == EINTR);
        close(errp[0]);     /* read: nothing to lose */
        if (n == (ssize_t)sizeof e) {
            snprintf(err, errlen, "execve %s: %s", o->argv[0], strerror(e));
            proc_finish(p);
            return -1;
        }
    }
    return 0;
}

bool proc_poll(struct proc *p)
{
    int st;
    pid_t r;

    if (p->exited || p->pid <= 0)
        return p->exited;
    do
        r = waitpid(p->pid, &st, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid || (r < 0 && errno == ECHILD)) {
        p->exited = true;
        p->status = r == p->pid ? st : 0;
    }
    return p->exited;
}

bool proc_wait(struct proc *p, double timeout)
{
    double end = now_mono() + timeout;

    while (!proc_poll(p)) {
        if (now_mono() >= end)
            return false;
        sleep_seconds(0.01);
    }
    return true;
}

void proc_signal(struct proc *p, int sig)
{
    if (p->pid > 0)
        kill(-p->pid, sig);     /* ESRCH: the group is gone already */
}

void proc_finish(struct proc *p)
{
    double end;
    int st;

    if (p->pid <= 0)
        goto out;
    kill(-p->pid, SIGKILL);     /* ESRCH: the group is gone already */
    if (!p->exited)
        proc_wait(p, 10);
    /* Other members of the group that are (or became, as orphans) our
     * children.  waitpid(-pgid) only ever collects this group's members,
     * so parallel runs cannot steal each other's statuses. */
    end = now_mono() + 5;
    for (;;) {
        pid_t r = waitpid(-p->pid, &st, WNOHANG);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            break;              /* ECHILD: none left */
        if (r == 0) {
            if (now_mono() > end)
                break;
            kill(-p->pid, SIGKILL);     /* as above */
            sleep_seconds(0.005);
        }
    }
    group_remove(p->pid);
    p->pid = 0;
out:
    if (p->out_fd >= 0) {
        close(p->out_fd);       /* a read end: nothing to lose */
        p->out_fd = -1;
    }
}

char *proc_capture(char *const argv[], double timeout, int *status)
{
    struct spawn_opts o = {argv, NULL, SPAWN_DEVNULL, SPAWN_PIPE, SPAWN_DEVNULL,
                           true};
    struct proc p;
    struct strbuf sb;
    char err[256], buf[8192];
    double end = now_mono() + timeout;
    if (proc_spawn(&p, &o, err, sizeof err) < 0)
        return NULL;
    sb_init(&sb);
    sb_add(&sb, "", 0);
    for (;;) {
        struct pollfd pfd = {p.out_fd, POLLIN, 0};
        double left = end - now_mono();
        if (left <= 0 || proc_interrupted())
            break;
        int r = poll(&pfd, 1, (int)(left * 1000) + 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        ssize_t n = read(p.out_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        sb_add(&sb, buf, (size_t)n);
    }
    proc_wait(&p, 0.5);
    proc_finish(&p);
    if (status)
        *status = p.exited ? p.status : -1;
    return sb_steal(&sb);
}

void proc_describe(int status, char *buf, size_t len)
{
    if (WIFEXITED(status))
        snprintf(buf, len, "exit %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(buf, len, "signal %d (SIG%s)%s", WTERMSIG(status),
                 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status))
                                                : "?",
                 WCOREDUMP(status) ? ", core dumped" : "");
    else
        snprintf(buf, len, "status 0x%x", status);
}

/* The PPid field of /proc/PID/stat (after the parenthesized comm). */
static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    ssize_t n;
    int fd;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    n = read(fd, buf, sizeof buf - 1);
    close(fd);                  /* read only */
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    char state;
    int ppid;
    if (sscanf(p + 1, " %c %d", &state, &ppid) != 2)
        return -1;
    return ppid;
}

int proc_sweep_orphans(void)
{
    pid_t self = getpid();
    int total = 0;

    for (int round = 0; round < 10; round++) {
        DIR *d = opendir("/proc");
        struct dirent *de;
        int found = 0;

        if (!d)
            break;
        while ((de = readdir(d)) != NULL) {
            pid_t pid = (pid_t)atoi(de->d_name);
            if (pid <= 0 || parent_of(pid) != self)
                continue;
            /* a whole group if it leads one, else just the process */
            /* ESRCH: it exited meanwhile; the next sweep sees */
            if (getpgid(pid) == pid)
                kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            found++;
        }
        closedir(d);     /* EBADF only: nothing to lose */
        if (!found)
            break;
        total += found;
        for (;;) {
            pid_t r = waitpid(-1, NULL, WNOHANG);
            if (r > 0 || (r < 0 && errno == EINTR))
                continue;
            if (r == 0) {
                sleep_seconds(0.01);
                continue;       /* killed ones not yet dead */
            }
            break;              /* ECHILD */
        }
    }
    return total;
}
