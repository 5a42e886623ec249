/* runner.c - one run of a program under a tool, from temp dir to verdict.
 *
 * Phases: start the program in its own process group (under TSan, Helgrind,
 * DRD or bare), wait for it to listen, fork the load generator, watch
 * (progress, watchdog, --timeout, the tool's log for a first finding),
 * check the symptom oracles while the program still runs, SIGTERM it, and
 * finally parse what the tool wrote.  Every exit path goes through
 * `finish:`, which kills and reaps both process groups and removes the
 * temp dir.
 */
#include "runner.h"
#include "chaos_spec.h"
#include "children.h"
#include "detector.h"
#include "sched_detect.h"
#include "hang.h"
#include "watchdog.h"
#include "http_client.h"
#include "loadgen.h"
#include "manifest.h"
#include "oracle.h"
#include "proc.h"
#include "progress.h"

#include <dirent.h>
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

const char *runner_self_exe = "/proc/self/exe";

/* Detector slowdowns (TSan ~5-15x, Valgrind ~20-50x) scale the budgets:
 * each detector's factors are in its file (tools/). */
double tool_hang_seconds(int tool, double manifest_value)
{
    double base = manifest_value > 0 ? manifest_value : 3.0;
    return base * detector_get(tool)->hang_factor;
}

double tool_slow_ms(int tool, double manifest_value)
{
    double base = manifest_value > 0 ? manifest_value : 1000;
    return base * detector_get(tool)->slow_factor;
}

double tool_startup_seconds(int tool)
{
    return detector_get(tool)->startup_seconds;
}

/* A correct server exits within 0.01 s of SIGTERM (0.1 s under TSan, ~2 s
 * under valgrind); the budget is 20-30 times that, but short enough that a
 * lost wakeup at shutdown does not eat the `make tsan` time budget. */
double tool_shutdown_seconds(int tool)
{
    return detector_get(tool)->shutdown_seconds;
}

/* Everything one run juggles, so helpers can share it. */
struct run {
    const struct run_spec *spec;
    struct run_output *out;
    const struct detector *det; /* the spec's tool, or the sched mode */
    struct detector_run dr;     /* what the detector sees of this run */
    char *tmp;
    struct proc prog, load;
    double t0;
    int port;
    struct strbuf oracles;      /* "name: detail; ..." of every fired oracle */
    struct strvec fired;        /* oracle names */
    char progbuf[512];          /* partial stdout line of the program */
    size_t proglen;
    char loadbuf[1024];
    size_t loadlen;
    long long completed, inflight;
    double last_progress;
    struct load_result lr;
    /* first-finding polling */
    off_t log_size;
    double last_log_check;
    bool expected_seen;
    bool sent_term;
    /* phases */
    struct strvec argv, env;    /* the program's command line, environment */
    struct strbuf notes;        /* facts that are not oracles ("stopped
                                   early ...", "report partly unreadable") */
    int errfd, loadfd, pidfd;
    bool hung, stopped_early, load_ended;
    long vm_base, vm_end;
    bool have_stats;
    long long stats_requests, stats_entries;
    double t_load;
    double last_health_check;
    struct block_watch blocks;
    struct children_watch kids; /* the stuck-child oracle (children.c) */
    long th_base, th_end;       /* the server's threads: threads-lost */
};

/* RACELAB_DEBUG=1: phase timestamps on stderr, to see where a run's time
 * goes. */
