/* http.c - HTTP/1.1 request heads in, response heads out. */
#include "http.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* RFC 9110 tchar: the characters a method or header name may use. */
static bool is_tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static bool token_eq(const char *p, size_t len, const char *word)
{
    return strlen(word) == len && strncasecmp(p, word, len) == 0;
}

/* Finds the end of the line starting at P: returns a pointer to its LF. */
static const char *find_lf(const char *p, const char *end)
{
    return memchr(p, '\n', (size_t)(end - p));
}

/* Does the comma-separated header VALUE contain the token WORD? */
static bool list_has_token(const char *v, size_t len, const char *word)
{
    const char *end = v + len;
    while (v < end) {
        while (v < end && (*v == ' ' || *v == '\t' || *v == ','))
            v++;
        const char *start = v;
        while (v < end && *v != ',')
            v++;
        const char *stop = v;
        while (stop > start && (stop[-1] == ' ' || stop[-1] == '\t'))
            stop--;
        if (token_eq(start, (size_t)(stop - start), word))
            return true;
    }
    return false;
}

static int parse_request_line(const char *p, const char *eol,
                              struct http_request *req)
{
    const char *sp1 = memchr(p, ' ', (size_t)(eol - p));
    if (sp1 == NULL || sp1 == p)
        return -400;
    for (const char *m = p; m < sp1; m++)
        if (!is_tchar((unsigned char)*m))
            return -400;
    req->method_name = p;
    req->method_len = (size_t)(sp1 - p);
    /* Methods are case-sensitive (RFC 9110 9.1). */
    if (req->method_len == 3 && memcmp(p, "GET", 3) == 0)
        req->method = HTTP_GET;
    else if (req->method_len == 4 && memcmp(p, "HEAD", 4) == 0)
        req->method = HTTP_HEAD;
    else
        req->method = HTTP_OTHER;

    const char *t = sp1 + 1;
    const char *sp2 = memchr(t, ' ', (size_t)(eol - t));
    if (sp2 == NULL || sp2 == t)
        return -400;
    for (const char *c = t; c < sp2; c++)
        if ((unsigned char)*c <= 0x20 || *c == 0x7f)
            return -400;
    req->target = t;
    req->target_len = (size_t)(sp2 - t);

    const char *v = sp2 + 1;
    size_t vlen = (size_t)(eol - v);
    if (vlen != 8 || memcmp(v, "HTTP/", 5) != 0 || !isdigit((unsigned char)v[5])
        || v[6] != '.' || !isdigit((unsigned char)v[7]))
        return -400;
    if (v[5] != '1')
        return -505;
    req->version_minor = v[7] - '0';
    return 0;
}

