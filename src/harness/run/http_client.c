/* http_client.c - a minimal blocking HTTP/1.1 client (the harness side;
 * the server parses requests in src/server/http.c). */
#include "http_client.h"
#include "harness_util.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

int http_connect(struct http_conn *c, int port, double timeout,
                 char *err, size_t errlen)
{
    struct sockaddr_in sa;
    struct timeval tv;
    int one = 1;

    c->off = c->len = 0;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        return HTTP_ERR;
    }
    tv.tv_sec = (time_t)timeout;
    tv.tv_usec = (suseconds_t)((timeout - (double)tv.tv_sec) * 1e6);
    /* Without the timeouts a stuck server would block the client forever. */
    if (setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0) {
        snprintf(err, errlen, "setsockopt timeout: %s", strerror(errno));
        http_close(c);
        return HTTP_ERR;
    }
    /* Nagle only costs latency: a failure changes no result. */
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((unsigned short)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    while (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (errno == EINTR)
            continue;
        snprintf(err, errlen, "connect 127.0.0.1:%d: %s", port, strerror(errno));
        http_close(c);
        return HTTP_ERR;
    }
    return HTTP_OK;
}

void http_close(struct http_conn *c)
{
    if (c->fd >= 0)
        close(c->fd);       /* every byte was sent or the request failed */
    c->fd = -1;
    c->off = c->len = 0;
}

int http_send(struct http_conn *c, const char *req, size_t len,
              char *err, size_t errlen)
{
    size_t done = 0;

    while (done < len) {
        ssize_t n = send(c->fd, req + done, len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(err, errlen, "send: %s", strerror(errno));
            return errno == EPIPE || errno == ECONNRESET ? HTTP_EOF : HTTP_ERR;
        }
        done += (size_t)n;
    }
    return HTTP_OK;
}

/* Reads more bytes into the buffer; 0 on EOF, -1 on error. */
static ssize_t fill(struct http_conn *c, char *err, size_t errlen)
{
    ssize_t n;

    if (c->off > 0 && c->off == c->len)
        c->off = c->len = 0;
    if (c->len == sizeof c->buf) {
        if (c->off == 0) {
            snprintf(err, errlen, "response header larger than %zu bytes",
                     sizeof c->buf);
            return -1;
        }
        memmove(c->buf, c->buf + c->off, c->len - c->off);
        c->len -= c->off;
        c->off = 0;
    }
    do
        n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        snprintf(err, errlen, "recv: %s", errno == EAGAIN ? "timed out"
                                                          : strerror(errno));
        return errno == ECONNRESET ? 0 : -1;
    }
    c->len += (size_t)n;
    return n;
}

int http_read(struct http_conn *c, bool head, struct http_resp *r,
              char *err, size_t errlen)
{
    char *hdr_end;
    size_t got_any = c->len - c->off;

    memset(r, 0, sizeof *r);
    r->content_length = -1;
    for (;;) {
        hdr_end = memmem(c->buf + c->off, c->len - c->off, "\r\n\r\n", 4);
        if (hdr_end)
            break;
        ssize_t n = fill(c, err, errlen);
        if (n < 0)
            return HTTP_ERR;
        if (n == 0) {
            if (got_any == 0 && c->len == c->off)
                return HTTP_EOF;
            snprintf(err, errlen, "connection closed inside the response header");
            return HTTP_ERR;
        }
        got_any = 1;
    }

    /* Parse the status line and the headers we care about. */
    {
        char *p = c->buf + c->off, *end = hdr_end;
        char *eol = memmem(p, (size_t)(end - p), "\r\n", 2);
        if (!eol)
            eol = end;
        if (end - p < 12 || strncmp(p, "HTTP/1.", 7) != 0) {
            snprintf(err, errlen, "malformed status line");
            return HTTP_ERR;
        }
        r->status = atoi(p + 9);
        p = eol + 2;
        while (p < end) {
            eol = memmem(p, (size_t)(end - p), "\r\n", 2);
            if (!eol)
                eol = end;
            size_t len = (size_t)(eol - p);
            if (len > 15 && strncasecmp(p, "Content-Length:", 15) == 0)
                r->content_length = strtol(p + 15, NULL, 10);
            else if (len > 11 && strncasecmp(p, "Connection:", 11) == 0) {
                char *v = p + 11;
                while (*v == ' ')
                    v++;
                if (strncasecmp(v, "close", 5) == 0)
                    r->close = true;
            }
            p = eol + 2;
        }
        c->off = (size_t)(hdr_end + 4 - c->buf);
    }

    if (head || r->status == 204 || r->status == 304 ||
        (r->status >= 100 && r->status < 200))
        return HTTP_OK;
    if (r->content_length < 0) {
        /* Body to EOF: only legal with Connection: close. */
        struct strbuf sb;
        sb_init(&sb);
        sb_add(&sb, "", 0);
        for (;;) {
            sb_add(&sb, c->buf + c->off, c->len - c->off);
            c->off = c->len;
            ssize_t n = fill(c, err, errlen);
            if (n < 0) {
                sb_free(&sb);
                return HTTP_ERR;
            }
            if (n == 0)
                break;
        }
        r->body_len = sb.len;
        r->body = sb_steal(&sb);
        r->close = true;
        return HTTP_OK;
    }
    r->body = xmalloc((size_t)r->content_length + 1);
    while (r->body_len < (size_t)r->content_length) {
        size_t avail = c->len - c->off;
        if (avail == 0) {
            ssize_t n = fill(c, err, errlen);
            if (n < 0)
                return HTTP_ERR;
            if (n == 0) {
                snprintf(err, errlen, "connection closed after %zu of %ld body "
                         "bytes", r->body_len, r->content_length);
                return HTTP_ERR;
            }
            continue;
        }
        size_t want = (size_t)r->content_length - r->body_len;
        if (avail > want)
            avail = want;
        memcpy(r->body + r->body_len, c->buf + c->off, avail);
        r->body_len += avail;
        c->off += avail;
    }
    r->body[r->body_len] = '\0';
    return HTTP_OK;
}

void http_resp_free(struct http_resp *r)
{
    free(r->body);
    r->body = NULL;
}

int http_get(int port, const char *path, double timeout,
             struct http_resp *r, char *err, size_t errlen)
{
    struct http_conn *c = xmalloc(sizeof *c);
    char req[1024];
    int rc;

    memset(r, 0, sizeof *r);
    rc = http_connect(c, port, timeout, err, errlen);
    if (rc == HTTP_OK) {
        int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "Connection: close\r\n\r\n", path);
        rc = http_send(c, req, (size_t)n, err, errlen);
        if (rc == HTTP_OK)
            rc = http_read(c, false, r, err, errlen);
        if (rc == HTTP_EOF) {
            snprintf(err, errlen, "GET %s: connection closed without a response",
                     path);
            rc = HTTP_ERR;
        }
    }
    http_close(c);
    free(c);
    return rc;
}

bool json_number(const char *json, const char *name, long long *out)
{
    char key[128];
    const char *p;

    snprintf(key, sizeof key, "\"%s\"", name);
    p = strstr(json, key);
    if (!p)
        return false;
    p += strlen(key);
    while (*p == ' ' || *p == ':' || *p == '\t' || *p == '\n')
        p++;
    if (!(*p == '-' || (*p >= '0' && *p <= '9')))
        return false;
    *out = strtoll(p, NULL, 10);
    return true;
}