static void trace(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static bool trace_enabled;
static pthread_once_t trace_once = PTHREAD_ONCE_INIT;

static void trace_init(void)
{
    const char *v = getenv("RACELAB_DEBUG");
    trace_enabled = v && *v && strcmp(v, "0") != 0;
}

static void trace(struct run *r, const char *fmt, ...)
{
    va_list ap;
    char buf[512];

    /* once, not lazily: run_one() runs on several pool threads */
    pthread_once(&trace_once, trace_init);
    if (!trace_enabled)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    fprintf(stderr, "racelab: [%s +%.3f] %s\n", r->spec->label, now_mono() - r->t0, buf);
}

static void fire(struct run *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fire(struct run *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (sv_contains(&r->fired, name))
        return;
    sv_push(&r->fired, name);
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    sb_printf(&r->oracles, "%s%s: %s", r->oracles.len ? "; " : "", name,
              s ? s : "");
    free(s);
}

static void env_error(struct run *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void env_error(struct run *r, const char *fmt, ...)
{
    va_list ap;
    char *s;

    if (run_outcome_is_error(r->out->rec.outcome))
        return;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = xstrdup(fmt);
    va_end(ap);
    r->out->rec.outcome = RUN_ENV_ERROR;
    free(r->out->rec.reason);
    r->out->rec.reason = s;
}

/* The detector did not run (or died): the run tested nothing.  QUOTE is
 * the tool's own line (taken). */
static void tool_error(struct run *r, char *quote)
{
    struct run_record *rec = &r->out->rec;

    if (rec->outcome == RUN_TOOL_ERROR) {
        free(quote);
        return;
    }
    rec->outcome = RUN_TOOL_ERROR;
    free(rec->reason);
    rec->reason = xasprintf("%s did not run properly: %s", r->det->name, quote);
    free(quote);
}

/* Checks the tool's output for its own failure; true if it failed.
 * FINISHED: the tool process has exited by itself or on SIGTERM. */
static bool check_tool_health(struct run *r, bool finished)
{
    char *quote = r->det->health ? r->det->health(&r->dr, finished) : NULL;

    if (!quote)
        return false;
    tool_error(r, quote);
    return true;
}

/* The tail of run-N/NAME (the program's stderr, say), one line, for
 * messages. */
static char *file_tail(struct run *r, const char *name)
{
    char *path = xasprintf("%s/%s", r->tmp, name);
    size_t n;
    char *text = read_file(path, &n), *res;

    free(path);
    if (!text || n == 0) {
        free(text);
        return xstrdup("(no stderr)");
    }
    /* the last 3 non-empty lines, joined */
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    size_t start = n, lines = 0;
    while (start > 0 && lines < 3) {
        start--;
        if (text[start] == '\n')
            lines++;
    }
    res = xstrdup(text + start + (text[start] == '\n'));
    for (char *p = res; *p; p++)
        if (*p == '\n')
            *p = ' ';
    if (strlen(res) > 400)
        res[400] = '\0';
    free(text);
    return res;
}

static int free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

    if (fd < 0)
        return -1;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);                  /* a probe socket: nothing to lose */
    return port;
}

static bool port_accepts(int port)
{
    struct http_conn c;
    char err[128];
    if (http_connect(&c, port, 1, err, sizeof err) != HTTP_OK)
        return false;
    http_close(&c);
    return true;
}

/* Builds the command line: tool wrapper + program + arguments, with
 * {port} and {tmp} substituted. */
static void build_argv(struct run *r, struct strvec *argv, struct strvec *env)
{
    const struct run_spec *s = r->spec;
    char portbuf[16];

    snprintf(portbuf, sizeof portbuf, "%d", r->port);
    if (r->det->command)
        r->det->command(&r->dr, argv, env);
    if (s->chaos) {
        /* one seed per run, so a perturbed schedule can be replayed */
        struct chaos_config cc;
        bool as_is = chaos_spec_parse(s->chaos, &cc, NULL, 0) < 0 ||
                     cc.strategy == CHAOS_NONE || (cc.given & (1u << CHAOS_KEY_seed));
        sv_push_own(env, as_is ? xasprintf("RACELAB_CHAOS=%s", s->chaos)
                               : xasprintf("RACELAB_CHAOS=%s:seed=%lu", s->chaos, s->seed));
        if (s->chaos_preload && r->det->preload_chaos) {
            const char *old = getenv("LD_PRELOAD");
            sv_push_own(env, old && *old
                                 ? xasprintf("LD_PRELOAD=%s:%s", s->chaos_preload, old)
                                 : xasprintf("LD_PRELOAD=%s", s->chaos_preload));
        }
    }
    for (size_t i = 0; i < s->argv.n; i++) {
        char *a = str_replace(s->argv.v[i], ARG_PORT, portbuf);
        char *b = str_replace(a, ARG_TMP, r->tmp);
        free(a);
        sv_push_own(argv, b);
        if (i == 0 && s->server) {
            sv_push(argv, "--host");
            sv_push(argv, "127.0.0.1");
            sv_push(argv, "--port");
            sv_push(argv, "0");
            sv_push(argv, "--root");
            sv_push(argv, s->docroot);
        }
    }
}

/* Drains the program's stdout; in server mode returns the port from the
 * "listening on HOST:PORT" line once seen. */
static int drain_prog(struct run *r)
{
    char buf[4096];
    int port = 0;

    if (r->prog.out_fd < 0)
        return 0;
    for (;;) {
        ssize_t n = read(r->prog.out_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            close(r->prog.out_fd);      /* EOF on a read end */
            r->prog.out_fd = -1;
            return port;
        }
        if (n < 0)
            return port;        /* EAGAIN */
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || r->proglen == sizeof r->progbuf - 1) {
                r->progbuf[r->proglen] = '\0';
                char *p = strstr(r->progbuf, "listening on ");
                if (p && !port) {
                    char *colon = strrchr(p, ':');
                    if (colon)
                        port = atoi(colon + 1);
                }
                r->proglen = 0;
            } else
                r->progbuf[r->proglen++] = buf[i];
        }
    }
}

static void drain_load(struct run *r)
{
    char buf[4096];

    if (r->load.out_fd < 0)
        return;
    for (;;) {
        ssize_t n = read(r->load.out_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            close(r->load.out_fd);      /* EOF on a read end */
            r->load.out_fd = -1;
            return;
        }
        if (n < 0)
            return;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || r->loadlen == sizeof r->loadbuf - 1) {
                r->loadbuf[r->loadlen] = '\0';
                if (r->loadbuf[0] == 'p') {
                    long long c = 0, f = 0;
                    if (sscanf(r->loadbuf, "p %lld %lld", &c, &f) == 2) {
                        if (c > r->completed)
                            r->last_progress = now_mono();
                        r->completed = c;
                        r->inflight = f;
                    }
                } else if (r->loadbuf[0] == 'r')
                    loadgen_parse_result(r->loadbuf, &r->lr);
                r->loadlen = 0;
            } else
                r->loadbuf[r->loadlen++] = buf[i];
        }
    }
}

/* 0, or -1 (errno set): a blocking pipe would stall the watch loop. */
static int set_nonblock(int fd)
{
    int fl = fd >= 0 ? fcntl(fd, F_GETFL) : 0;

    if (fd < 0)
        return 0;
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 ? -1 : 0;
}

/* Parses every report the tool wrote; after a failure with PARTIAL, what
 * could be read. */
static int parse_reports(struct run *r, struct finding_list *out, bool partial,
                         char *err, size_t errlen)
{
    int n;

    if (!r->det->parse)
        return 0;
    n = r->det->parse(&r->dr, out, partial, err, errlen);
    return n < 0 && partial ? 0 : n;
}

static size_t match_depth(const struct run_spec *s)
{
    return s->match_depth ? s->match_depth : RUNNER_MATCH_DEPTH;
}

static bool finding_matches(const struct run_spec *s, const struct finding *f)
{
    if (s->nlocs > 0)
        return finding_at_locations(f, s->locs, s->nlocs, match_depth(s));
    /* No locations (stress): any finding of an expected kind counts. */
    return s->expect_kinds == 0 || (s->expect_kinds & (1u << f->kind));
}

/* Polls the tool's log: records the first finding's time and decides an
 * early stop (an expected finding at the manifest's locations appeared). */
