/* sandbox.c - limits, a slot UID, cgroups and a thorough kill for untrusted
 * submissions (see sandbox.h and docs/SECURITY.md). */
#include "sandbox.h"
#include "proc.h"
#include "harness_util.h"

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <pwd.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/syscall.h>
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
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

/* Slot UIDs are drawn at random from an ordinary-looking range (a login
 * user's, below login.defs' UID_MAX), never one /etc/passwd names or a
 * process runs as: a submission cannot recognise the grader by its UID. */
#define SLOT_UID_FIRST 20000
#define SLOT_UID_COUNT 40000
#define SLOT_UID_TRIES 200
/* Inside its user namespace the submission runs as UID/GID 1000, the first
 * user of a typical machine, whatever slot UID it has outside: it looks
 * like a student's own account, not like a grader's. */
#define NS_UID 1000
#define SLOT_DIR "/tmp/racelab-slots"
#define CG_PIDS_MAX 768
#define CG_MEM_BYTES (6LL << 30)

extern char **environ;

static int count_uid(int uid);

/* Status pipes of the isolated spawns: the init's wait status is not the
 * command's. */
#define STATUS_SLOTS 64
static struct {
    pid_t pid;
    int fd;
} status_tab[STATUS_SLOTS];

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

/* Locks a random free slot UID: no /etc/passwd entry, no process, and
 * not locked by another check.  0, or -1 with ERR. */
