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
#include "children.h"
#include "hang.h"
#include "http.h"
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
#include <sys/utsname.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

bool runner_tsan_setarch;
const char *runner_self_exe = "/proc/self/exe";

/* Detector slowdowns: TSan ~5-15x, Valgrind ~20-50x.  Budgets scale. */
double tool_hang_seconds(int tool, double manifest_value)
{
    double base = manifest_value > 0 ? manifest_value : 3.0;
    return base * (tool == TOOL_TSAN ? 2 : tool == TOOL_NONE ? 1 : 6);
}

double tool_slow_ms(int tool, double manifest_value)
{
    double base = manifest_value > 0 ? manifest_value : 1000;
    return base * (tool == TOOL_TSAN ? 5 : tool == TOOL_NONE ? 1 : 30);
}

double tool_startup_seconds(int tool)
{
    return tool == TOOL_NONE ? 10 : tool == TOOL_TSAN ? 20 : 60;
}

/* A correct server exits within 0.01 s of SIGTERM (0.1 s under TSan, ~2 s
 * under valgrind); the budget is 20-30 times that, but short enough that a
 * lost wakeup at shutdown does not eat the `make tsan` time budget. */
double tool_shutdown_seconds(int tool)
{
    return tool == TOOL_NONE ? 2 : tool == TOOL_TSAN ? 3 : 15;
}

/* Everything one run juggles, so helpers can share it. */
struct run {
    const struct run_spec *spec;
    struct run_output *out;
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
    struct children_watch kids; /* the stuck-child oracle (children.c) */
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

    if (r->out->rec.outcome == RUN_ENV_ERROR)
        return;
    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = xstrdup(fmt);
    va_end(ap);
    r->out->rec.outcome = RUN_ENV_ERROR;
    free(r->out->rec.reason);
    r->out->rec.reason = s;
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
    close(fd);
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
    char *supp;