static void check_reports(struct run *r)
{
    double now = now_mono();
    off_t sz;

    if (!r->det->reports || !r->det->report_bytes || now - r->last_log_check < 0.25)
        return;
    r->last_log_check = now;
    sz = r->det->report_bytes(&r->dr);
    if (sz <= r->log_size)
        return;
    r->log_size = sz;
    if (r->out->rec.first_finding_seconds < 0)
        r->out->rec.first_finding_seconds = now - r->t0;
    if (r->spec->early_stop && !r->expected_seen) {
        /* Stop once every expected kind was seen at the locations: the
         * verdict wants each of them, and a cheap data race must not cut
         * off the use-after-free that follows it. */
        struct finding_list l;
        char err[256];
        unsigned seen = 0;
        finding_list_init(&l);
        /* partial: what is complete so far is all early stop needs; the
         * final parse (phase_reports) says what was unreadable */
        parse_reports(r, &l, true, err, sizeof err);
        for (size_t i = 0; i < l.count; i++)
            if (finding_matches(r->spec, &l.items[i]))
                seen |= 1u << l.items[i].kind;
        finding_list_free(&l);
        r->expected_seen = seen && (seen & r->spec->expect_kinds) ==
                                       (r->spec->expect_kinds ? r->spec->expect_kinds
                                                              : seen);
        if (r->expected_seen)
            trace(r, "expected findings seen: early stop");
    }
}

static void capture_hang(struct run *r, const char *what)
{
    trace(r, "gdb: capturing stacks (%s)", what);
    char *rep = hang_report(r->prog.pid, r->det->gdb_attach, r->spec->source);
    trace(r, "gdb: done");
    struct run_record *rec = &r->out->rec;
    if (rec->hang_report) {
        char *both = xasprintf("%s\n%s: %s", rec->hang_report, what, rep);
        free(rec->hang_report);
        free(rep);
        rec->hang_report = both;
    } else {
        rec->hang_report = xasprintf("%s: %s", what, rep);
        free(rep);
    }
}

/* Was the program's death a crash?  Signals we sent are not. */
static bool is_crash(struct run *r, int *sig)
{
    int st = r->prog.status;

    *sig = 0;
    if (WIFSIGNALED(st)) {
        int s = WTERMSIG(st);
        if (s == SIGKILL || (s == SIGTERM && r->sent_term))
            return false;
        *sig = s;
        return true;
    }
    /* A sanitizer turns a SEGV into a report and an exit; its log says so
     * ("ThreadSanitizer:DEADLYSIGNAL"). */
    if (r->det->deadly_signal) {
        int d = r->det->deadly_signal(&r->dr);
        if (d) {
            *sig = d > 0 ? d : 0;
            return true;
        }
    }
    /* The detector's "I reported and stopped the program" exit (ASan halts
     * at its first error) is the finding's, not a crash. */
    if (WIFEXITED(st) && r->det->report_exit >= 0 &&
        WEXITSTATUS(st) == r->det->report_exit && r->det->report_bytes &&
        r->det->report_bytes(&r->dr) > 0)
        return false;
    /* A server that exits before being asked to has crashed in effect. */
    return r->spec->server && !r->sent_term;
}

/* --- phases of a run ---------------------------------------------------- */

static bool uses_port(const struct run_spec *s)
{
    return args_use(s->argv.v, s->argv.n, ARG_PORT);
}

/* A pidfd turns the program's exit into a poll() event, so a run ends the
 * moment the program does (no polling interval of dead time). */
static int open_pidfd(pid_t pid)
{
#ifdef SYS_pidfd_open
    return (int)syscall(SYS_pidfd_open, pid, 0);
#else
    (void)pid;
    return -1;
#endif
}

/* Waits up to SECONDS for the fds of interest (the program's stdout, the
 * load's, the program's exit). */
static void wait_events(struct run *r, double seconds)
{
    struct pollfd pfd[3];
    int np = 0;

    if (r->prog.out_fd >= 0)
        pfd[np++] = (struct pollfd){r->prog.out_fd, POLLIN, 0};
    if (r->load.out_fd >= 0)
        pfd[np++] = (struct pollfd){r->load.out_fd, POLLIN, 0};
    if (r->pidfd >= 0 && !r->prog.exited)
        pfd[np++] = (struct pollfd){r->pidfd, POLLIN, 0};
    if (np)
        poll(pfd, (nfds_t)np, (int)(seconds * 1000));
    else
        sleep_seconds(seconds);
}

/* Phase 1: the temp dir, the command line, the program in its group. */
static int phase_start(struct run *r)
{
    const struct run_spec *spec = r->spec;
    char err[512];

    r->tmp = xasprintf("%s/run-%d", spec->session, spec->index);
    r->dr.tmp = r->tmp;
    if (mkdir(r->tmp, 0700) < 0) {
        env_error(r, "mkdir %s: %s", r->tmp, strerror(errno));
        return -1;
    }
    r->port = spec->server ? 0 : free_port();
    build_argv(r, &r->argv, &r->env);
    {
        char *p = xasprintf("%s/stderr", r->tmp);
        r->errfd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        free(p);
    }
    struct spawn_opts po = {r->argv.v, r->env.v, SPAWN_DEVNULL, SPAWN_PIPE,
                            r->errfd >= 0 ? r->errfd : SPAWN_DEVNULL, false};
    r->t0 = now_mono();
    if (proc_spawn(&r->prog, &po, err, sizeof err) < 0) {
        env_error(r, "could not start %s: %s", spec->argv.v[0], err);
        return -1;
    }
    r->pidfd = open_pidfd(r->prog.pid);     /* -1: polled instead */
    if (set_nonblock(r->prog.out_fd) < 0) {
        env_error(r, "fcntl O_NONBLOCK on %s's stdout: %s", spec->argv.v[0],
                  strerror(errno));
        return -1;
    }
    return 0;
}

/* The program died or stalled before listening: the tool's own failure
 * if it has one (exit 3 as tool-error, with its words), else "never
 * listened" with the tail of its stderr. */
