/* docroot.c - deterministic static files with verifiable bodies. */
#include "docroot.h"
#include "harness_util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

size_t docroot_size(unsigned n)
{
    if (n < DOCROOT_SMALL)
        return 200 + (size_t)n * 100;
    /* Knuth's multiplicative hash spreads sizes over 200 B .. 64 KiB. */
    uint32_t h = (uint32_t)n * 2654435761u;
    return 200 + (size_t)(h % (65536 - 200));
}

void docroot_fill(unsigned n, char *buf, size_t len)
{
    static const char alphabet[] =
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    int head = snprintf(buf, len, "<!-- racelab file %u -->\n", n);
    size_t i = head < 0 ? 0 : (size_t)head >= len ? len : (size_t)head;

    for (; i < len; i++)
        buf[i] = (i % 64 == 63) ? '\n'
                 : alphabet[(i * 31 + (size_t)n * 17 + (i >> 6)) % 62];
}

char *docroot_index(unsigned nfiles, size_t *len)
{
    char *s = xasprintf("<html><body>racelab docroot: %u files under /f/"
                        "</body></html>\n", nfiles);
    *len = strlen(s);
    return s;
}

unsigned docroot_files_for_cache(long cache_mb)
{
    /* The average file is about 33 KB: 64 files per MB doubles the cache. */
    long n = cache_mb * 64 + DOCROOT_SMALL;
    if (n < DOCROOT_MIN_FILES)
        n = DOCROOT_MIN_FILES;
    if (n > DOCROOT_MAX_FILES)
        n = DOCROOT_MAX_FILES;
    return (unsigned)n;
}

static int write_all(const char *path, const char *data, size_t len,
                     char *err, size_t errlen)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    size_t done = 0;

    if (fd < 0) {
        snprintf(err, errlen, "open %s: %s", path, strerror(errno));
        return -1;
    }
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            snprintf(err, errlen, "write %s: %s", path, strerror(errno));
            close(fd);          /* failing already; ERR says why */
            return -1;
        }
        done += (size_t)w;
    }
    if (close(fd) < 0) {
        snprintf(err, errlen, "close %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

int docroot_create(const char *dir, unsigned nfiles, char *err, size_t errlen)
{
    char *buf = xmalloc(65536), *path, *index;
    size_t len;
    int rc = -1;

    path = xasprintf("%s/f", dir);
    if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", dir, strerror(errno));
        goto out;
    }
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        snprintf(err, errlen, "mkdir %s: %s", path, strerror(errno));
        goto out;
    }
    index = docroot_index(nfiles, &len);
    free(path);
    path = xasprintf("%s/index.html", dir);
    rc = write_all(path, index, len, err, errlen);
    free(index);
    for (unsigned n = 0; rc == 0 && n < nfiles; n++) {
        free(path);
        path = xasprintf("%s/f/%u.html", dir, n);
        len = docroot_size(n);
        docroot_fill(n, buf, len);
        rc = write_all(path, buf, len, err, errlen);
    }
out:
    free(path);
    free(buf);
    return rc;
}
