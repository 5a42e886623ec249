/* rl_support.c - spawn racelab-server in a temp dir, speak raw HTTP to it,
 * stop it, and clean up after it.  See rl_support.h. */
#include "rl_support.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#ifndef RL_DEFAULT_SERVER
#error "RL_DEFAULT_SERVER must name the racelab-server executable"
#endif

long long rl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000 };
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

const char *rl_server_exe(void)
{
    const char *env = getenv("RACELAB_SERVER_EXE");
    return (env != NULL && env[0] != '\0') ? env : RL_DEFAULT_SERVER;
}

/* --- temp dirs --------------------------------------------------------- */

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st; (void)flag; (void)ftw;
    return remove(path);
}

int rl_server_init(struct rl_server *s)
{
    memset(s, 0, sizeof(*s));
    const char *base = getenv("TMPDIR");
    snprintf(s->dir, sizeof(s->dir), "%s/racelab-it-XXXXXX",
             (base != NULL && base[0] != '\0') ? base : "/tmp");
    if (mkdtemp(s->dir) == NULL) {
        fprintf(stderr, "rl_server_init: mkdtemp %s: %s\n", s->dir, strerror(errno));
        s->dir[0] = '\0';
        return -1;
    }
    snprintf(s->root, sizeof(s->root), "%s/root", s->dir);
    if (mkdir(s->root, 0755) < 0) {
        fprintf(stderr, "rl_server_init: mkdir %s: %s\n", s->root, strerror(errno));
        return -1;
    }
    return 0;
}

static int mkdirs_for(char *path)
{
    for (char *p = strchr(path + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        *p = '\0';
        int rc = mkdir(path, 0755);
        *p = '/';
        if (rc < 0 && errno != EEXIST)
            return -1;
    }
    return 0;
}

int rl_write_file(const struct rl_server *s, const char *rel, const void *data, size_t len)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", s->root, rel);
    if (mkdirs_for(path) < 0)
        return -1;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            close(fd);
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return close(fd);
}

int rl_write_text(const struct rl_server *s, const char *rel, const char *text)
{
    return rl_write_file(s, rel, text, strlen(text));
}

static char *read_whole(const char *path)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf != NULL && (n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
        len += n;
        if (cap - len < 2) {
            char *nb = realloc(buf, cap * 2);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf != NULL)
        buf[len] = '\0';
    return buf;
}

char *rl_read_dir_file(const struct rl_server *s, const char *name)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", s->dir, name);
    return read_whole(path);
}

char *rl_sanitizer_reports(const struct rl_server *s)
{
    DIR *d = opendir(s->dir);
    if (d == NULL)
        return NULL;
    char *all = NULL;
    size_t all_len = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strncmp(de->d_name, "tsan.", 5) != 0 && strncmp(de->d_name, "asan.", 5) != 0
            && strncmp(de->d_name, "ubsan.", 6) != 0)
            continue;
        char *text = rl_read_dir_file(s, de->d_name);
        size_t tlen = text ? strlen(text) : 0;
        size_t nlen = strlen(de->d_name);
        char *na = realloc(all, all_len + nlen + tlen + 16);
        if (na == NULL) {
            free(text);
            break;
        }
        all = na;
        all_len += (size_t)sprintf(all + all_len, "==> %s <==\n%s\n", de->d_name,
                                   text ? text : "");
        free(text);
    }
    closedir(d);
    return all;
}

/* --- processes ---------------------------------------------------------- */

/* clang 14's TSan needs a fixed address space layout on kernels with
 * vm.mmap_rnd_bits above 28 (see sanitizers/README.md). */
static bool need_no_aslr(void)
{
#ifdef RL_FLAVOR_TSAN
    FILE *f = fopen("/proc/sys/vm/mmap_rnd_bits", "re");
    int bits = 0;
    if (f != NULL) {
        if (fscanf(f, "%d", &bits) != 1)
            bits = 0;
        fclose(f);
    }
    return bits > 28;
#else
    return false;
#endif
}

/* Builds the child's environment: ours, with the sanitizer options set so
 * that any report lands in S's dir and a TSan report fails the run. */