static int slot_pick(struct sandbox *sb, char *err, size_t errlen)
{
    for (int i = 0; i < SLOT_UID_TRIES && sb->uid < 0; i++) {
        unsigned r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = (unsigned)rand();
        int uid = SLOT_UID_FIRST + (int)(r % SLOT_UID_COUNT);
        if (getpwuid((uid_t)uid) || count_uid(uid) > 0)
            continue;
        char *lp = xasprintf(SLOT_DIR "/%d.lock", uid);
        int fd = open(lp, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        free(lp);
        if (fd < 0)
            continue;
        if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
            sb->uid = uid;
            sb->lock_fd = fd;
        } else
            close(fd);
    }
    if (sb->uid < 0) {
        snprintf(err, errlen, "sandbox: no free slot UID in %d..%d after %d tries",
                 SLOT_UID_FIRST, SLOT_UID_FIRST + SLOT_UID_COUNT - 1, SLOT_UID_TRIES);
        return -1;
    }
    return 0;
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
        if (chmod(SLOT_DIR, 0711) < 0) {
            snprintf(err, errlen, "chmod 0711 %s: %s", SLOT_DIR, strerror(errno));
            return -1;
        }
        if (slot_pick(sb, err, errlen) < 0)
            return -1;
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
    /* Namespaces need root; RACELAB_SANDBOX_NO_NS=1 turns them off (a
     * machine without them: sandbox_describe() says so in every verdict). */
    const char *nons = getenv("RACELAB_SANDBOX_NO_NS");
    if (sb->uid >= 0 && !(nons && !strcmp(nons, "1"))) {
        sb->root = xasprintf("%s.root", sb->dir);
        if (mkdir(sb->root, 0700) < 0) {
            snprintf(err, errlen, "sandbox: mkdir %s: %s", sb->root, strerror(errno));
            sandbox_close(sb);
            return -1;
        }
        sb->isolate = true;
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
    if (sb->root) {
        rmdir(sb->root);
        free(sb->root);
    }
    for (int i = 0; i < STATUS_SLOTS; i++)
        if (status_tab[i].pid > 0) {
            close(status_tab[i].fd);
            status_tab[i].pid = 0;
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
    if (sb->lock_fd >= 0) {
        /* UIDs are drawn from 40000: do not leave a lock file per UID
         * behind (unlinked while still locked, so no one else holds it) */
        char *lp = xasprintf(SLOT_DIR "/%d.lock", sb->uid);
        unlink(lp);
        free(lp);
        close(sb->lock_fd);
    }
    memset(sb, 0, sizeof *sb);
    sb->uid = -1;
    sb->lock_fd = -1;
}

const char *sandbox_describe(const struct sandbox *sb)
{
    static char buf[200];

    if (sb->uid < 0)
        return "not root: no slot UID, no cgroup (rlimits and process groups only)";
    snprintf(buf, sizeof buf, "uid %d%s%s%s", sb->uid,
             sb->cg_pids ? ", pids cgroup" : "", sb->cg_mem ? ", memory cgroup" : "",
             sb->isolate ? ", own user/PID/mount/network namespaces and root"
                         : ", NO namespaces (RACELAB_SANDBOX_NO_NS)");
    return buf;
}

static void set_limit(int res, long v)
{
    struct rlimit r = {(rlim_t)v, (rlim_t)v};
    if (v > 0)
        setrlimit(res, &r);
}

/* --- isolation: the namespaces' init and its private root ----------------
 *
 * With a slot UID, every spawn is cloned into new PID, mount, network, IPC
 * and UTS namespaces.  The clone is the namespaces' init (racelab's code,
 * still root): it builds a private root (a tmpfs with /usr, /etc, /sys and
 * a few devices bound in, a private /tmp holding nothing but the sandbox
 * dir, a /proc of its own PID namespace), chroots into it, brings up
 * loopback, forks the command (which drops to the slot UID and execs),
 * forwards signals to it and reports its wait status through a pipe.  When
 * the init exits, the kernel kills everything left in the namespace. */

/* Why a spawn failed, sent by the child before exec. */
enum spawn_stage { ST_SETUP, ST_UID, ST_CHDIR, ST_EXEC };
static const char *const stage_names[] = {"sandbox setup", "setuid", "chdir", "exec"};
struct spawn_fail {
    int stage, err;
    char what[200];
};

static void fail_report(int fd, int stage, int err, const char *what)
{
    struct spawn_fail f = {stage, err, ""};
    snprintf(f.what, sizeof f.what, "%s", what ? what : "");
    /* the parent reads this or EOF; EOF alone already fails the spawn
     * ("the child exited before exec"), so a lost report loses only words */
    if (write(fd, &f, sizeof f) < 0)
        return;
}

/* mkdir -p PATH (mode 0755); 0 or -1. */
static int mkdirs(const char *path)
{
    char *p = xstrdup(path);
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            if (mkdir(p, 0755) < 0 && errno != EEXIST) {
                free(p);
                return -1;
            }
            *s = '/';
        }
    int rc = mkdir(p, 0755) < 0 && errno != EEXIST ? -1 : 0;
    free(p);
    return rc;
}

/* Binds host path SRC at ROOT/SRC (a symlink stays a symlink); a missing
 * SRC is skipped.  RO: remounted read-only. */
static int bind_in(const char *root, const char *src, bool ro, const char **what)
{
    struct stat st;
    char *dst = xasprintf("%s%s", root, src);
    int rc = 0;

    *what = src;
    if (lstat(src, &st) < 0)
        goto out;
    if (S_ISLNK(st.st_mode)) {
        char target[4096];
        ssize_t n = readlink(src, target, sizeof target - 1);
        if (n < 0) {
            rc = -1;
            goto out;
        }
        target[n] = '\0';
        rc = symlink(target, dst);
        goto out;
    }
    if (S_ISDIR(st.st_mode))
        rc = mkdirs(dst);
    else {
        int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        rc = fd < 0 ? -1 : close(fd);
    }
    if (rc == 0)
        rc = mount(src, dst, NULL, MS_BIND | MS_REC, NULL);
    if (rc == 0 && ro) {
        /* in a user namespace a remount must keep the flags it inherited */
        struct statvfs v;
        unsigned long fl = MS_BIND | MS_REMOUNT | MS_RDONLY;
        if (statvfs(src, &v) == 0) {
            fl |= (v.f_flag & ST_NOSUID ? MS_NOSUID : 0) | (v.f_flag & ST_NODEV ? MS_NODEV : 0) |
                  (v.f_flag & ST_NOEXEC ? MS_NOEXEC : 0) |
                  (v.f_flag & ST_NOATIME ? MS_NOATIME : 0) |
                  (v.f_flag & ST_NODIRATIME ? MS_NODIRATIME : 0) |
                  (v.f_flag & ST_RELATIME ? MS_RELATIME : 0);
        }
        rc = mount(NULL, dst, NULL, fl, NULL);
    }
out:
    free(dst);
    return rc;
}

static int loopback_up(void)
{
    struct ifreq ifr;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), rc;

    if (fd < 0)
        return -1;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
    if (rc == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        rc = ioctl(fd, SIOCSIFFLAGS, &ifr);
    }
    close(fd);
    return rc;
}