    snprintf(portbuf, sizeof portbuf, "%d", r->port);
    switch (s->tool) {
    case TOOL_TSAN: {
        const char *user = getenv("TSAN_OPTIONS");
        struct strbuf o;
        sb_init(&o);
        sb_printf(&o, "TSAN_OPTIONS=log_path=%s/tsan halt_on_error=0 "
                  "report_signal_unsafe=1 second_deadlock_stack=1 history_size=4 "
                  "exitcode=66", r->tmp);
        supp = xasprintf("%s/sanitizers/tsan.supp", s->source);
        if (access(supp, R_OK) == 0)
            sb_printf(&o, " suppressions=%s", supp);
        free(supp);
        if (user && *user)
            sb_printf(&o, " %s", user);
        sv_push_own(env, sb_steal(&o));
        if (runner_tsan_setarch) {
            struct utsname u;
            if (uname(&u) < 0)
                snprintf(u.machine, sizeof u.machine, "x86_64");
            sv_push(argv, "setarch");
            sv_push(argv, u.machine);
            sv_push(argv, "-R");
        }
        break;
    }
    case TOOL_HELGRIND:
    case TOOL_DRD:
        sv_push(argv, "valgrind");
        sv_push_own(argv, xasprintf("--tool=%s", tool_names[s->tool]));
        sv_push(argv, "--xml=yes");
        sv_push_own(argv, xasprintf("--xml-file=%s/vg.xml", r->tmp));
        sv_push(argv, "--error-exitcode=0");
        sv_push(argv, "--child-silent-after-fork=yes");
        if (s->chaos && strncmp(s->chaos, "none", 4) != 0) {
            /* Valgrind runs one thread at a time; under --chaos let its
             * own scheduler help: a fair (ticket) lock hands the CPU to
             * waiting threads round-robin instead of to whoever wins the
             * futex.  (Valgrind 3.19 has no command-line option for its
             * scheduling quantum.) */
            sv_push(argv, "--fair-sched=yes");
        }
        supp = xasprintf("%s/sanitizers/valgrind.supp", s->source);
        if (access(supp, R_OK) == 0)
            sv_push_own(argv, xasprintf("--suppressions=%s", supp));
        free(supp);
        break;
    default:
        break;
    }
    if (s->chaos) {
        /* one seed per run, so a perturbed schedule can be replayed */
        sv_push_own(env, strstr(s->chaos, "seed=") || !strncmp(s->chaos, "none", 4)
                             ? xasprintf("RACELAB_CHAOS=%s", s->chaos)
                             : xasprintf("RACELAB_CHAOS=%s:seed=%lu", s->chaos, s->seed));
        if (s->chaos_preload && s->tool != TOOL_TSAN) {
            const char *old = getenv("LD_PRELOAD");
            sv_push_own(env, old && *old
                                 ? xasprintf("LD_PRELOAD=%s:%s", s->chaos_preload, old)
                                 : xasprintf("LD_PRELOAD=%s", s->chaos_preload));
        }
    }
    for (size_t i = 0; i < s->argv.n; i++) {
        char *a = str_replace(s->argv.v[i], "{port}", portbuf);
        char *b = str_replace(a, "{tmp}", r->tmp);
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
            close(r->prog.out_fd);
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
            close(r->load.out_fd);
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

static void set_nonblock(int fd)
{
    if (fd >= 0)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Valgrind's XML is only well formed once valgrind exits.  To read it
 * early (or after a SIGKILL), cut after the last complete <error> and close
 * the document. */
static int parse_vg_partial(const char *path, const char *tool,
                            struct finding_list *out, char *err, size_t errlen)
{
    size_t n;
    char *xml = read_file(path, &n);
    int rc;

    if (!xml) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!strstr(xml, "</valgrindoutput>")) {
        char *last = NULL;
        for (char *p = xml; (p = strstr(p, "</error>")) != NULL; p += 8)
            last = p + 8;
        if (!last) {
            free(xml);
            return 0;
        }
        *last = '\0';
        char *fixed = xasprintf("%s\n</valgrindoutput>\n", xml);
        free(xml);
        xml = fixed;
        n = strlen(xml);
    }
    rc = valgrind_parse_xml_buffer(xml, n, tool, out, err, errlen);
    free(xml);
    return rc;
}

/* Parses every report the tool wrote (tsan.PID files / vg.xml). */
static int parse_reports(struct run *r, struct finding_list *out, bool partial,
                         char *err, size_t errlen)
{
    int total = 0;

    if (r->spec->tool == TOOL_TSAN) {
        DIR *d = opendir(r->tmp);
        struct dirent *de;
        if (!d)
            return 0;
        while ((de = readdir(d)) != NULL) {
            if (strncmp(de->d_name, "tsan.", 5) != 0)
                continue;
            char *p = xasprintf("%s/%s", r->tmp, de->d_name);
            int n = tsan_parse_file(p, out, err, errlen);
            free(p);
            if (n < 0 && !partial) {
                closedir(d);
                return -1;
            }
            total += n > 0 ? n : 0;
        }
        closedir(d);
    } else if (r->spec->tool == TOOL_HELGRIND || r->spec->tool == TOOL_DRD) {
        char *p = xasprintf("%s/vg.xml", r->tmp);
        int n = access(p, R_OK) == 0
                    ? parse_vg_partial(p, tool_names[r->spec->tool], out, err, errlen)
                    : 0;
        free(p);
        if (n < 0 && !partial)
            return -1;
        total += n > 0 ? n : 0;
    }
    return total;
}

/* Total bytes of the tool's report files so far. */
static off_t report_bytes(struct run *r)
{
    struct stat st;
    off_t total = 0;

    if (r->spec->tool == TOOL_TSAN) {
        DIR *d = opendir(r->tmp);
        struct dirent *de;
        if (!d)
            return 0;
        while ((de = readdir(d)) != NULL)
            if (strncmp(de->d_name, "tsan.", 5) == 0) {
                char *p = xasprintf("%s/%s", r->tmp, de->d_name);
                if (stat(p, &st) == 0)
                    total += st.st_size;
                free(p);
            }
        closedir(d);
    } else if (r->spec->tool != TOOL_NONE) {
        char *p = xasprintf("%s/vg.xml", r->tmp);
        size_t n;
        char *xml = read_file(p, &n);
        /* the XML preamble is there from the start: count only errors */
        if (xml && strstr(xml, "<error>"))
            total = (off_t)n;
        free(xml);
        free(p);
    }
    return total;
}

static bool finding_matches(const struct run_spec *s, const struct finding *f)
{
    if (s->nlocs > 0)
        return finding_at_locations(f, s->locs, s->nlocs, RUNNER_MATCH_DEPTH);
    /* No locations (stress): any finding of an expected kind counts. */
    return s->expect_kinds == 0 || (s->expect_kinds & (1u << f->kind));
}

/* Polls the tool's log: records the first finding's time and decides an
 * early stop (an expected finding at the manifest's locations appeared). */
static void check_reports(struct run *r)
{
    double now = now_mono();
    off_t sz;

    if (r->spec->tool == TOOL_NONE || now - r->last_log_check < 0.25)
        return;
    r->last_log_check = now;
    sz = report_bytes(r);
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
    char *rep = hang_report(r->prog.pid, tool_names[r->spec->tool], r->spec->source);
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
    /* TSan turns a SEGV into a report and an exit; its log or our stderr
     * file says so ("ThreadSanitizer:DEADLYSIGNAL"). */
    if (r->spec->tool == TOOL_TSAN) {
        DIR *d = opendir(r->tmp);
        struct dirent *de;
        bool deadly = false;
        while (d && (de = readdir(d)) != NULL && !deadly) {
            if (strncmp(de->d_name, "tsan.", 5) != 0 && strcmp(de->d_name, "stderr") != 0)
                continue;
            char *p = xasprintf("%s/%s", r->tmp, de->d_name);
            char *text = read_file(p, NULL);
            if (text && strstr(text, "DEADLYSIGNAL")) {
                deadly = true;
                *sig = strstr(text, "SEGV") ? SIGSEGV
                       : strstr(text, "ABRT") ? SIGABRT
                       : strstr(text, "BUS") ? SIGBUS
                       : strstr(text, "FPE") ? SIGFPE : 0;
            }
            free(text);
            free(p);
        }
        if (d)
            closedir(d);
        if (deadly)
            return true;
    }
    /* A server that exits before being asked to has crashed in effect. */
    return r->spec->server && !r->sent_term;
}

void run_one(const struct run_spec *spec, struct run_output *out)
{
    struct run R, *r = &R;
    struct run_record *rec = &out->rec;
    struct strvec argv, env;
    char err[512];
    int errfd = -1, loadfd = -1;
    long vm_base = -1, vm_end = -1, th_base = -1, th_end = -1;
    bool hung = false, stopped_early = false, have_stats = false;
    bool load_ended = false;    /* the load process exited by itself */
    long long stats_requests = -1, stats_entries = -1;
    double t_load = 0;

    memset(out, 0, sizeof *out);
    finding_list_init(&out->findings);
    rec->outcome = RUN_CLEAN;
    rec->exit_status = -1;
    rec->first_finding_seconds = -1;
    rec->seed = spec->seed;

    memset(r, 0, sizeof *r);
    r->spec = spec;
    r->out = out;
    r->prog.out_fd = r->load.out_fd = -1;
    sb_init(&r->oracles);
    sv_init(&r->fired);
    sv_init(&argv);
    sv_init(&env);

    r->tmp = xasprintf("%s/run-%d", spec->session, spec->index);
    if (mkdir(r->tmp, 0700) < 0) {
        env_error(r, "mkdir %s: %s", r->tmp, strerror(errno));
        goto finish;
    }
    r->port = spec->server ? 0 : free_port();
    build_argv(r, &argv, &env);

    {
        char *p = xasprintf("%s/stderr", r->tmp);
        errfd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        free(p);
    }
    struct spawn_opts po = {argv.v, env.v, SPAWN_DEVNULL, SPAWN_PIPE,
                            errfd >= 0 ? errfd : SPAWN_DEVNULL, false};
    r->t0 = now_mono();
    if (proc_spawn(&r->prog, &po, err, sizeof err) < 0) {
        env_error(r, "could not start %s: %s", spec->argv.v[0], err);
        goto finish;
    }
    set_nonblock(r->prog.out_fd);

    /* Startup: wait for "listening on" (server) or a connectable port. */
    {
        double limit = tool_startup_seconds(spec->tool);
        bool need_port = spec->server ||
                         ((spec->profile || spec->load_cmd) &&
                          spec->argv.n > 0 && r->port > 0);
        bool uses_port = false;
        for (size_t i = 0; i < spec->argv.n; i++)
            uses_port |= strstr(spec->argv.v[i], "{port}") != NULL;
        if (!spec->server && !uses_port)
            need_port = false;
        if (limit > spec->timeout)
            limit = spec->timeout;
        while (need_port) {
            if (proc_interrupted())
                goto finish;
            if (spec->server) {
                struct pollfd pfd = {r->prog.out_fd, POLLIN, 0};
                if (r->prog.out_fd >= 0)
                    poll(&pfd, 1, 50);
                else
                    sleep_seconds(0.05);
                int p = drain_prog(r);
                if (p > 0) {
                    r->port = p;
                    trace(r, "listening on port %d", p);
                    break;
                }
            } else {
                if (port_accepts(r->port))
                    break;
                sleep_seconds(0.05);
            }
            if (proc_poll(&r->prog)) {
                char desc[64], *tail = file_tail(r, "stderr");
                proc_describe(r->prog.status, desc, sizeof desc);
                env_error(r, "never listened: %s %s before listening: %s",
                          spec->argv.v[0], desc, tail);
                free(tail);
                goto finish;
            }
            if (now_mono() - r->t0 > limit) {
                char *tail = file_tail(r, "stderr");
                env_error(r, "never listened: %s did not listen within %.0f s: %s",
                          spec->argv.v[0], limit, tail);
                free(tail);
                goto finish;
            }
        }
    }

    /* Load. */
    if (spec->profile) {
        char portbuf[16];
        struct strvec la;
        snprintf(portbuf, sizeof portbuf, "%d", r->port);
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
        loadfd = open(lp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        free(lp);
        struct spawn_opts lo = {la.v, NULL, SPAWN_DEVNULL, SPAWN_PIPE,
                                loadfd >= 0 ? loadfd : SPAWN_DEVNULL, false};
        int rc = proc_spawn(&r->load, &lo, err, sizeof err);
        sv_free(&la);
        if (rc < 0) {
            env_error(r, "could not start the load generator: %s", err);
            goto finish;
        }
        set_nonblock(r->load.out_fd);
    } else if (spec->load_cmd) {
        char portbuf[16];
        snprintf(portbuf, sizeof portbuf, "%d", r->port);
        char *a = str_replace(spec->load_cmd, "{port}", portbuf);
        char *cmd = str_replace(a, "{tmp}", r->tmp);
        char *la[] = {"/bin/sh", "-c", cmd, NULL};
        struct spawn_opts lo = {la, NULL, SPAWN_DEVNULL,
                                errfd >= 0 ? errfd : SPAWN_DEVNULL,
                                errfd >= 0 ? errfd : SPAWN_DEVNULL, false};
        int rc = proc_spawn(&r->load, &lo, err, sizeof err);
        free(a);
        free(cmd);
        if (rc < 0) {
            env_error(r, "could not start the --load command: %s", err);
            goto finish;
        }
    }
    t_load = r->last_progress = now_mono();
    trace(r, "load started");

    /* Watch. */
    children_watch_init(&r->kids, r->prog.pid);
    th_base = spec->server ? proc_threads(r->prog.pid) : -1;
    {
        double hang_s = spec->hang_seconds;
        bool have_load = r->load.pid > 0;
        double base_at = t_load + (spec->duration > 3 ? 1.0 : spec->duration / 3);

        for (;;) {
            struct pollfd pfd[2];
            int np = 0;
            if (r->prog.out_fd >= 0)
                pfd[np++] = (struct pollfd){r->prog.out_fd, POLLIN, 0};
            if (r->load.out_fd >= 0)
                pfd[np++] = (struct pollfd){r->load.out_fd, POLLIN, 0};
            if (np)
                poll(pfd, (nfds_t)np, 100);
            else
                sleep_seconds(0.1);
            drain_prog(r);
            drain_load(r);
            double now = now_mono();

            if (proc_interrupted())
                goto finish;
            if (vm_base < 0 && spec->server && now >= base_at)
                vm_base = proc_vmsize_kb(r->prog.pid);
            check_reports(r);
            children_scan(&r->kids, now);
            if (have_load && proc_poll(&r->load)) {
                drain_load(r);
                load_ended = true;
                break;
            }
            if (proc_poll(&r->prog))
                break;
            if (!have_load && spec->duration > 0 && now - t_load >= spec->duration)
                break;
            if (have_load && spec->load_cmd && spec->duration > 0 &&
                now - t_load >= spec->duration)
                break;
            if (spec->profile && r->inflight > 0 && now - r->last_progress > hang_s) {
                hung = true;
                fire(r, "hang", "no request completed for %.1f s while %lld "
                     "clients waited (%lld responses before)", now - r->last_progress,
                     r->inflight, r->completed);
                capture_hang(r, "watchdog");
                break;
            }
            if (now - r->t0 > spec->timeout) {
                hung = true;
                fire(r, "hang", "the run exceeded --timeout %.0f s", spec->timeout);
                capture_hang(r, "timeout");
                break;
            }
            if (r->expected_seen) {
                stopped_early = true;
                break;
            }
        }
    }
    trace(r, "watch ended: %lld responses%s%s", r->completed, hung ? ", hung" : "",
          stopped_early ? ", early stop" : "");
    {
        char *k = children_stuck(&r->kids, now_mono(), spec->hang_seconds / 3,
                                 spec->tool == TOOL_NONE || spec->tool == TOOL_TSAN);
        if (k)
            fire(r, "stuck-child", "%s", k);
        free(k);
    }
    /* The load is over (or abandoned): its group goes now, so a stuck
     * client cannot keep a connection open during shutdown. */
    if (r->load.pid > 0) {
        if (!r->load.exited)
            proc_signal(&r->load, SIGKILL);
        proc_finish(&r->load);
    }

    /* Oracles that need the live server (not after an early stop: the
     * server may be deadlocked, and the load was cut short anyway). */
    if (!hung && !stopped_early && !r->prog.exited && spec->server) {
        struct http_resp resp;
        vm_end = proc_vmsize_kb(r->prog.pid);
        th_end = proc_threads(r->prog.pid);
        if (http_get(r->port, "/-/stats", spec->hang_seconds, &resp,
                     err, sizeof err) == HTTP_OK) {
            if (resp.status == 200 && resp.body) {
                have_stats = json_number(resp.body, "requests", &stats_requests);
                json_number(resp.body, "cache_entries", &stats_entries);
            }
            http_resp_free(&resp);
        } else if (!proc_poll(&r->prog)) {
            sb_printf(&r->oracles, "%sGET /-/stats failed: %s",
                      r->oracles.len ? "; " : "", err);
        }
    }

    /* Shutdown. */
    trace(r, "shutdown");
    if (!r->prog.exited && !proc_poll(&r->prog)) {
        if (hung) {
            proc_signal(&r->prog, SIGKILL);
        } else if (stopped_early) {
            /* The expected finding is in: a short grace for the report's
             * last bytes, then the group goes.  Not a shutdown-hang: a
             * deadlocked server cannot exit, and that is known already. */
            kill(r->prog.pid, SIGTERM);
            r->sent_term = true;
            if (!proc_wait(&r->prog, 0.3))
                proc_signal(&r->prog, SIGKILL);
        } else {
            kill(r->prog.pid, SIGTERM);
            r->sent_term = true;
            double limit = tool_shutdown_seconds(spec->tool);
            if (!proc_wait(&r->prog, limit)) {
                fire(r, "shutdown-hang", "still running %.0f s after SIGTERM", limit);
                capture_hang(r, "shutdown");
                hung = true;
                proc_signal(&r->prog, SIGKILL);
            }
        }
    }
    proc_wait(&r->prog, 10);
    rec->seconds = now_mono() - r->t0;
    trace(r, "exited");
    if (r->prog.exited && WIFEXITED(r->prog.status))
        rec->exit_status = WEXITSTATUS(r->prog.status);
    proc_finish(&r->prog);

    /* Post-mortem oracles. */
    {
        int sig;
        if (r->prog.exited && is_crash(r, &sig)) {
            char desc[128], *tail = file_tail(r, "stderr");
            proc_describe(r->prog.status, desc, sizeof desc);
            rec->outcome = RUN_CRASH;
            rec->signal = sig;
            if (WIFEXITED(r->prog.status) && sig)
                snprintf(desc + strlen(desc), sizeof desc - strlen(desc),
                         " after SIG%s (ThreadSanitizer:DEADLYSIGNAL)",
                         sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
            fire(r, "crash", "%s%s", desc, r->sent_term ? " during shutdown" : "");
            free(rec->reason);
            rec->reason = xasprintf("%s %s: %s", spec->argv.v[0], desc, tail);
            free(tail);
        }
    }
    if (spec->profile && r->lr.have && !hung && !stopped_early) {
        if (have_stats && strcmp(spec->profile, "paths") != 0 &&
            stats_requests != r->lr.responses)
            fire(r, "stats-mismatch", "stats requests %lld != responses received %lld",
                 stats_requests, r->lr.responses);
        if (stats_entries >= 0 && strcmp(spec->profile, "paths") != 0 &&
            stats_entries > r->lr.distinct)
            fire(r, "cache-duplicates", "cache_entries %lld > distinct paths "
                 "fetched %lld", stats_entries, r->lr.distinct);
        if (r->lr.max_ms > spec->slow_ms)
            fire(r, "slow-request", "%s took %lld ms (threshold %.0f ms)",
                 r->lr.slow_req, r->lr.max_ms, spec->slow_ms);
        if (r->lr.wrong > 0 || r->lr.errors > 0)
            fire(r, "wrong-response", "%lld wrong, %lld failed of %lld: %s",
                 r->lr.wrong, r->lr.errors, r->lr.requests, r->lr.first_error);
    } else if (spec->profile && load_ended && !r->lr.have && !proc_interrupted()) {
        char desc[64], *tail = file_tail(r, "load.stderr");
        proc_describe(r->load.status, desc, sizeof desc);
        env_error(r, "the load generator ended without a result (%s): %s", desc,
                  tail);
        free(tail);
    }
    if (th_base > 0 && th_end > 0 && th_end < th_base)
        fire(r, "threads-lost", "the server had %ld threads when the load began "
             "and %ld at its end", th_base, th_end);
    if (vm_base > 0 && vm_end > 0 &&
        (double)(vm_end - vm_base) / 1024.0 > spec->memory_growth_mb)
        fire(r, "memory-growth", "VmSize grew %.1f MiB (%ld -> %ld KiB, threshold "
             "%.0f MiB)", (double)(vm_end - vm_base) / 1024.0, vm_base, vm_end,
             spec->memory_growth_mb);
    {
        const char *log = access_log_arg(argv.v);
        char detail[256];
        long lines;
        if (log && !stopped_early && !hung &&
            access_log_garbled(log, detail, sizeof detail, &lines))
            fire(r, "log-garbled", "%s", detail);
    }
    if (stopped_early)
        sb_printf(&r->oracles, "%sstopped early after the expected finding at %.2f s",
                  r->oracles.len ? "; " : "", rec->first_finding_seconds);

    /* The tool's verdict. */
    {
        int n = parse_reports(r, &out->findings, false, err, sizeof err);
        if (n < 0 && rec->outcome != RUN_ENV_ERROR) {
            /* a truncated report after a kill is expected; say so */
            n = parse_reports(r, &out->findings, true, err, sizeof err);
            sb_printf(&r->oracles, "%sreport partly unreadable: %s",
                      r->oracles.len ? "; " : "", err);
        }
        rec->nfindings = out->findings.count;
        out->tp = xcalloc(out->findings.count + 1, sizeof *out->tp);
        for (size_t i = 0; i < out->findings.count; i++) {
            out->tp[i] = spec->nlocs > 0 &&
                         finding_at_locations(&out->findings.items[i], spec->locs,
                                              spec->nlocs, RUNNER_MATCH_DEPTH);
            if (out->tp[i])
                rec->true_positives++;
            else
                rec->false_positives++;
        }
        if (rec->nfindings > 0 && rec->first_finding_seconds < 0)
            rec->first_finding_seconds = rec->seconds;   /* e.g. at exit */
    }

finish:
    if (r->load.pid > 0)
        proc_finish(&r->load);
    if (r->prog.pid > 0) {
        proc_finish(&r->prog);
        if (rec->seconds == 0)
            rec->seconds = now_mono() - r->t0;
    }
    if (errfd >= 0)
        close(errfd);
    if (loadfd >= 0)
        close(loadfd);
    if (proc_interrupted() && rec->outcome != RUN_ENV_ERROR) {
        rec->outcome = RUN_ENV_ERROR;
        free(rec->reason);
        rec->reason = xstrdup("interrupted");
    }
    if (rec->outcome == RUN_CLEAN || rec->outcome == RUN_FINDING) {
        if (hung)
            rec->outcome = RUN_HANG;
        else if (rec->nfindings > 0)
            rec->outcome = RUN_FINDING;
    }
    rec->symptom = spec->symptom && sv_contains(&r->fired, spec->symptom);
    if (r->oracles.len)
        rec->symptom_detail = sb_steal(&r->oracles);
    sb_free(&r->oracles);
    sv_free(&r->fired);
    children_watch_free(&r->kids);
    sv_free(&argv);
    sv_free(&env);
    if (r->tmp) {
        if (!spec->keep_tmp && rm_rf(r->tmp) < 0)
            warnf("rm -rf %s: %s", r->tmp, strerror(errno));
        free(r->tmp);
    }
}

void run_output_free(struct run_output *o)
{
    finding_list_free(&o->findings);
    free(o->tp);
    free(o->rec.symptom_detail);
    free(o->rec.hang_report);
    free(o->rec.reason);
    memset(o, 0, sizeof *o);
}

/* The job pool: PARALLEL threads take the next job index. */
struct pool {
    struct job *jobs;
    size_t n, next;
    pthread_mutex_t lock;
};

static void *pool_worker(void *arg)
{
    struct pool *p = arg;

    for (;;) {
        pthread_mutex_lock(&p->lock);
        size_t i = p->next < p->n ? p->next++ : p->n;
        pthread_mutex_unlock(&p->lock);
        if (i >= p->n || proc_interrupted())
            break;
        progress_begin(p->jobs[i].spec.label);
        run_one(&p->jobs[i].spec, &p->jobs[i].out);
        progress_end(p->jobs[i].spec.label, &p->jobs[i].out.rec,
                     p->jobs[i].spec.repro);
    }
    return NULL;
}

void run_jobs(struct job *jobs, size_t n, int parallel)
{
    struct pool p = {jobs, n, 0, PTHREAD_MUTEX_INITIALIZER};
    pthread_t *t;

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
        pthread_join(t[i], NULL);
    free(t);
}
