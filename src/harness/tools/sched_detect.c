/* sched_detect.c - telling a `racelab cc` build (controlled scheduler,
 * src/sched) from a ThreadSanitizer build: both carry __tsan_* symbols,
 * only the first carries the runtime's mark. */
#include "cli.h"
#include "sched_detect.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

bool binary_has_sched(const char *path)
{
    size_t n;
    char *data = read_file(path, &n);
    bool yes;

    if (!data)
        return false;
    /* the exported symbol racelab_sched_runtime (src/sched/sched.c) */
    yes = memmem(data, n, "racelab_sched_runtime", 21) != NULL;
    free(data);
    return yes;
}

/* The runtime's own lines ("rlsched: ..." and the indented report) from
 * the program's stderr, at most 4 KiB. */
static char *runtime_lines(const char *tmpdir)
{
    char *path = xasprintf("%s/stderr", tmpdir);
    char *text = read_file(path, NULL);
    struct strbuf out;

    free(path);
    sb_init(&out);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if ((!strncmp(line, "rlsched:", 8) || !strncmp(line, "  ", 2)) &&
            out.len + strlen(line) < 4096)
            sb_printf(&out, "%s%s", out.len ? "\n" : "", line);
        if (!next)
            break;
    }
    free(text);
    return sb_steal(&out);
}

bool sched_run_verdict(int status, const char *tmpdir, char **hang_report,
                       struct strbuf *oracles, struct strvec *fired)
{
    bool deadlock = WIFEXITED(status) && WEXITSTATUS(status) == RLSCHED_EXIT_DEADLOCK;
    bool endless = WIFEXITED(status) && WEXITSTATUS(status) == RLSCHED_EXIT_ENDLESS;
    bool failed = deadlock || endless || WIFSIGNALED(status) ||
                  (WIFEXITED(status) && WEXITSTATUS(status) != 0);

    if ((deadlock || endless) && !sv_contains(fired, "hang")) {
        char *rep = runtime_lines(tmpdir);
        sv_push(fired, "hang");
        sb_printf(oracles, "%shang: %s", oracles->len ? "; " : "",
                  deadlock ? "deadlock reported by the controlled scheduler"
                           : "a schedule that never ended (an endless loop or a "
                             "livelock), found by dfs");
        free(*hang_report);
        *hang_report = rep;
    }
    if (failed) {
        /* the decisions, so the failing interleaving can be replayed
         * (RACELAB_SCHED_REPLAY) after the temp dir is gone */
        char *path = xasprintf("%s/sched.log", tmpdir);
        size_t n;
        char *log = read_file(path, &n);
        free(path);
        if (log && n > 0) {
            while (n > 0 && log[n - 1] == '\n')
                log[--n] = '\0';
            for (char *c = log; *c; c++)
                if (*c == '\n')
                    *c = ' ';
            sb_printf(oracles, "%sschedule: %.600s%s", oracles->len ? "; " : "", log,
                      n > 600 ? " ..." : "");
        }
        free(log);
    }
    return deadlock || endless;
}

void sched_measure_steps(const struct strvec *argv, double timeout)
{
    if (args_use(argv->v, argv->n, ARG_TMP) || args_use(argv->v, argv->n, ARG_PORT))
        return;         /* needs a run's directory or port: not alone */
    pid_t pid = fork();
    if (pid < 0)
        return;     /* no measurement: the runs then measure k themselves,
                       only the first runs' change points are less spread */
    if (pid == 0) {
        int fd = open("/dev/null", O_RDWR);
        /* silent, unperturbed, no log: or not at all */
        if (fd < 0 || dup2(fd, 0) < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0 ||
            setenv("RACELAB_CHAOS", "none", 1) < 0 ||
            setenv("RACELAB_SCHED_QUIET", "1", 1) < 0 ||
            unsetenv("RACELAB_SCHED_LOG") < 0 || unsetenv("RACELAB_SCHED_REPLAY") < 0)
            _exit(127);
        execv(argv->v[0], argv->v);
        _exit(127);
    }
    double end = now_mono() + timeout;
    int status;
    pid_t r;
    while ((r = waitpid(pid, &status, WNOHANG)) == 0 || (r < 0 && errno == EINTR)) {
        if (now_mono() > end) {
            /* ESRCH: it exited meanwhile; the waitpid below reaps it */
            (void)kill(pid, SIGKILL);
            while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
            return;
        }
        usleep(10000);
    }
}

char *sched_bound_line(const char *tmpdir)
{
    char *path = xasprintf("%s/stderr", tmpdir);
    char *text = read_file(path, NULL), *out = NULL;
    free(path);
    for (char *line = text, *next; line && *line && !out; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!strncmp(line, "rlsched: dfs: ", 14))
            out = xstrdup(line + 14);
        if (!next)
            break;
    }
    free(text);
    return out;
}