static char **child_env(const struct rl_server *s, char *store[3])
{
    size_t n = 0;
    while (environ[n] != NULL)
        n++;
    char **env = calloc(n + 4, sizeof(*env));
    if (env == NULL)
        return NULL;
    const char *tsan_user = getenv("TSAN_OPTIONS");
    const char *asan_user = getenv("ASAN_OPTIONS");
    const char *ubsan_user = getenv("UBSAN_OPTIONS");
    size_t len = 3 * PATH_MAX + 512;
    for (int i = 0; i < 3; i++)
        store[i] = malloc(len + 1024);
    if (store[0] == NULL || store[1] == NULL || store[2] == NULL) {
        free(env);
        return NULL;
    }
    /* Ours last: later options win. */
    snprintf(store[0], len + 1024, "TSAN_OPTIONS=%s halt_on_error=1 exitcode=66 log_path=%s/tsan",
             tsan_user ? tsan_user : "", s->dir);
    snprintf(store[1], len + 1024, "ASAN_OPTIONS=%s log_path=%s/asan",
             asan_user ? asan_user : "", s->dir);
    snprintf(store[2], len + 1024, "UBSAN_OPTIONS=%s print_stacktrace=1",
             ubsan_user ? ubsan_user : "");
    size_t o = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], "TSAN_OPTIONS=", 13) != 0
            && strncmp(environ[i], "ASAN_OPTIONS=", 13) != 0
            && strncmp(environ[i], "UBSAN_OPTIONS=", 14) != 0)
            env[o++] = environ[i];
    env[o++] = store[0];
    env[o++] = store[1];
    env[o++] = store[2];
    env[o] = NULL;
    return env;
}

/* Forks and execs the server with ARGV (argv[0] included). */
static pid_t spawn(struct rl_server *s, char **argv)
{
    char out[PATH_MAX + 16], err[PATH_MAX + 16];
    snprintf(out, sizeof(out), "%s/stdout", s->dir);
    snprintf(err, sizeof(err), "%s/stderr", s->dir);
    char *store[3] = { NULL, NULL, NULL };
    char **env = child_env(s, store);
    if (env == NULL)
        return -1;
    bool no_aslr = need_no_aslr();
    pid_t parent = getpid();

    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls from here to exec. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int in = open("/dev/null", O_RDONLY);
        int o = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (in < 0 || o < 0 || e < 0)
            _exit(127);
        dup2(in, 0);
        dup2(o, 1);
        dup2(e, 2);
        if (no_aslr)
            personality(ADDR_NO_RANDOMIZE);
        /* The test process may have blocked signals; the server must not
         * inherit that. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        signal(SIGPIPE, SIG_DFL);
        execve(argv[0], argv, env);
        static const char msg[] = "rl_support: execve failed\n";
        ssize_t w = write(2, msg, sizeof(msg) - 1);
        (void)w;
        _exit(127);
    }
    free(env);
    for (int i = 0; i < 3; i++)
        free(store[i]);
    return pid;
}

/* waitpid() with a deadline; returns the status or -1 on timeout. */
static int wait_deadline(pid_t pid, int timeout_ms)
{
    long long deadline = rl_now_ms() + timeout_ms;
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return status;
        if (r < 0 && errno != EINTR)
            return -1;
        if (rl_now_ms() >= deadline)
            return -1;
        sleep_ms(5);
    }
}

static void print_server_stderr(const struct rl_server *s)
{
    char *err = rl_read_dir_file(s, "stderr");
    fprintf(stderr, "--- server stderr (%s) ---\n%s\n---\n", s->dir, err ? err : "(none)");
    free(err);
}

int rl_server_start(struct rl_server *s, const char *const *args)
{
    return rl_server_start_wrapped(s, NULL, NULL, args);
}

int rl_server_start_wrapped(struct rl_server *s, const char *const *wrapper,
                            const char *exe, const char *const *args)
{
    char *argv[96];
    char port0[] = "0";
    int n = 0;
    for (int i = 0; wrapper != NULL && wrapper[i] != NULL && n < 24; i++)
        argv[n++] = (char *)wrapper[i];
    argv[n++] = (char *)(exe != NULL ? exe : rl_server_exe());
    argv[n++] = "--port";
    argv[n++] = port0;
    argv[n++] = "--root";
    argv[n++] = s->root;
    for (int i = 0; args != NULL && args[i] != NULL && n < 94; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;

    s->pid = spawn(s, argv);
    if (s->pid < 0) {
        s->pid = 0;
        return -1;
    }
    long long deadline = rl_now_ms() + RL_START_TIMEOUT_MS;
    while (rl_now_ms() < deadline) {
        char *out = rl_read_dir_file(s, "stdout");
        const char *line = out ? strstr(out, "listening on ") : NULL;
        if (line != NULL && strchr(line, '\n') != NULL) {
            const char *colon = strrchr(line, ':');
            const char *nl = strchr(line, '\n');
            if (colon != NULL && colon < nl)
                s->port = atoi(colon + 1);
            free(out);
            if (s->port > 0)
                return 0;
            fprintf(stderr, "rl_server_start: cannot parse the listening line\n");
            return -1;
        }
        free(out);
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            s->pid = 0;
            s->status = status;
            fprintf(stderr, "rl_server_start: the server exited (status 0x%x) before listening\n",
                    status);
            print_server_stderr(s);
            return -1;
        }
        sleep_ms(5);
    }
    fprintf(stderr, "rl_server_start: no 'listening on' line within %d ms\n", RL_START_TIMEOUT_MS);
    print_server_stderr(s);
    return -1;
}