static void never_listened(struct run *r, const char *how)
{
    char *tail;

    if (check_tool_health(r, r->prog.exited))
        return;
    tail = file_tail(r, "stderr");
    env_error(r, "never listened: %s %s: %s", r->spec->argv.v[0], how, tail);
    free(tail);
}

/* Phase 2: a server's "listening on" line, or a {port} that accepts. */
static int phase_listen(struct run *r)
{
    const struct run_spec *spec = r->spec;
    double limit = tool_startup_seconds(spec->tool);

    if (!spec->server && !(uses_port(spec) && r->port > 0))
        return 0;
    if (limit > spec->timeout)
        limit = spec->timeout;
    for (;;) {
        if (proc_interrupted())
            return -1;
        if (spec->server) {
            wait_events(r, 0.05);
            int p = drain_prog(r);
            if (p > 0) {
                r->port = p;
                trace(r, "listening on port %d", p);
                return 0;
            }
        } else {
            if (port_accepts(r->port)) {
                trace(r, "port %d accepts", r->port);
                return 0;
            }
            wait_events(r, 0.02);
            drain_prog(r);
        }
        if (proc_poll(&r->prog)) {
            char desc[64], how[96];
            proc_describe(r->prog.status, desc, sizeof desc);
            snprintf(how, sizeof how, "%s before listening", desc);
            never_listened(r, how);
            return -1;
        }
        if (now_mono() - r->t0 > limit) {
            char how[96];
            snprintf(how, sizeof how, "did not listen within %.0f s", limit);
            never_listened(r, how);
            return -1;
        }
    }
}

