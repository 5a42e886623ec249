/* sandbox.c - limits, a slot UID, cgroups and a thorough kill for untrusted
 * submissions (see sandbox.h and docs/SECURITY.md). */
#include "sandbox.h"
#include "proc.h"
#include "harness_util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define SLOT_UID_FIRST 61000
#define SLOT_UID_COUNT 128
#define SLOT_DIR "/tmp/racelab-slots"
#define CG_PIDS_MAX 768
#define CG_MEM_BYTES (6LL << 30)

extern char **environ;

static int write_text(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    ssize_t n;

    if (fd < 0)
        return -1;
    n = write(fd, text, strlen(text));
    close(fd);
    return n == (ssize_t)strlen(text) ? 0 : -1;
}

/* Makes DIR (a cgroup) with FILE = VALUE; returns the dir or NULL. */
static char *cgroup_make(const char *root, const char *name, const char *file,
                         const char *value)
{
    char *dir, *f;

    if (access(root, W_OK) != 0)
        return NULL;
    dir = xasprintf("%s/%s", root, name);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        free(dir);
        return NULL;
    }
    f = xasprintf("%s/%s", dir, file);
    if (write_text(f, value) < 0) {
        free(f);
        rmdir(dir);
        free(dir);
        return NULL;
    }
    free(f);
    return dir;
}

int sandbox_open(struct sandbox *sb, const char *parent, char *err, size_t errlen)
{
    const char *t = getenv("TMPDIR");
    char name[64], val[32];

    memset(sb, 0, sizeof *sb);
    sb->uid = -1;
    sb->lock_fd = -1;
    if (geteuid() == 0) {
        /* A slot UID of our own: RLIMIT_NPROC counts per UID, and the
         * kill-by-UID sweep must reach nothing but this submission. */
        /* root-owned, traversable: the slot UID must reach its own dir even
         * when the caller's $TMPDIR is private (0700) */
        mkdir(SLOT_DIR, 0711);
        if (chmod(SLOT_DIR, 0711) < 0) {}
        for (int i = 0; i < SLOT_UID_COUNT && sb->uid < 0; i++) {
            char *lp = xasprintf(SLOT_DIR "/%d.lock", SLOT_UID_FIRST + i);
            int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
            free(lp);
            if (fd < 0)
                continue;
            if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
                sb->uid = SLOT_UID_FIRST + i;
                sb->lock_fd = fd;
            } else
                close(fd);
        }
        if (sb->uid < 0) {
            snprintf(err, errlen, "sandbox: all %d slot UIDs are busy", SLOT_UID_COUNT);
            return -1;
        }
        sandbox_kill_all(sb);       /* leftovers of a crashed grader */
        snprintf(name, sizeof name, "racelab-%d", sb->uid);
        snprintf(val, sizeof val, "%d", CG_PIDS_MAX);
        if (access("/sys/fs/cgroup/cgroup.controllers", R_OK) == 0) {
            /* cgroup v2: one dir, both controllers (if delegated). */
            write_text("/sys/fs/cgroup/cgroup.subtree_control", "+pids +memory");
            sb->cg_pids = cgroup_make("/sys/fs/cgroup", name, "pids.max", val);
            if (sb->cg_pids) {
                char *f = xasprintf("%s/memory.max", sb->cg_pids);
                char mv[32];
                snprintf(mv, sizeof mv, "%lld", CG_MEM_BYTES);
                if (write_text(f, mv) == 0)
                    sb->cg_mem = xstrdup(sb->cg_pids);
                free(f);
            }
        } else {
            char mv[32];
            snprintf(mv, sizeof mv, "%lld", CG_MEM_BYTES);
            sb->cg_pids = cgroup_make("/sys/fs/cgroup/pids", name, "pids.max", val);
            sb->cg_mem = cgroup_make("/sys/fs/cgroup/memory", name,
                                     "memory.limit_in_bytes", mv);
        }
    }
    if (!parent && getenv("RACELAB_SANDBOX_DIR") && *getenv("RACELAB_SANDBOX_DIR"))
        parent = getenv("RACELAB_SANDBOX_DIR");     /* must be traversable */
    if (!parent && sb->uid >= 0)
        parent = SLOT_DIR;
    sb->dir = xasprintf("%s/racelab-sb.XXXXXX", parent ? parent : t && *t ? t : "/tmp");
    if (!mkdtemp(sb->dir)) {
        snprintf(err, errlen, "sandbox: mkdtemp %s: %s", sb->dir, strerror(errno));
        free(sb->dir);
        sb->dir = NULL;
        sandbox_close(sb);
        return -1;
    }
    if (sb->uid >= 0 && chown(sb->dir, (uid_t)sb->uid, (gid_t)sb->uid) < 0) {
        snprintf(err, errlen, "sandbox: chown %s: %s", sb->dir, strerror(errno));
        sandbox_close(sb);
        return -1;
    }
    return 0;
}