/* /etc/passwd and /etc/group as the host has them, plus the slot UID as
 * an ordinary user "student": the grader's UID has a name like any other. */
static int write_identity(const char *root, int uid)
{
    static const char *const files[] = {"/etc/passwd", "/etc/group"};
    for (int i = 0; i < 2; i++) {
        char *host = read_file(files[i], NULL);
        char *dst = xasprintf("%s/.id%s", root, strrchr(files[i], '/'));
        FILE *f = fopen(dst, "w");
        int rc = -1;
        if (f) {
            /* the host's entries, but none with the UID the student has */
            for (char *l = host, *nl; l && *l; l = nl) {
                nl = strchr(l, '\n');
                size_t n = nl ? (size_t)(nl - l) : strlen(l);
                const char *c = l;
                for (int k = 0; k < 2 && c; k++)
                    c = memchr(c, ':', n - (size_t)(c - l)) ? (char *)memchr(c, ':', n - (size_t)(c - l)) + 1 : NULL;
                if (!c || atoi(c) != uid)
                    fprintf(f, "%.*s\n", (int)n, l);
                if (nl)
                    nl++;
            }
            if (i == 0)
                fprintf(f, "student:x:%d:%d:student:/home/student:/bin/sh\n", uid, uid);
            else
                fprintf(f, "student:x:%d:\n", uid);
            rc = fclose(f);
        }
        if (rc == 0) {
            char *at = xasprintf("%s%s", root, files[i]);
            rc = mount(dst, at, NULL, MS_BIND, NULL);
            free(at);
        }
        free(host);
        free(dst);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Builds the private root at SB->root and chroots into it.  0, or -1 with
 * errno and *WHAT naming the step. */
static int private_root(const struct sandbox *sb, const char **what)
{
    static const char *const ro_dirs[] = {"/usr", "/bin", "/sbin", "/lib", "/lib32",
                                          "/lib64", "/libx32", "/etc", "/sys"};
    static const char *const devs[] = {"/dev/null", "/dev/zero", "/dev/full",
                                       "/dev/random", "/dev/urandom"};
    const char *root = sb->root;
    char *p;

    *what = "make mounts private";
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
        return -1;
    *what = "tmpfs root";
    if (mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755,size=16m") < 0)
        return -1;
    for (size_t i = 0; i < sizeof ro_dirs / sizeof *ro_dirs; i++)
        if (bind_in(root, ro_dirs[i], true, what) < 0)
            return -1;
    *what = "identity";
    p = xasprintf("%s/.id", root);
    int rc = mkdir(p, 0700);
    free(p);
    if (rc < 0 || write_identity(root, NS_UID) < 0)
        return -1;
    *what = "/dev";
    p = xasprintf("%s/dev", root);
    rc = mkdir(p, 0755) < 0 ? -1 : mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NOEXEC,
                                              "mode=0755,size=64k");
    free(p);
    if (rc < 0)
        return -1;
    for (size_t i = 0; i < sizeof devs / sizeof *devs; i++)
        if (bind_in(root, devs[i], false, what) < 0)
            return -1;
    static const char *const tmps[] = {"/dev/shm", "/tmp", "/var/tmp", "/home/student"};
    for (size_t i = 0; i < sizeof tmps / sizeof *tmps; i++) {
        *what = tmps[i];
        p = xasprintf("%s%s", root, tmps[i]);
        rc = mkdirs(p) < 0 ? -1 : mount("tmpfs", p, "tmpfs", MS_NOSUID | MS_NODEV,
                                         "mode=1777,size=256m");
        free(p);
        if (rc < 0)
            return -1;
    }
    *what = "the sandbox dir";
    if (bind_in(root, sb->dir, false, what) < 0)
        return -1;
    *what = "/proc";
    p = xasprintf("%s/proc", root);
    /* hidepid=2: the init (root, a copy of racelab with the grader's
     * command line) is invisible to the submission's UID */
    rc = mkdir(p, 0555) < 0 ? -1 : mount("proc", p, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                                          "hidepid=2");
    free(p);
    if (rc < 0)
        return -1;
    *what = "chroot";
    if (chdir(root) < 0 || chroot(".") < 0 || chdir("/") < 0)
        return -1;
    *what = "loopback";
    return loopback_up();
}

/* Live processes in our PID namespace besides us (the init, PID 1). */
static int ns_count_left(void)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;

    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char path[300], *s, *st;
        if (e->d_name[0] < '1' || e->d_name[0] > '9' || !strcmp(e->d_name, "1"))
            continue;
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        s = read_file(path, NULL);
        st = s ? strstr(s, "\nState:") : NULL;
        if (s && !(st && strchr(st + 7, 'Z') && strchr(st + 7, 'Z') < strchr(st + 7, '\n')))
            n++;
        free(s);
    }
    closedir(d);
    return n;
}