int http_parse_request(const char *buf, size_t len,
                       const struct http_limits *lim, struct http_request *req)
{
    const char *p = buf, *end = buf + len;

    memset(req, 0, sizeof(*req));
    /* RFC 9112 2.2: ignore at least one empty line before a request. */
    while (p < end && (*p == '\r' || *p == '\n'))
        p++;
    if (p == end)
        return (len > lim->max_header_bytes) ? -431 : 0;

    const char *lf = find_lf(p, end);
    if (lf == NULL) {
        if ((size_t)(end - p) > lim->max_request_line + (end[-1] == '\r'))
            return -414;
        return 0;
    }
    const char *eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
    if ((size_t)(eol - p) > lim->max_request_line)
        return -414;
    int rc = parse_request_line(p, eol, req);
    if (rc < 0)
        return rc;

    bool conn_close = false, conn_keep_alive = false, has_length = false;
    p = lf + 1;
    for (;;) {
        if ((size_t)(p - buf) > lim->max_header_bytes)
            return -431;
        lf = find_lf(p, end);
        if (lf == NULL)
            return ((size_t)(end - buf) > lim->max_header_bytes) ? -431 : 0;
        eol = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
        if (eol == p)
            break;      /* the empty line that ends the head */
        if (*p == ' ' || *p == '\t')
            return -400;    /* obsolete line folding */
        const char *colon = memchr(p, ':', (size_t)(eol - p));
        if (colon == NULL || colon == p)
            return -400;
        for (const char *c = p; c < colon; c++)
            if (!is_tchar((unsigned char)*c))
                return -400;
        size_t nlen = (size_t)(colon - p);
        const char *v = colon + 1, *vend = eol;
        while (v < vend && (*v == ' ' || *v == '\t'))
            v++;
        while (vend > v && (vend[-1] == ' ' || vend[-1] == '\t'))
            vend--;
        for (const char *c = v; c < vend; c++)
            if (*c == '\0' || *c == '\r')
                return -400;
        size_t vlen = (size_t)(vend - v);

        if (token_eq(p, nlen, "Host")) {
            if (req->has_host)
                return -400;    /* RFC 9112 3.2: exactly one Host */
            req->has_host = true;
        } else if (token_eq(p, nlen, "Connection")) {
            conn_close |= list_has_token(v, vlen, "close");
            conn_keep_alive |= list_has_token(v, vlen, "keep-alive");
        } else if (token_eq(p, nlen, "Content-Length")) {
            size_t n = 0;
            if (vlen == 0 || has_length)
                return -400;
            for (const char *c = v; c < vend; c++) {
                if (!isdigit((unsigned char)*c))
                    return -400;
                if (n > (lim->max_body_bytes + 1) * 10)
                    return -413;
                n = n * 10 + (size_t)(*c - '0');
            }
            has_length = true;
            req->content_length = n;
        } else if (token_eq(p, nlen, "Transfer-Encoding")) {
            return -501;
        }
        p = lf + 1;
    }
    req->head_len = (size_t)(lf + 1 - buf);
    if (req->head_len > lim->max_header_bytes)
        return -431;
    if (req->version_minor >= 1 && !req->has_host)
        return -400;
    if (req->content_length > lim->max_body_bytes)
        return -413;
    if (req->version_minor >= 1)
        req->keep_alive = !conn_close;
    else
        req->keep_alive = conn_keep_alive && !conn_close;
    return (int)req->head_len;
}

const char *http_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "Unknown";
    }
}

const char *http_content_type(const char *path)
{
    static const struct { const char *ext, *type; } types[] = {
        { "html", "text/html; charset=utf-8" },
        { "htm",  "text/html; charset=utf-8" },
        { "txt",  "text/plain; charset=utf-8" },
        { "css",  "text/css; charset=utf-8" },
        { "js",   "text/javascript; charset=utf-8" },
        { "json", "application/json" },
        { "xml",  "application/xml" },
        { "svg",  "image/svg+xml" },
        { "png",  "image/png" },
        { "jpg",  "image/jpeg" },
        { "jpeg", "image/jpeg" },
        { "gif",  "image/gif" },
        { "ico",  "image/x-icon" },
        { "webp", "image/webp" },
        { "pdf",  "application/pdf" },
        { "wasm", "application/wasm" },
    };
    const char *slash = strrchr(path, '/');
    const char *dot = strrchr(slash ? slash : path, '.');
    if (dot != NULL) {
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strcasecmp(dot + 1, types[i].ext) == 0)
                return types[i].type;
    }
    return "application/octet-stream";
}

/* The Date header changes once a second; format it once a second per
 * thread rather than on every response. */
static const char *http_date(void)
{
    static __thread time_t last;
    static __thread char buf[64];
    time_t now = time(NULL);
    if (now != last) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
        last = now;
    }
    return buf;
}

size_t http_format_head(char *buf, size_t size, int status,
                        const char *content_type, size_t content_length,
                        bool keep_alive, const char *extra)
{
    int n = snprintf(buf, size,
                     "HTTP/1.1 %d %s\r\n"
                     "Server: racelab\r\n"
                     "Date: %s\r\n"
                     "Content-Type: %s\r\n"
                     "Content-Length: %zu\r\n"
                     "Connection: %s\r\n"
                     "%s\r\n",
                     status, http_status_text(status), http_date(),
                     content_type, content_length,
                     keep_alive ? "keep-alive" : "close", extra ? extra : "");
    if (n < 0 || (size_t)n >= size)
        return 0;
    return (size_t)n;
}