static void cgroup_kill(const char *dir)
{
    for (int round = 0; dir && round < 50; round++) {
        char *f = xasprintf("%s/cgroup.procs", dir), *s = read_file(f, NULL);
        bool any = false;
        free(f);
        if (!s)
            return;
        for (char *p = strtok(s, "\n"); p; p = strtok(NULL, "\n")) {
            pid_t pid = (pid_t)atol(p);
            if (pid > 1 && pid != getpid()) {
                kill(pid, SIGKILL);
                any = true;
            }
        }
        free(s);
        if (!any)
            return;
        usleep(2000);
    }
}

/* Non-zombie processes whose real UID is UID. */
static int count_uid(int uid)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char path[300], *s, *u, *st;
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        s = read_file(path, NULL);
        if (!s)
            continue;
        u = strstr(s, "\nUid:");
        st = strstr(s, "\nState:");
        if (u && atoi(u + 5) == uid && !(st && st[8] == 'Z'))
            n++;
        free(s);
    }
    closedir(d);
    return n;
}

int sandbox_count(const struct sandbox *sb)
{
    int n = 0;

    if (sb->uid >= 0)
        n = count_uid(sb->uid);
    return n;
}

static void reap_orphans(void)
{
    int st;
    while (waitpid(-1, &st, WNOHANG) > 0)
        ;
}

int sandbox_kill_all(struct sandbox *sb)
{
    int found = sb->uid >= 0 ? count_uid(sb->uid) : 0;

    cgroup_kill(sb->cg_pids);
    for (int round = 0; sb->uid >= 0 && round < 20; round++) {
        /* A helper with the slot UID kills everything that UID may signal:
         * every process whose real or saved UID is the slot's, whatever
         * its process group or session. */
        pid_t k = fork();
        if (k == 0) {
            if (setgroups(0, NULL) < 0 || setgid((gid_t)sb->uid) < 0 ||
                setuid((uid_t)sb->uid) < 0)
                _exit(1);
            for (int i = 0; i < 1000; i++)
                if (kill(-1, SIGKILL) < 0 && errno == ESRCH)
                    break;
            _exit(0);
        }
        if (k > 0)
            waitpid(k, NULL, 0);
        usleep(5000);
        reap_orphans();
        if (count_uid(sb->uid) == 0)
            break;
    }
    cgroup_kill(sb->cg_pids);
    usleep(2000);
    reap_orphans();
    return found;
}

void sandbox_close(struct sandbox *sb)
{
    sandbox_kill_all(sb);
    if (sb->dir) {
        rm_rf(sb->dir);
        free(sb->dir);
    }
    /* Files the slot UID left in the shared temp dirs go too. */
    if (sb->uid >= 0) {
        static const char *const shared[] = {"/tmp", "/var/tmp", "/dev/shm"};
        for (size_t i = 0; i < 3; i++) {
            DIR *d = opendir(shared[i]);
            struct dirent *e;
            if (!d)
                continue;
            while ((e = readdir(d))) {
                struct stat st;
                char *p;
                if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
                    continue;
                p = xasprintf("%s/%s", shared[i], e->d_name);
                if (lstat(p, &st) == 0 && st.st_uid == (uid_t)sb->uid)
                    rm_rf(p);
                free(p);
            }
            closedir(d);
        }
    }
    if (sb->cg_pids)
        rmdir(sb->cg_pids);
    if (sb->cg_mem && (!sb->cg_pids || strcmp(sb->cg_mem, sb->cg_pids)))
        rmdir(sb->cg_mem);
    free(sb->cg_pids);
    free(sb->cg_mem);
    if (sb->lock_fd >= 0)
        close(sb->lock_fd);
    memset(sb, 0, sizeof *sb);
    sb->uid = -1;
    sb->lock_fd = -1;
}

const char *sandbox_describe(const struct sandbox *sb)
{
    static char buf[160];

    if (sb->uid < 0)
        return "not root: no slot UID, no cgroup (rlimits and process groups only)";
    snprintf(buf, sizeof buf, "uid %d%s%s", sb->uid,
             sb->cg_pids ? ", pids cgroup" : "", sb->cg_mem ? ", memory cgroup" : "");
    return buf;
}

static void set_limit(int res, long v)
{
    struct rlimit r = {(rlim_t)v, (rlim_t)v};
    if (v > 0)
        setrlimit(res, &r);
}