/* Phase 3: the load, from a separate process. */
static int phase_load(struct run *r)
{
    const struct run_spec *spec = r->spec;
    char err[512], portbuf[16];

    snprintf(portbuf, sizeof portbuf, "%d", r->port);
    /* threads-lost's base: the idle server's threads, before any request
     * (a thread-per-connection server has handlers alive once it starts) */
    r->th_base = spec->server ? proc_threads(r->prog.pid) : -1;
    if (spec->profile) {
        struct strvec la;
        sv_init(&la);
        sv_push(&la, runner_self_exe);
        sv_push(&la, "__loadgen");
        sv_push(&la, "--port"); sv_push(&la, portbuf);
        sv_push(&la, "--clients"); sv_push_own(&la, xasprintf("%d", spec->clients));
        sv_push(&la, "--duration"); sv_push_own(&la, xasprintf("%.3f", spec->duration));
        sv_push(&la, "--timeout"); sv_push_own(&la, xasprintf("%.3f", spec->timeout));
        sv_push(&la, "--profile"); sv_push(&la, spec->profile);
        sv_push(&la, "--seed"); sv_push_own(&la, xasprintf("%lu", spec->seed));
        sv_push(&la, "--files"); sv_push_own(&la, xasprintf("%u", spec->nfiles));
        for (size_t i = 0; i < spec->http_paths.n; i++) {
            sv_push(&la, "--path");
            sv_push(&la, spec->http_paths.v[i]);
        }
        char *lp = xasprintf("%s/load.stderr", r->tmp);
        r->loadfd = open(lp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        free(lp);
        struct spawn_opts lo = {la.v, NULL, SPAWN_DEVNULL, SPAWN_PIPE,
                                r->loadfd >= 0 ? r->loadfd : SPAWN_DEVNULL, false};
        int rc = proc_spawn(&r->load, &lo, err, sizeof err);
        sv_free(&la);
        if (rc < 0) {
            env_error(r, "could not start the load generator: %s", err);
            return -1;
        }
        if (set_nonblock(r->load.out_fd) < 0) {
            env_error(r, "fcntl O_NONBLOCK on the load generator's stdout: %s",
                      strerror(errno));
            return -1;
        }
    } else if (spec->load_cmd) {
        char *a = str_replace(spec->load_cmd, ARG_PORT, portbuf);
        char *cmd = str_replace(a, "{tmp}", r->tmp);
        char *la[] = {"/bin/sh", "-c", cmd, NULL};
        /* its own output file: a failing load is quoted from it */
        char *lp = xasprintf("%s/load.stderr", r->tmp);
        r->loadfd = open(lp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        free(lp);
        int lfd = r->loadfd >= 0 ? r->loadfd : SPAWN_DEVNULL;
        struct spawn_opts lo = {la, NULL, SPAWN_DEVNULL, lfd, lfd, false};
        int rc = proc_spawn(&r->load, &lo, err, sizeof err);
        free(a);
        free(cmd);
        if (rc < 0) {
            env_error(r, "could not start the --load command: %s", err);
            return -1;
        }
    }
    r->t_load = r->last_progress = now_mono();
    trace(r, "load started");
    return 0;
}

/* The blocked-threads watchdog: every thread asleep in futex() with no CPU
 * progress for the window is a deadlock, whatever the load is doing. */
static bool watch_blocked(struct run *r, double now)
{
    struct thread_sample ts;

    if (r->prog.exited ||
        !block_watch_poll(&r->blocks, r->prog.pid, r->det->sleeper_thread,
                          false, now, &ts))
        return false;
    fire(r, "hang", "every thread blocked (%d in a futex wait) with no CPU "
         "progress for %.1f s", ts.futex_waits, now - r->blocks.since);
    return true;
}

/* Phase 4: watch until the load or the program ends, or something fires. */
static void phase_watch(struct run *r)
{
    const struct run_spec *spec = r->spec;
    bool have_load = r->load.pid > 0;
    double base_at = r->t_load + (spec->duration > 3 ? 1.0 : spec->duration / 3);

    block_watch_init(&r->blocks, spec->block_window > 0 ? spec->block_window
                                                          : RUNNER_BLOCK_WINDOW);
    r->vm_base = r->vm_end = -1;
    children_watch_init(&r->kids, r->prog.pid);
    for (;;) {
        wait_events(r, 0.1);
        drain_prog(r);
        drain_load(r);
        double now = now_mono();

        if (proc_interrupted())
            return;
        if (r->vm_base < 0 && spec->server && now >= base_at)
            r->vm_base = proc_vmsize_kb(r->prog.pid);
        check_reports(r);
        children_scan(&r->kids, now);
        if (now - r->last_health_check >= 0.25) {
            r->last_health_check = now;
            /* A TSan CHECK failure ends the run at once: the runtime is
             * broken and nothing more it says can be trusted. */
            if (check_tool_health(r, false))
                return;
        }
        if (have_load && proc_poll(&r->load)) {
            drain_load(r);
            r->load_ended = true;
            return;
        }
        if (proc_poll(&r->prog))
            return;
        if (!have_load && spec->duration > 0 && now - r->t_load >= spec->duration)
            return;
        if (have_load && spec->load_cmd && spec->duration > 0 &&
            now - r->t_load >= spec->duration)
            return;
        if (spec->profile && r->inflight > 0 &&
            now - r->last_progress > spec->hang_seconds) {
            r->hung = true;
            fire(r, "hang", "no request completed for %.1f s while %lld "
                 "clients waited (%lld responses before)", now - r->last_progress,
                 r->inflight, r->completed);
            capture_hang(r, "watchdog");
            return;
        }
        if (watch_blocked(r, now)) {
            r->hung = true;
            capture_hang(r, "watchdog");
            return;
        }
        if (now - r->t0 > spec->timeout) {
            r->hung = true;
            fire(r, "hang", "the run exceeded --timeout %.0f s", spec->timeout);
            capture_hang(r, "timeout");
            return;
        }
        if (r->expected_seen) {
            r->stopped_early = true;
            return;
        }
    }
}

/* The children of the program that forked and neither exec'd nor exited
 * (stuck-child: a lock held at fork() by another thread). */
static void check_children(struct run *r)
{
    const struct run_spec *spec = r->spec;
    char *k = children_stuck(&r->kids, now_mono(), spec->hang_seconds / 3,
                             r->det->gdb_attach);

    if (k)
        fire(r, "stuck-child", "%s", k);
    free(k);
}

/* Phase 5: oracles that need the live server (not after an early stop or
 * a hang: the server may be deadlocked, and the load was cut short). */
static void phase_live_oracles(struct run *r)
{
    const struct run_spec *spec = r->spec;
    struct http_resp resp;
    char err[256];

    /* The load is over (or abandoned): its group goes now, so a stuck
     * client cannot keep a connection open during shutdown. */
    if (r->load.pid > 0) {
        if (!r->load.exited)
            proc_signal(&r->load, SIGKILL);
        proc_finish(&r->load);
    }
    if (r->hung || r->stopped_early || r->prog.exited || !spec->server ||
        run_outcome_is_error(r->out->rec.outcome))
        return;
    r->vm_end = proc_vmsize_kb(r->prog.pid);
    r->th_end = proc_threads(r->prog.pid);
    r->stats_requests = r->stats_entries = -1;
    if (http_get(r->port, "/-/stats", spec->hang_seconds, &resp,
                 err, sizeof err) == HTTP_OK) {
        if (resp.status == 200 && resp.body) {
            r->have_stats = json_number(resp.body, "requests", &r->stats_requests);
            json_number(resp.body, "cache_entries", &r->stats_entries);
        }
        http_resp_free(&resp);
    } else if (!proc_poll(&r->prog)) {
        fire(r, "stats-unavailable", "GET /-/stats failed: %s", err);
    }
}

/* Waits up to LIMIT seconds for the program to exit after SIGTERM; false
 * (shutdown-hang fired) if it did not, or if before that every thread sat
 * blocked in futex() with no CPU progress for the blocked window: a
 * shutdown that waits for a wakeup nobody will send is over already. */
static bool wait_shutdown(struct run *r, double limit)
{
    double start = now_mono(), window;
    struct block_watch w;

    window = r->spec->block_window > 0 ? r->spec->block_window
                                       : RUNNER_BLOCK_WINDOW;
    block_watch_init(&w, window);
    for (;;) {
        struct thread_sample ts;
        double now;

        wait_events(r, 0.05);
        if (proc_poll(&r->prog))
            return true;
        now = now_mono();
        if (now - start >= limit) {
            fire(r, "shutdown-hang", "still running %.0f s after SIGTERM", limit);
            return false;
        }
        if (block_watch_poll(&w, r->prog.pid, r->det->sleeper_thread,
                             true, now, &ts)) {
            fire(r, "shutdown-hang", "still running %.1f s after SIGTERM, every "
                 "thread blocked (%d in a futex wait) with no CPU progress for "
                 "%.1f s", now - start, ts.futex_waits, now - w.since);
            return false;
        }
    }
}

/* Phase 6: SIGTERM, a grace period, SIGKILL. */
static void phase_shutdown(struct run *r)
{
    trace(r, "shutdown");
    if (!r->prog.exited && !proc_poll(&r->prog)) {
        if (r->hung || r->out->rec.outcome == RUN_TOOL_ERROR) {
            proc_signal(&r->prog, SIGKILL);
        } else if (r->stopped_early) {
            /* The expected finding is in: a short grace for the report's
             * last bytes, then the group goes.  Not a shutdown-hang: a
             * deadlocked server cannot exit, and that is known already. */
            kill(r->prog.pid, SIGTERM);     /* ESRCH: it just exited */
            r->sent_term = true;
            if (!proc_wait(&r->prog, 0.3))
                proc_signal(&r->prog, SIGKILL);
        } else {
            double limit = r->det->shutdown_seconds;
            kill(r->prog.pid, SIGTERM);
            r->sent_term = true;
            if (!wait_shutdown(r, limit)) {
                capture_hang(r, "shutdown");
                r->hung = true;
                proc_signal(&r->prog, SIGKILL);
            }
        }
    }
    proc_wait(&r->prog, 10);
    r->out->rec.seconds = now_mono() - r->t0;
    trace(r, "exited");
    if (r->prog.exited && WIFEXITED(r->prog.status))
        r->out->rec.exit_status = WEXITSTATUS(r->prog.status);
    proc_finish(&r->prog);
}

/* An exit status the program chose itself, other than the one expected,
 * is a finding (racelab's own, no stacks). */
static void add_exit_status_finding(struct run *r, int status)
{
    struct finding f;

    memset(&f, 0, sizeof f);
    f.tool = xstrdup(r->det->name);
    f.kind = FINDING_EXIT_STATUS;
    f.summary = xasprintf("%s exited with status %d (expected %d)",
                          r->spec->argv.v[0], status, r->spec->expect_exit);
    finding_fingerprint(&f);
    finding_list_push(&r->out->findings, &f);
}

/* Phase 7: crash, exit status and the tool's health, after the exit. */
static void phase_postmortem(struct run *r)
{
    const struct run_spec *spec = r->spec;
    struct run_record *rec = &r->out->rec;
    int sig, st = r->prog.status;
    bool killed_by_us = WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;

    /* a tool that failed explains the death: not the program's crash */
    if (!r->prog.exited || run_outcome_is_error(rec->outcome) ||
        check_tool_health(r, !killed_by_us))
        return;
    if (spec->sched && !rec->sched_bound)     /* a dfs exploration's verdict */
        rec->sched_bound = sched_bound_line(r->tmp);
    /* the detector's own reading of the exit (the controlled scheduler's
     * deadlock exit is a hang with its report) */
    if (r->det->verdict && r->det->verdict(&r->dr, st, &rec->hang_report,
                                           &r->oracles, &r->fired)) {
        r->hung = true;
        return;
    }
    if (is_crash(r, &sig)) {
        char desc[128], *tail = file_tail(r, "stderr");
        proc_describe(st, desc, sizeof desc);
        rec->outcome = RUN_CRASH;
        rec->signal = sig;
        if (WIFEXITED(st) && sig)
            snprintf(desc + strlen(desc), sizeof desc - strlen(desc),
                     " after SIG%s (%s:DEADLYSIGNAL)",
                     sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", r->det->name);
        fire(r, "crash", "%s%s", desc, r->sent_term ? " during shutdown" : "");
        free(rec->reason);
        rec->reason = xasprintf("%s %s: %s", spec->argv.v[0], desc, tail);
        free(tail);
        return;
    }
    /* A detector's report exit (TSan's exitcode=66) says "I reported
     * something", not the program. */
    if (WIFEXITED(st) && !r->sent_term && !spec->server &&
        WEXITSTATUS(st) != spec->expect_exit &&
        !(r->det->report_exit >= 0 && WEXITSTATUS(st) == r->det->report_exit))
        add_exit_status_finding(r, WEXITSTATUS(st));
}

/* Latency and memory depend on how busy the machine is: they are oracles
 * where the manifest names them the symptom, notes everywhere else, so a
 * loaded CI box cannot fail a correct fix. */
static void perf_oracle(struct run *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void perf_oracle(struct run *r, const char *name, const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    if (r->spec->symptom && strcmp(r->spec->symptom, name) == 0)
        fire(r, name, "%s", s ? s : "");
    else
        sb_list_printf(&r->notes, "; ", "%s (noted, not an oracle here): %s", name,
                       s ? s : "");
    free(s);
}

/* A --load command's exit status is the evidence that it got through.
 * One that could not start (127, 126) is a setup error: env-error.  One
 * that ended by itself with a non-zero status or a signal: if the run
 * found something, the failure is the program's too (the load-failed
 * oracle: the run fails, and a baseline cannot make it pass); else the
 * run tested nothing (env-error, exit 3).  Either way its output's tail is
 * quoted.  Not judged when the program crashed, hung or ended by itself
 * first.  One still running at --duration was stopped by us: for a {port}
 * server with no finding that is no evidence either (env-error), else a
 * note.  Runs after phase_reports: it needs the findings. */
static void check_load_cmd(struct run *r)
{
    const struct run_spec *spec = r->spec;
    struct run_record *rec = &r->out->rec;
    char desc[64], *tail;
    int st = r->load.status;
    bool found = rec->nfindings > 0;

    if (!spec->load_cmd || r->hung || r->stopped_early ||
        run_outcome_is_error(rec->outcome) || rec->outcome == RUN_CRASH ||
        proc_interrupted())
        return;
    if (!r->load_ended && uses_port(spec) && r->sent_term && !found) {
        /* a server's load must end by itself: no status, no evidence */
        env_error(r, "the --load command was still running after --duration "
                  "%.1f s and was stopped, so whether the program answered is "
                  "unknown: make the load end by itself within --duration "
                  "(its exit status is the evidence) or raise --duration",
                  spec->duration);
        return;
    }
    if (!r->load_ended) {
        sb_list_printf(&r->notes, "; ", "the --load command was still running at the "
                       "end of the run and was stopped: its exit status could not count");
        return;
    }
    if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
        return;
    proc_describe(st, desc, sizeof desc);
    if (!r->sent_term) {
        /* the program ended by itself: its exit is the run's evidence */
        sb_list_printf(&r->notes, "; ", "the --load command ended with %s", desc);
        return;
    }
    tail = file_tail(r, "load.stderr");
    if (WIFEXITED(st) && (WEXITSTATUS(st) == 127 || WEXITSTATUS(st) == 126))
        env_error(r, "the --load command could not start (%s: %s): %s", desc,
                  WEXITSTATUS(st) == 127 ? "command not found"
                                         : "not executable", tail);
    else if (found)
        fire(r, "load-failed", "the --load command failed (%s): %s", desc, tail);
    else
        env_error(r, "the --load command failed (%s), so the program was not "
                  "shown to answer: %s", desc, tail);
    free(tail);
}

/* Phase 8: the oracles on what the load saw, and whether it saw anything. */
static void phase_load_oracles(struct run *r)
{
    const struct run_spec *spec = r->spec;
    const struct load_result *lr = &r->lr;
    bool scenario_load = spec->profile && strcmp(spec->profile, "paths") != 0;

    if (run_outcome_is_error(r->out->rec.outcome) || proc_interrupted())
        return;
    if (spec->profile && !lr->have && r->load_ended) {
        char desc[64], *tail = file_tail(r, "load.stderr");
        proc_describe(r->load.status, desc, sizeof desc);
        env_error(r, "the load generator ended without a result (%s): %s", desc,
                  tail);
        free(tail);
        return;
    }
    if (!spec->profile || !lr->have || r->hung || r->stopped_early)
        return;
    /* No green without evidence: a program that answered nothing was not
     * exercised, whatever its detector says. */
    if (lr->responses == 0 && r->out->rec.outcome != RUN_CRASH) {
        env_error(r, "the program answered none of %lld requests (%lld "
                  "transport errors: %s); not an HTTP server? give --load CMD",
                  lr->requests, lr->errors,
                  lr->first_error[0] ? lr->first_error : "no detail");
        return;
    }
    if (r->have_stats && scenario_load && r->stats_requests != lr->responses)
        fire(r, "stats-mismatch", "stats requests %lld != responses received %lld",
             r->stats_requests, lr->responses);
    if (r->stats_entries >= 0 && scenario_load && r->stats_entries > lr->distinct)
        fire(r, "cache-duplicates", "cache_entries %lld > distinct paths "
             "fetched %lld", r->stats_entries, lr->distinct);
    if (lr->max_ms > spec->slow_ms)
        perf_oracle(r, "slow-request", "%s took %lld ms (threshold %.0f ms)",
                    lr->slow_req, lr->max_ms, spec->slow_ms);
    if (lr->wrong > 0 || (scenario_load && lr->errors > 0))
        fire(r, "wrong-response", "%lld wrong, %lld failed of %lld: %s",
             lr->wrong, lr->errors, lr->requests, lr->first_error);
    if (r->th_base > 0 && r->th_end > 0 && r->th_end < r->th_base)
        fire(r, "threads-lost", "the server had %ld threads before the load "
             "and %ld at its end", r->th_base, r->th_end);
    if (r->vm_base > 0 && r->vm_end > 0 &&
        (double)(r->vm_end - r->vm_base) / 1024.0 > spec->memory_growth_mb)
        perf_oracle(r, "memory-growth", "VmSize grew %.1f MiB (%ld -> %ld KiB, "
                    "threshold %.0f MiB)", (double)(r->vm_end - r->vm_base) / 1024.0,
                    r->vm_base, r->vm_end, spec->memory_growth_mb);
    {
        const char *log = access_log_arg(r->argv.v);
        char detail[256];
        long lines;
        if (log && access_log_garbled(log, detail, sizeof detail, &lines))
            fire(r, "log-garbled", "%s", detail);
    }
}

/* Phase 9: what the tool wrote, parsed and matched. */
static void phase_reports(struct run *r)
{
    const struct run_spec *spec = r->spec;
    struct run_output *out = r->out;
    struct run_record *rec = &out->rec;
    char err[512];
    int n;

    if (r->stopped_early)
        sb_list_printf(&r->notes, "; ", "stopped early after the expected finding at "
                       "%.2f s", rec->first_finding_seconds);
    /* A tool that failed may have reported findings before it did: they
     * count (cell_judge says the tool then failed).  An env error tested
     * nothing. */
    if (rec->outcome == RUN_ENV_ERROR)
        return;
    n = parse_reports(r, &out->findings, false, err, sizeof err);
    if (n < 0) {
        /* a truncated report after a kill is expected; say so.  Start
         * over, so that what the strict pass took is not counted twice;
         * the lenient pass skips what it cannot read, and ERR names the
         * first file it could not. */
        finding_list_free(&out->findings);
        finding_list_init(&out->findings);
        parse_reports(r, &out->findings, true, err, sizeof err);
        sb_list_printf(&r->notes, "; ", "report partly unreadable: %s", err);
    }
    rec->nfindings = out->findings.count;
    out->tp = xcalloc(out->findings.count + 1, sizeof *out->tp);
    for (size_t i = 0; i < out->findings.count; i++) {
        out->tp[i] = spec->nlocs > 0 &&
                     finding_at_locations(&out->findings.items[i], spec->locs,
                                          spec->nlocs, match_depth(spec));
        if (out->tp[i])
            rec->true_positives++;
        else
            rec->false_positives++;
    }
    if (rec->nfindings > 0 && rec->first_finding_seconds < 0)
        rec->first_finding_seconds = rec->seconds;   /* e.g. at exit */
}

/* Last: kill and reap what is left, close files, remove the temp dir,
 * settle the outcome and move the texts into the record. */
static void phase_finish(struct run *r)
{
    const struct run_spec *spec = r->spec;
    struct run_record *rec = &r->out->rec;

    if (r->load.pid > 0)
        proc_finish(&r->load);
    if (r->prog.pid > 0) {
        proc_finish(&r->prog);
        if (rec->seconds == 0)
            rec->seconds = now_mono() - r->t0;
    }
    /* Our copies of the files the programs wrote through their own
     * descriptors (their data is in the files already), and the pidfd:
     * a failed close loses nothing. */
    if (r->errfd >= 0)
        close(r->errfd);
    if (r->loadfd >= 0)
        close(r->loadfd);
    if (r->pidfd >= 0)
        close(r->pidfd);
    if (proc_interrupted() && !run_outcome_is_error(rec->outcome)) {
        rec->outcome = RUN_ENV_ERROR;
        free(rec->reason);
        rec->reason = xstrdup("interrupted");
    }
    if (rec->outcome == RUN_CLEAN || rec->outcome == RUN_FINDING) {
        if (r->hung)
            rec->outcome = RUN_HANG;
        else if (rec->nfindings > 0)
            rec->outcome = RUN_FINDING;
    }
    rec->symptom = spec->symptom && sv_contains(&r->fired, spec->symptom);
    /* Every oracle that fired, with its figure; the notes after them. */
    if (r->oracles.len)
        rec->oracles = xstrdup(r->oracles.buf);
    if (r->oracles.len && r->notes.len)
        sb_printf(&r->oracles, "; %s", r->notes.buf);
    else if (r->notes.len)
        sb_printf(&r->oracles, "%s", r->notes.buf);
    if (r->oracles.len)
        rec->symptom_detail = sb_steal(&r->oracles);
    sb_free(&r->oracles);
    sb_free(&r->notes);
    sv_free(&r->fired);
    children_watch_free(&r->kids);
    sv_free(&r->argv);
    sv_free(&r->env);
    if (r->tmp) {
        if (!spec->keep_tmp && rm_rf(r->tmp) < 0)
            warnf("rm -rf %s: %s", r->tmp, strerror(errno));
        free(r->tmp);
    }
}

void run_one(const struct run_spec *spec, struct run_output *out)
{
    struct run R, *r = &R;
    struct run_record *rec = &out->rec;

    memset(out, 0, sizeof *out);
    finding_list_init(&out->findings);
    rec->outcome = RUN_CLEAN;
    rec->exit_status = -1;
    rec->first_finding_seconds = -1;
    rec->seed = spec->seed;

    memset(r, 0, sizeof *r);
    r->spec = spec;
    r->out = out;
    r->det = detector_get(spec->sched ? TOOL_SCHED : spec->tool);
    r->dr.source = spec->source;
    r->dr.suppressions = spec->suppressions;
    r->dr.chaos = spec->chaos;
    r->prog.out_fd = r->load.out_fd = -1;
    r->errfd = r->loadfd = r->pidfd = -1;
    r->th_base = r->th_end = -1;
    sb_init(&r->oracles);
    sb_init(&r->notes);
    sv_init(&r->fired);
    sv_init(&r->argv);
    sv_init(&r->env);

    if (phase_start(r) == 0 && phase_listen(r) == 0 && phase_load(r) == 0) {
        phase_watch(r);
        trace(r, "watch ended: %lld responses%s%s", r->completed,
              r->hung ? ", hung" : "", r->stopped_early ? ", early stop" : "");
        check_children(r);
        phase_live_oracles(r);
        phase_shutdown(r);
        phase_postmortem(r);
        phase_load_oracles(r);
        phase_reports(r);
        check_load_cmd(r);
    } else if (out->rec.outcome == RUN_TOOL_ERROR && r->tmp) {
        phase_reports(r);       /* what the tool printed before it failed */
    }
    phase_finish(r);
}

void run_output_free(struct run_output *o)
{
    finding_list_free(&o->findings);
    free(o->tp);
    free(o->rec.symptom_detail);
    free(o->rec.hang_report);
    free(o->rec.reason);
    free(o->rec.oracles);
    free(o->rec.schedule);
    memset(o, 0, sizeof *o);
}

/* Asks the judge (cell_run_detects) whether the run in J saw what its
 * cell looks for: a decided cell's extra runs are skipped. */
static bool job_detected(const struct job *j, const struct cell_result *cell)
{
    const struct run_spec *sp = &j->spec;

    if (j->skipped)
        return false;
    return cell_run_detects(cell, &j->out.rec, &j->out.findings, sp->locs,
                            sp->nlocs, match_depth(sp));
}

/* The job pool: PARALLEL threads take the next job index.  DECIDED[c] is
 * set once a run of cell c detected what it expects; extra runs of a
 * decided cell are skipped. */
struct pool {
    struct job *jobs;
    const struct cell_result *cells;    /* indexed by job.cell; read only */
    size_t n, next;
    bool *decided;              /* guarded by lock */
    pthread_mutex_t lock;
};

static void *pool_worker(void *arg)
{
    struct pool *p = arg;

    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n ? p->next++ : p->n;
        bool skip = i < p->n && p->jobs[i].extra && p->decided[p->jobs[i].cell];
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n || proc_interrupted())
            break;
        if (skip) {
            p->jobs[i].skipped = true;
            progress_skip();
            continue;
        }
        progress_begin(p->jobs[i].spec.label);
        run_one(&p->jobs[i].spec, &p->jobs[i].out);
        progress_end(p->jobs[i].spec.label, &p->jobs[i].out.rec,
                     p->jobs[i].spec.repro);
        if (job_detected(&p->jobs[i], &p->cells[p->jobs[i].cell])) {
            pthread_mutex_lock(&p->lock);
            p->decided[p->jobs[i].cell] = true;
            pthread_mutex_unlock(&p->lock);
        }
    }
    return NULL;
}

void run_jobs(struct job *jobs, size_t n, int parallel,
              const struct cell_result *cells, bool *decided)
{
    struct pool p = {jobs, cells, n, 0, decided, PTHREAD_MUTEX_INITIALIZER};
    size_t ncells = 0;
    pthread_t *t;

    for (size_t i = 0; i < n; i++)
        if (jobs[i].cell + 1 > ncells)
            ncells = jobs[i].cell + 1;
    if (!decided)
        p.decided = xcalloc(ncells + 1, sizeof *p.decided);
    if (parallel < 1)
        parallel = 1;
    if ((size_t)parallel > n)
        parallel = (int)(n ? n : 1);
    t = xcalloc((size_t)parallel, sizeof *t);
    for (int i = 0; i < parallel; i++) {
        int e = pthread_create(&t[i], NULL, pool_worker, &p);
        if (e) {
            warnf("pthread_create: %s; running fewer jobs", strerror(e));
            parallel = i;
            break;
        }
    }
    if (parallel == 0)
        pool_worker(&p);
    for (int i = 0; i < parallel; i++)
        pthread_join(t[i], NULL);   /* threads we started: cannot fail */
    free(t);
    if (!decided)
        free(p.decided);
}