/* The init of the namespaces: waits for CHILD, forwards signals to it,
 * writes its wait status to STATUS_FD and exits (which kills whatever else
 * is left in the namespace). */
static void ns_init_loop(pid_t child, int status_fd, const sigset_t *set)
{
    for (;;) {
        siginfo_t si;
        int sig = sigwaitinfo(set, &si), st;
        if (sig < 0)
            continue;
        if (sig != SIGCHLD) {
            kill(child, sig);
            continue;
        }
        for (pid_t r; (r = waitpid(-1, &st, WNOHANG)) > 0;)
            if (r == child) {
                /* what the command left running (daemons, forks) dies with
                 * us, but the verdict must know about it */
                int msg[2] = {st, ns_count_left()};
                /* a lost status reads as EOF: the parent then reports the
                 * command's status unknown, an environment error */
                if (write(status_fd, msg, sizeof msg) < 0)
                    _exit(1);
                _exit(0);
            }
    }
}

static void ns_handler(int sig)
{
    (void)sig;
}


static void status_register(pid_t pid, int fd)
{
    for (int i = 0; i < STATUS_SLOTS; i++)
        if (status_tab[i].pid == 0) {
            status_tab[i].pid = pid;
            status_tab[i].fd = fd;
            return;
        }
    close(fd);
}

static int last_left;

int sandbox_last_left(void)
{
    return last_left;
}

/* Replaces *STATUS (the init's) with the command's, if the init said. */
static void status_take(pid_t pid, int *status)
{
    for (int i = 0; i < STATUS_SLOTS; i++)
        if (status_tab[i].pid == pid) {
            int msg[2];
            last_left = 0;
            if (read(status_tab[i].fd, msg, sizeof msg) == (ssize_t)sizeof msg) {
                if (status)
                    *status = msg[0];
                last_left = msg[1];
            }
            close(status_tab[i].fd);
            status_tab[i].pid = 0;
        }
}

pid_t sandbox_main_pid(pid_t pid)
{
    char *f = xasprintf("/proc/%d/task/%d/children", (int)pid, (int)pid);
    char *s = read_file(f, NULL);
    pid_t c = s && atoi(s) > 0 ? (pid_t)atoi(s) : -1;
    free(f);
    free(s);
    for (int i = 0; i < STATUS_SLOTS; i++)
        if (status_tab[i].pid == pid)
            return c > 0 ? c : pid;
    return pid;
}

/* In the spawned process (or the init's child): limits, UID, fds, cwd,
 * exec.  Never returns. */