pid_t sandbox_spawn(struct sandbox *sb, char *const argv[], char *const env[],
                    const char *cwd, const struct sandbox_limits *lim,
                    int out_fd, int err_fd, int *pipe_out,
                    char *err, size_t errlen)
{
    int pfd[2] = {-1, -1}, efd[2];
    pid_t pid;
    struct strvec envv;

    if (pipe_out && pipe2(pfd, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    if (pipe2(efd, O_CLOEXEC) < 0) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    sv_init(&envv);
    {
        const char *path = getenv("PATH");
        sv_push_own(&envv, xasprintf("PATH=%s", path ? path : "/usr/bin:/bin"));
        sv_push_own(&envv, xasprintf("HOME=%s", sb->dir));
        sv_push_own(&envv, xasprintf("TMPDIR=%s", sb->dir));
        sv_push(&envv, "LC_ALL=C");
        for (size_t i = 0; env && env[i]; i++)
            sv_push(&envv, env[i]);
    }
    pid = fork();
    if (pid < 0) {
        snprintf(err, errlen, "fork: %s", strerror(errno));
        sv_free(&envv);
        return -1;
    }
    if (pid == 0) {
        char pidtxt[24];
        int e;
        setpgid(0, 0);
        snprintf(pidtxt, sizeof pidtxt, "%d", (int)getpid());
        if (sb->cg_pids) {
            char *f = xasprintf("%s/cgroup.procs", sb->cg_pids);
            write_text(f, pidtxt);
        }
        if (sb->cg_mem && (!sb->cg_pids || strcmp(sb->cg_mem, sb->cg_pids))) {
            char *f = xasprintf("%s/cgroup.procs", sb->cg_mem);
            write_text(f, pidtxt);
        }
        if (lim) {
            /* per real UID: without a slot UID of our own it would count
             * every process of the user running racelab */
            if (sb->uid >= 0)
                set_limit(RLIMIT_NPROC, lim->nproc);
            set_limit(RLIMIT_AS, lim->as_mb > 0 ? lim->as_mb << 20 : 0);
            if (lim->cpu_s > 0) {
                struct rlimit r = {(rlim_t)lim->cpu_s, (rlim_t)lim->cpu_s + 5};
                setrlimit(RLIMIT_CPU, &r);
            }
            set_limit(RLIMIT_FSIZE, lim->fsize_mb > 0 ? lim->fsize_mb << 20 : 0);
            set_limit(RLIMIT_NOFILE, lim->nofile);
            set_limit(RLIMIT_CORE, 0);
        }
        if (sb->uid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)sb->uid) < 0 ||
                             setuid((uid_t)sb->uid) < 0)) {
            e = errno;
            if (write(efd[1], &e, sizeof e) < 0) {}
            _exit(127);
        }
        prctl(PR_SET_PDEATHSIG, SIGKILL);   /* after setuid: it clears it */
        signal(SIGPIPE, SIG_DFL);
        if (pipe_out)
            dup2(pfd[1], 1);
        else if (out_fd >= 0)
            dup2(out_fd, 1);
        dup2(err_fd >= 0 ? err_fd : 1, 2);
        {
            int nul = open("/dev/null", O_RDONLY);
            dup2(nul, 0);
        }
        fcntl(efd[1], F_SETFD, FD_CLOEXEC);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != efd[1])
                close(fd);
        if (chdir(cwd ? cwd : sb->dir) < 0) {}
        execvpe(argv[0], argv, envv.v);
        e = errno;
        if (write(efd[1], &e, sizeof e) < 0) {}
        _exit(127);
    }
    sv_free(&envv);
    close(efd[1]);
    if (pipe_out) {
        close(pfd[1]);
        *pipe_out = pfd[0];
    }
    {
        int e = 0;
        ssize_t n = read(efd[0], &e, sizeof e);
        close(efd[0]);
        if (n == (ssize_t)sizeof e) {
            snprintf(err, errlen, "exec %s: %s", argv[0], strerror(e));
            waitpid(pid, NULL, 0);
            if (pipe_out)
                close(pfd[0]);
            return -1;
        }
    }
    return pid;
}

bool sandbox_wait(pid_t pid, double timeout, int *status)
{
    double end = now_mono() + timeout;

    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid)
            return true;
        if (r < 0 && errno != EINTR)
            return true;
        if (now_mono() >= end || proc_interrupted())
            return false;
        usleep(10000);
    }
}

int sandbox_run(struct sandbox *sb, char *const argv[], char *const env[],
                const char *cwd, const struct sandbox_limits *lim,
                double timeout, const char *log, int *status, bool *timed_out,
                char *err, size_t errlen)
{
    int fd = open(log ? log : "/dev/null", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    pid_t pid;

    *timed_out = false;
    *status = 0;
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", log, strerror(errno));
        return -1;
    }
    pid = sandbox_spawn(sb, argv, env, cwd, lim, fd, -1, NULL, err, errlen);
    close(fd);
    if (pid < 0)
        return -1;
    if (!sandbox_wait(pid, timeout, status)) {
        *timed_out = true;
        kill(-pid, SIGKILL);
        kill(pid, SIGKILL);
        waitpid(pid, status, 0);
    }
    /* Everything it started dies with it. */
    kill(-pid, SIGKILL);
    sandbox_kill_all(sb);
    return 0;
}
