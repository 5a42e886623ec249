/* children.c - the stuck-child oracle (see children.h). */
#include "children.h"
#include "harness_util.h"
#include "watchdog.h"

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *exe_of(pid_t pid)
{
    char link[64], buf[PATH_MAX];
    ssize_t n;

    snprintf(link, sizeof link, "/proc/%d/exe", (int)pid);
    n = readlink(link, buf, sizeof buf - 1);
    if (n < 0)
        return NULL;
    buf[n] = '\0';
    return xstrdup(buf);
}

static char *cmdline_of(pid_t pid, size_t *len)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
    return read_file(path, len);
}

/* PPid of PID from /proc/PID/stat (after the last ')' of comm), or -1. */
static pid_t ppid_of(pid_t pid)
{
    char path[64], buf[512];
    FILE *f;
    size_t n;
    int ppid = -1;

    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if (!(f = fopen(path, "re")))
        return -1;
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);                  /* read only */
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
        return -1;
    return ppid;
}

void children_watch_init(struct children_watch *w, pid_t parent)
{
    memset(w, 0, sizeof *w);
    w->parent = parent;
    w->parent_exe = exe_of(parent);
    w->parent_cmdline = cmdline_of(parent, &w->cmdline_len);
}

/* True while PID runs the image its parent runs. */
static bool same_image(const struct children_watch *w, pid_t pid)
{
    char *exe = exe_of(pid);
    size_t len = 0;
    char *cmd = exe ? cmdline_of(pid, &len) : NULL;
    bool same = exe && cmd && w->parent_exe && w->parent_cmdline &&
                strcmp(exe, w->parent_exe) == 0 && len == w->cmdline_len &&
                memcmp(cmd, w->parent_cmdline, len) == 0;
    free(exe);
    free(cmd);
    return same;
}

void children_scan(struct children_watch *w, double now)
{
    DIR *d;
    struct dirent *de;

    if (!w->parent_exe)
        return;
    if (!(d = opendir("/proc")))
        return;
    while ((de = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(de->d_name, &end, 10);
        if (*end || pid <= 0 || ppid_of((pid_t)pid) != w->parent)
            continue;
        struct child_seen *c = NULL;
        for (size_t i = 0; i < w->n; i++)
            if (w->v[i].pid == (pid_t)pid)
                c = &w->v[i];
        if (!c) {
            w->v = xrealloc(w->v, (w->n + 1) * sizeof *w->v);
            c = &w->v[w->n++];
            *c = (struct child_seen){(pid_t)pid, now, false};
        }
        if (!c->execd && !same_image(w, c->pid))
            c->execd = true;
    }
    closedir(d);     /* EBADF only: nothing to lose */
}

/* "f1 < f2 < f3" from gdb's bt of PID (innermost first), or NULL. */
static char *stack_of(pid_t pid)
{
    char cmd[128];
    struct strbuf sb;
    char line[1024];
    FILE *p;
    int frames = 0;

    snprintf(cmd, sizeof cmd, "gdb -p %d -batch -nx -ex bt 2>/dev/null", (int)pid);
    if (!(p = popen(cmd, "re")))
        return NULL;
    sb_init(&sb);
    while (fgets(line, sizeof line, p)) {
        char fn[256], *at;
        if (line[0] != '#')
            continue;
        /* "#3  0x... in accesslog_close () at x.c:12" or "#0  fn (...) at" */
        at = strstr(line, " in ");
        if (at)
            at += 4;
        else if ((at = strchr(line, ' ')) != NULL)
            while (*at == ' ')
                at++;
        if (!at || sscanf(at, "%255[^ (]", fn) != 1)
            continue;
        char *src = strstr(line, ") at ");
        char loc[300] = "";
        if (src) {
            char file[256];
            if (sscanf(src + 5, "%255s", file) == 1) {
                const char *base = strrchr(file, '/') ? strrchr(file, '/') + 1 : file;
                snprintf(loc, sizeof loc, " (%s)", base);
            }
        }
        sb_printf(&sb, "%s%s%s", frames ? " < " : "", fn, loc);
        if (++frames == 8)
            break;
    }
    pclose(p);
    if (!frames) {
        sb_free(&sb);
        return NULL;
    }
    return sb_steal(&sb);
}

char *children_stuck(struct children_watch *w, double now, double stuck,
                     bool with_stack)
{
    struct strbuf sb;
    int count = 0;
    pid_t first = 0;

    sb_init(&sb);
    for (size_t i = 0; i < w->n; i++) {
        struct child_seen *c = &w->v[i];
        if (c->execd || now - c->first_seen < stuck)
            continue;
        /* Still there, still our child, still the parent's image? */
        if (ppid_of(c->pid) != w->parent || !same_image(w, c->pid))
            continue;
        /* And asleep on a lock: a child that sleeps, computes or serves
         * (a pre-forked worker) is not stuck. */
        struct thread_sample ts;
        if (!thread_sample(c->pid, &ts) || !thread_sample_blocked(&ts, false, false))
            continue;
        if (count++ < 5)
            sb_printf(&sb, "%spid %d (%.1f s)", count > 1 ? ", " : "", (int)c->pid,
                      now - c->first_seen);
        if (!first)
            first = c->pid;
    }
    if (!count) {
        sb_free(&sb);
        return NULL;
    }
    char *list = sb_steal(&sb);
    char *stack = with_stack ? stack_of(first) : NULL;
    char *out = xasprintf("%d child%s of pid %d never exec'd nor exited: %s%s",
                          count, count > 1 ? "ren" : "", (int)w->parent, list,
                          count > 5 ? ", ..." : "");
    if (stack) {
        char *both = xasprintf("%s; pid %d is in %s", out, (int)first, stack);
        free(out);
        out = both;
    }
    free(list);
    free(stack);
    return out;
}

void children_watch_free(struct children_watch *w)
{
    free(w->parent_exe);
    free(w->parent_cmdline);
    free(w->v);
    memset(w, 0, sizeof *w);
}