static void spawn_exec(const struct sandbox *sb, char *const argv[], char *const envv[],
                       const char *cwd, const struct sandbox_limits *lim, int out_fd,
                       int err_fd, int pipe_w, int efd)
{
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
    int uid = sb->isolate ? NS_UID : sb->uid;
    if (sb->uid >= 0 && (setgroups(0, NULL) < 0 || setgid((gid_t)uid) < 0 ||
                         setuid((uid_t)uid) < 0)) {
        fail_report(efd, ST_UID, errno, NULL);
        _exit(127);
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);   /* after setuid: it clears it */
    signal(SIGPIPE, SIG_DFL);
    if (pipe_w >= 0)
        dup2(pipe_w, 1);
    else if (out_fd >= 0)
        dup2(out_fd, 1);
    dup2(err_fd >= 0 ? err_fd : 1, 2);
    {
        int nul = open("/dev/null", O_RDONLY);
        dup2(nul, 0);
    }
    fcntl(efd, F_SETFD, FD_CLOEXEC);
    for (int fd = 3; fd < 1024; fd++)
        if (fd != efd)
            close(fd);
    if (chdir(cwd ? cwd : sb->dir) < 0) {
        /* never run a submission somewhere else than asked */
        fail_report(efd, ST_CHDIR, errno, cwd ? cwd : sb->dir);
        _exit(127);
    }
    execvpe(argv[0], argv, envv);
    fail_report(efd, ST_EXEC, errno, argv[0]);
    _exit(127);
}

/* The clone: the namespaces' init (isolated) or the command itself. */
static void spawn_child(const struct sandbox *sb, char *const argv[], char *const envv[],
                        const char *cwd, const struct sandbox_limits *lim, int out_fd,
                        int err_fd, int pipe_w, int efd, int go_fd, int status_fd)
{
    char c;
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    /* the parent puts us in the cgroups (our PID here is 1) first */
    if (read(go_fd, &c, 1) != 1)
        _exit(127);
    close(go_fd);
    if (!sb->isolate)
        spawn_exec(sb, argv, envv, cwd, lim, out_fd, err_fd, pipe_w, efd);
    const char *what = "";
    if (private_root(sb, &what) < 0) {
        fail_report(efd, ST_SETUP, errno, what);
        _exit(127);
    }
    static const int fwd[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2,
                              SIGALRM};
    sigset_t set, old;
    sigemptyset(&set);
    for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++) {
        /* an init's signals with the default action are dropped: a handler */
        signal(fwd[i], ns_handler);
        sigaddset(&set, fwd[i]);
    }
    sigprocmask(SIG_BLOCK, &set, &old);
    pid_t child = fork();
    if (child < 0) {
        fail_report(efd, ST_SETUP, errno, "fork");
        _exit(127);
    }
    if (child == 0) {
        for (size_t i = 0; i < sizeof fwd / sizeof *fwd; i++)
            signal(fwd[i], SIG_DFL);
        sigprocmask(SIG_SETMASK, &old, NULL);
        spawn_exec(sb, argv, envv, cwd, lim, out_fd, err_fd, pipe_w, efd);
    }
    for (int fd = 0; fd < 1024; fd++)
        if (fd != status_fd)
            close(fd);
    ns_init_loop(child, status_fd, &set);
}

static void spawn_env(struct strvec *envv, const struct sandbox *sb, char *const env[])
{
    const char *path = getenv("PATH");
    sv_init(envv);
    sv_push_own(envv, xasprintf("PATH=%s", path ? path : "/usr/bin:/bin"));
    sv_push_own(envv, xasprintf("HOME=%s", sb->dir));
    sv_push_own(envv, xasprintf("TMPDIR=%s", sb->dir));
    sv_push(envv, "LC_ALL=C");
    if (sb->isolate)
        sv_push(envv, "USER=student");
    for (size_t i = 0; env && env[i]; i++)
        sv_push(envv, env[i]);
}