int rl_server_run(struct rl_server *s, const char *const *args, int timeout_ms)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)rl_server_exe();
    for (int i = 0; args != NULL && args[i] != NULL && n < 62; i++)
        argv[n++] = (char *)args[i];
    argv[n] = NULL;
    s->pid = spawn(s, argv);
    if (s->pid < 0) {
        s->pid = 0;
        return -1;
    }
    int status = wait_deadline(s->pid, timeout_ms);
    if (status == -1) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        s->pid = 0;
        return -1;
    }
    s->pid = 0;
    s->status = status;
    return status;
}

int rl_server_stop(struct rl_server *s, int timeout_ms)
{
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    int status = wait_deadline(s->pid, timeout_ms);
    if (status == -1) {
        fprintf(stderr, "rl_server_stop: no exit %d ms after SIGTERM; killing\n", timeout_ms);
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        s->pid = 0;
        print_server_stderr(s);
        return -1;
    }
    s->pid = 0;
    s->status = status;
    return status;
}

void rl_server_destroy(struct rl_server *s)
{
    if (s->pid > 0) {
        kill(s->pid, SIGKILL);
        int status;
        waitpid(s->pid, &status, 0);
        s->pid = 0;
    }
    if (s->dir[0] != '\0') {
        if (getenv("RL_KEEP_TMP") != NULL)
            fprintf(stderr, "rl_support: keeping %s\n", s->dir);
        else
            nftw(s->dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        s->dir[0] = '\0';
    }
}

bool rl_exited_zero(int status)
{
    return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* --- connections -------------------------------------------------------- */

int rl_conn_open(struct rl_conn *c, int port)
{
    memset(c, 0, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -errno;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        close(c->fd);
        c->fd = -1;
        return -e;
    }
    return 0;
}

void rl_conn_close(struct rl_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}

int rl_conn_send(struct rl_conn *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int rl_conn_sendstr(struct rl_conn *c, const char *s)
{
    return rl_conn_send(c, s, strlen(s));
}

/* Receives more bytes into C's buffer before DEADLINE.  Returns the byte
 * count, 0 on EOF or reset, -1 on timeout or another error. */
static ssize_t conn_fill(struct rl_conn *c, long long deadline)
{
    if (c->cap - c->len < 4096) {
        size_t cap = c->cap ? c->cap * 2 : 16384;
        char *nb = realloc(c->buf, cap);
        if (nb == NULL)
            return -1;
        c->buf = nb;
        c->cap = cap;
    }
    for (;;) {
        long long left = deadline - rl_now_ms();
        if (left <= 0)
            return -1;
        struct pollfd p = { .fd = c->fd, .events = POLLIN };
        int rc = poll(&p, 1, (int)left);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            return -1;
        ssize_t n = recv(c->fd, c->buf + c->len, c->cap - c->len - 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == ECONNRESET || errno == EPIPE))
            return 0;
        if (n < 0)
            return -1;
        c->len += (size_t)n;
        return n;
    }
}

static char *memdup0(const char *p, size_t n)
{
    char *s = malloc(n + 1);
    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Parses the head in R->head (status line + header lines, CRLF-separated,
 * without the final empty line).  Returns 0 or -1. */
static int parse_head(struct rl_response *r)
{
    const char *h = r->head;
    if (strncmp(h, "HTTP/1.", 7) != 0 || !isdigit((unsigned char)h[7]) || h[8] != ' ')
        return -1;
    if (!isdigit((unsigned char)h[9]) || !isdigit((unsigned char)h[10])
        || !isdigit((unsigned char)h[11]) || (h[12] != ' ' && h[12] != '\r'))
        return -1;
    r->status = atoi(h + 9);
    r->content_length = -1;
    const char *line = strstr(h, "\r\n");
    while (line != NULL) {
        line += 2;
        if (*line == '\0')
            break;
        const char *eol = strstr(line, "\r\n");
        if (eol == NULL)
            eol = line + strlen(line);
        const char *colon = memchr(line, ':', (size_t)(eol - line));
        if (colon == NULL)
            return -1;
        const char *v = colon + 1;
        while (v < eol && (*v == ' ' || *v == '\t'))
            v++;
        struct rl_header *nh = realloc(r->headers, (r->nheaders + 1) * sizeof(*nh));
        if (nh == NULL)
            return -1;
        r->headers = nh;
        r->headers[r->nheaders].name = memdup0(line, (size_t)(colon - line));
        r->headers[r->nheaders].value = memdup0(v, (size_t)(eol - v));
        r->nheaders++;
        if (*eol == '\0')
            break;
        line = eol;
    }
    const char *cl = rl_header(r, "Content-Length");
    if (cl != NULL) {
        char *end;
        errno = 0;
        long v = strtol(cl, &end, 10);
        if (errno != 0 || end == cl || *end != '\0' || v < 0)
            return -1;
        r->content_length = v;
    }
    return 0;
}

int rl_conn_read_response(struct rl_conn *c, struct rl_response *r, bool head_only,
                          int timeout_ms)
{
    memset(r, 0, sizeof(*r));
    long long deadline = rl_now_ms() + timeout_ms;
    size_t head_end = 0;
    for (;;) {
        if (c->len >= 4) {
            for (size_t i = 0; i + 4 <= c->len; i++)
                if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0) {
                    head_end = i + 4;
                    break;
                }
            if (head_end > 0)
                break;
        }
        ssize_t n = conn_fill(c, deadline);
        if (n == 0)
            return c->len == 0 ? 0 : -1;
        if (n < 0)
            return -1;
    }
    r->head = memdup0(c->buf, head_end - 2);
    if (r->head == NULL || parse_head(r) < 0 || r->content_length < 0) {
        rl_response_free(r);
        return -1;
    }
    size_t blen = head_only ? 0 : (size_t)r->content_length;
    while (c->len < head_end + blen) {
        ssize_t n = conn_fill(c, deadline);
        if (n <= 0) {
            rl_response_free(r);
            return -1;
        }
    }
    r->body = memdup0(c->buf + head_end, blen);
    r->body_len = blen;
    memmove(c->buf, c->buf + head_end + blen, c->len - head_end - blen);
    c->len -= head_end + blen;
    return 1;
}

bool rl_conn_wait_closed(struct rl_conn *c, int timeout_ms)
{
    if (c->len > 0)
        return false;
    long long deadline = rl_now_ms() + timeout_ms;
    ssize_t n = conn_fill(c, deadline);
    return n == 0;
}

const char *rl_header(const struct rl_response *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->headers[i].name, name) == 0)
            return r->headers[i].value;
    return NULL;
}

