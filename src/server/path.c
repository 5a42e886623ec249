/* path.c - request-target decoding and confined opening under the root. */
#include "path.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int hexval(unsigned char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int path_from_target(const char *target, size_t len, char *out, size_t outsize)
{
    if (len == 0 || target[0] != '/')
        return 400;     /* only origin-form: no absolute-form, no "*" */

    size_t o = 0;       /* bytes written to OUT */
    size_t seg = 0;     /* where the current segment starts in OUT */
    for (size_t i = 1; i <= len; i++) {
        bool end = (i == len || target[i] == '?' || target[i] == '#');
        char c = end ? '/' : target[i];
        if (c == '%') {
            int hi = i + 2 < len ? hexval((unsigned char)target[i + 1]) : -1;
            int lo = i + 2 < len ? hexval((unsigned char)target[i + 2]) : -1;
            if (hi < 0 || lo < 0)
                return 400;
            c = (char)(hi * 16 + lo);
            if (c == '\0')
                return 400;
            i += 2;
            /* A decoded slash still separates segments: "..%2f" must not
             * smuggle a ".." past the check below. */
        }
        if (c == '/') {
            size_t n = o - seg;
            if (n == 0 || (n == 1 && out[seg] == '.')) {
                o = seg;                    /* empty or "." segment */
            } else if (n == 2 && out[seg] == '.' && out[seg + 1] == '.') {
                return 403;                 /* never climb, not even inside */
            } else {
                if (o + 1 >= outsize)
                    return 400;
                out[o++] = '/';
                seg = o;
            }
            if (end)
                break;
            continue;
        }
        if (o + 1 >= outsize)
            return 400;
        out[o++] = c;
    }
    if (o > 0 && out[o - 1] == '/')
        o--;
    out[o] = '\0';
    return 0;
}

int path_open_beneath(int rootfd, const char *rel, int flags)
{
    if (rel[0] == '\0')
        rel = ".";
    /* openat2(RESOLVE_BENEATH) makes the kernel refuse any resolution that
     * leaves ROOTFD, through ".." or through a symlink, absolute or not. */
    struct open_how how = {
        .flags = (unsigned long long)(flags | O_CLOEXEC),
        .resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS,
    };
    long fd = syscall(SYS_openat2, rootfd, rel, &how, sizeof(how));
    if (fd >= 0)
        return (int)fd;
    if (errno != ENOSYS)
        return -errno;

    /* Kernels before 5.6: refuse every symlink on the way instead. */
    int dirfd = dup(rootfd);
    if (dirfd < 0)
        return -errno;
    char buf[4096];
    size_t n = strlen(rel);
    if (n >= sizeof(buf)) {
        close(dirfd);
        return -ENAMETOOLONG;
    }
    memcpy(buf, rel, n + 1);
    char *save = NULL;
    char *part = strtok_r(buf, "/", &save);
    for (;;) {
        char *next = strtok_r(NULL, "/", &save);
        int f = next ? O_PATH | O_DIRECTORY | O_NOFOLLOW : flags | O_NOFOLLOW;
        int nfd = openat(dirfd, part, f | O_CLOEXEC);
        int saved = errno;
        close(dirfd);
        if (nfd < 0)
            return -saved;
        if (next == NULL)
            return nfd;
        dirfd = nfd;
        part = next;
    }
}