/* The parent's half: cgroups, then let the child go, then its report. */
static int spawn_release(struct sandbox *sb, pid_t pid, int go_w, int efd_r,
                         char *err, size_t errlen)
{
    char pidtxt[24];
    struct spawn_fail f;
    ssize_t n;

    snprintf(pidtxt, sizeof pidtxt, "%d", (int)pid);
    if (sb->isolate) {
        /* ns root is racelab's root (the init's mounts); NS_UID is the slot */
        char map[64];
        snprintf(map, sizeof map, "0 0 1\n%d %d 1\n", NS_UID, sb->uid);
        for (int i = 0; i < 2; i++) {
            char *fl = xasprintf("/proc/%d/%s", (int)pid, i ? "gid_map" : "uid_map");
            int r = write_text(fl, map);
            free(fl);
            if (r < 0) {
                snprintf(err, errlen, "sandbox setup: writing the user namespace's %s: %s",
                         i ? "gid_map" : "uid_map", strerror(errno));
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0);
                status_take(pid, NULL);
                close(go_w);
                close(efd_r);
                return -1;
            }
        }
    }
    if (sb->cg_pids) {
        char *fl = xasprintf("%s/cgroup.procs", sb->cg_pids);
        write_text(fl, pidtxt);
        free(fl);
    }
    if (sb->cg_mem && (!sb->cg_pids || strcmp(sb->cg_mem, sb->cg_pids))) {
        char *fl = xasprintf("%s/cgroup.procs", sb->cg_mem);
        write_text(fl, pidtxt);
        free(fl);
    }
    /* a child that cannot get "go" died already (EPIPE): its error report
     * or EOF on efd_r, read next, says so */
    if (write(go_w, "g", 1) != 1)
        warnf("sandbox: the child was gone before it was told to start");
    close(go_w);
    n = read(efd_r, &f, sizeof f);
    close(efd_r);
    if (n != (ssize_t)sizeof f)
        return 0;
    f.what[sizeof f.what - 1] = '\0';
    snprintf(err, errlen, "%s%s%s: %s", stage_names[f.stage], f.what[0] ? " " : "", f.what,
             strerror(f.err));
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    status_take(pid, NULL);
    return -1;
}

pid_t sandbox_spawn(struct sandbox *sb, char *const argv[], char *const env[],
                    const char *cwd, const struct sandbox_limits *lim,
                    int out_fd, int err_fd, int *pipe_out,
                    char *err, size_t errlen)
{
    int pfd[2] = {-1, -1}, efd[2], go[2], st[2] = {-1, -1};
    pid_t pid;
    struct strvec envv;

    if ((pipe_out && pipe2(pfd, O_CLOEXEC) < 0) || pipe2(efd, O_CLOEXEC) < 0 ||
        pipe2(go, O_CLOEXEC) < 0 || (sb->isolate && pipe2(st, O_CLOEXEC) < 0)) {
        snprintf(err, errlen, "pipe: %s", strerror(errno));
        return -1;
    }
    spawn_env(&envv, sb, env);
    pid = sb->isolate ? (pid_t)syscall(SYS_clone, CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS |
                                       CLONE_NEWNET |
                                       CLONE_NEWIPC | CLONE_NEWUTS | SIGCHLD, NULL, NULL,
                                       NULL, 0)
                      : fork();
    if (pid < 0) {
        snprintf(err, errlen, "%s: %s", sb->isolate ? "clone (new namespaces)" : "fork",
                 strerror(errno));
        sv_free(&envv);
        return -1;
    }
    if (pid == 0) {
        close(go[1]);
        close(efd[0]);
        if (st[0] >= 0)
            close(st[0]);
        spawn_child(sb, argv, envv.v, cwd, lim, out_fd, err_fd, pipe_out ? pfd[1] : -1,
                    efd[1], go[0], st[1]);
        _exit(127);
    }
    sv_free(&envv);
    close(efd[1]);
    close(go[0]);
    if (st[1] >= 0) {
        close(st[1]);
        status_register(pid, st[0]);
    }
    if (pipe_out)
        close(pfd[1]);
    if (spawn_release(sb, pid, go[1], efd[0], err, errlen) < 0) {
        if (pipe_out)
            close(pfd[0]);
        return -1;
    }
    if (pipe_out)
        *pipe_out = pfd[0];
    return pid;
}

bool sandbox_wait(pid_t pid, double timeout, int *status)
{
    double end = now_mono() + timeout;

    for (;;) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid) {
            status_take(pid, status);
            return true;
        }
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
        status_take(pid, NULL);
    }
    /* Everything it started dies with it. */
    kill(-pid, SIGKILL);
    sandbox_kill_all(sb);
    return 0;
}