void rl_response_free(struct rl_response *r)
{
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->headers[i].name);
        free(r->headers[i].value);
    }
    free(r->headers);
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

int rl_request_bytes(int port, const void *raw, size_t len, bool head_only,
                     struct rl_response *r)
{
    struct rl_conn c;
    memset(r, 0, sizeof(*r));
    if (rl_conn_open(&c, port) < 0)
        return -1;
    int rc = -1;
    if (rl_conn_send(&c, raw, len) == 0)
        rc = rl_conn_read_response(&c, r, head_only, RL_IO_TIMEOUT_MS);
    rl_conn_close(&c);
    return rc;
}

int rl_request(int port, const char *raw, struct rl_response *r)
{
    return rl_request_bytes(port, raw, strlen(raw), strncmp(raw, "HEAD ", 5) == 0, r);
}

int rl_get(int port, const char *path, struct rl_response *r)
{
    char raw[4096];
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n", path);
    return rl_request(port, raw, r);
}

json_t *rl_stats(int port)
{
    struct rl_response r;
    if (rl_get(port, "/-/stats", &r) != 1)
        return NULL;
    json_t *j = NULL;
    if (r.status == 200) {
        json_error_t err;
        j = json_loadb(r.body, r.body_len, 0, &err);
        if (j == NULL)
            fprintf(stderr, "rl_stats: bad JSON (%s): %s\n", err.text, r.body);
    }
    rl_response_free(&r);
    return j;
}

long long rl_stats_int(json_t *stats, const char *field)
{
    json_t *v = json_object_get(stats, field);
    return json_is_integer(v) ? json_integer_value(v) : -1;
}
