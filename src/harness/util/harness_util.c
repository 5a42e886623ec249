/* harness_util.c - checked allocation, strings, files and the clock. */
#include "harness_util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void oom(void)
{
    fputs("racelab: out of memory\n", stderr);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");
    if (!d)
        oom();
    return d;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    va_end(ap);
    return s;
}

void sb_init(struct strbuf *sb)
{
    sb->buf = NULL;
    sb->len = sb->cap = 0;
}

static void sb_grow(struct strbuf *sb, size_t extra)
{
    if (sb->len + extra + 1 <= sb->cap)
        return;
    size_t cap = sb->cap ? sb->cap : 64;
    while (cap < sb->len + extra + 1)
        cap *= 2;
    sb->buf = xrealloc(sb->buf, cap);
    sb->cap = cap;
}

void sb_add(struct strbuf *sb, const char *s, size_t n)
{
    sb_grow(sb, n);
    memcpy(sb->buf + sb->len, s, n);
    sb->len += n;
    sb->buf[sb->len] = '\0';
}

void sb_puts(struct strbuf *sb, const char *s)
{
    sb_add(sb, s, strlen(s));
}

/* Appends FMT's text, after SEP unless SB is empty or SEP is NULL. */
static void sb_vappend(struct strbuf *sb, const char *sep, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static void sb_vappend(struct strbuf *sb, const char *sep, const char *fmt, va_list ap)
{
    char *s;

    if (vasprintf(&s, fmt, ap) < 0)
        oom();
    if (sep && sb->len)
        sb_puts(sb, sep);
    sb_puts(sb, s);
    free(s);
}

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sb_vappend(sb, NULL, fmt, ap);
    va_end(ap);
}

void sb_list_printf(struct strbuf *sb, const char *sep, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    sb_vappend(sb, sep, fmt, ap);
    va_end(ap);
}

char *sb_steal(struct strbuf *sb)
{
    char *s = sb->buf ? sb->buf : xstrdup("");
    sb_init(sb);
    return s;
}

void sb_free(struct strbuf *sb)
{
    free(sb->buf);
    sb_init(sb);
}

void sv_init(struct strvec *sv)
{
    sv->v = xcalloc(1, sizeof(char *));
    sv->n = 0;
    sv->cap = 1;
}

void sv_push_own(struct strvec *sv, char *s)
{
    if (sv->n + 2 > sv->cap) {
        sv->cap = sv->cap * 2 + 2;
        sv->v = xrealloc(sv->v, sv->cap * sizeof(char *));
    }
    sv->v[sv->n++] = s;
    sv->v[sv->n] = NULL;
}

void sv_push(struct strvec *sv, const char *s)
{
    sv_push_own(sv, xstrdup(s));
}

void sv_free(struct strvec *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

bool sv_contains(const struct strvec *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

void sv_split(struct strvec *sv, const char *s, bool ws)
{
    char *copy = xstrdup(s), *p = copy;

    while (*p) {
        size_t n = ws ? strcspn(p, ", \t\n") : strcspn(p, ",");
        char save = p[n];
        p[n] = '\0';
        char *item = str_trim(p);
        if (*item)
            sv_push(sv, item);
        if (!save)
            break;
        p += n + 1;
    }
    free(copy);
}

char *str_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

char *str_replace(const char *s, const char *needle, const char *rep)
{
    struct strbuf sb;
    size_t nl = strlen(needle);
    const char *p;

    sb_init(&sb);
    while ((p = strstr(s, needle)) != NULL) {
        sb_add(&sb, s, (size_t)(p - s));
        sb_puts(&sb, rep);
        s = p + nl;
    }
    sb_puts(&sb, s);
    return sb_steal(&sb);
}

bool str_ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

bool parse_long(const char *s, long min, long max, long *out)
{
    char *end;
    long v;

    if (!s || !*s)
        return false;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return false;
    *out = v;
    return true;
}

bool parse_seconds(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s)
        return false;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !(v > 0) || v > 86400)
        return false;
    *out = v;
    return true;
}

double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_seconds(double s)
{
    struct timespec ts;
    if (s <= 0)
        return;
    ts.tv_sec = (time_t)s;
    ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        ;
}

char *read_file(const char *path, size_t *lenp)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct strbuf sb;
    char buf[65536];
    ssize_t n;

    if (fd < 0)
        return NULL;
    sb_init(&sb);
    sb_add(&sb, "", 0);
    while ((n = read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            close(fd);      /* read only; errno E is the one to report */
            sb_free(&sb);
            errno = e;
            return NULL;
        }
        sb_add(&sb, buf, (size_t)n);
    }
    close(fd);              /* read only: everything is in SB */
    if (lenp)
        *lenp = sb.len;
    return sb_steal(&sb);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if (flag == FTW_DP)
        return rmdir(path) < 0 && errno != ENOENT ? -1 : 0;
    return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int rm_rf(const char *path)
{
    /* FTW_PHYS: never follow a symlink out of the tree we are removing. */
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT
           ? -1 : 0;
}

bool is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           access(path, X_OK) == 0;
}

char *which(const char *name)
{
    const char *path = getenv("PATH");
    struct strvec dirs;
    char *found = NULL;

    if (strchr(name, '/'))
        return is_executable(name) ? xstrdup(name) : NULL;
    sv_init(&dirs);
    sv_split(&dirs, path ? path : "/usr/local/bin:/usr/bin:/bin", false);
    for (size_t i = 0; i < dirs.n && !found; i++) {
        /* PATH is colon separated; sv_split split at commas, so split again */
        char *copy = xstrdup(dirs.v[i]), *save = NULL;
        for (char *d = strtok_r(copy, ":", &save); d && !found;
             d = strtok_r(NULL, ":", &save)) {
            char *p = xasprintf("%s/%s", d, name);
            if (is_executable(p))
                found = p;
            else
                free(p);
        }
        free(copy);
    }
    sv_free(&dirs);
    return found;
}

void errorf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    fprintf(stderr, "racelab: %s\n", s ? s : fmt);
    free(s);
}

void warnf(const char *fmt, ...)
{
    va_list ap;
    char *s;

    va_start(ap, fmt);
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    fprintf(stderr, "racelab: warning: %s\n", s ? s : fmt);
    free(s);
}

bool args_use(char *const *argv, size_t n, const char *placeholder)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(argv[i], placeholder))
            return true;
    return false;
}
