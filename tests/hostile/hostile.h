/* hostile.h - byte-exact response checks shared by the hostile-client
 * tests (include cmocka.h and rl_cmocka.h first).
 *
 * The expected head is rebuilt from first principles, not from the
 * server's own http_status_text(), so a wrong reason phrase, a missing
 * header or a stray one fails.  Only Date is taken from the response. */
#ifndef HOSTILE_H
#define HOSTILE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define HOSTILE_HTML "text/html; charset=utf-8"

static inline const char *hostile_reason(int status)
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
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default:  return "?";
    }
}

/* Fails unless R is exactly: STATUS, Content-Type CTYPE, the LEN bytes of
 * BODY (HEAD_ONLY: none sent, but Content-Length LEN), Connection CONN,
 * then EXTRA header lines (each ending in CRLF, or NULL).  WHAT names the
 * request in the failure message. */
static inline void hostile_expect_exact(const struct rl_response *r, const char *what,
                                        int status, const char *ctype, const void *body,
                                        size_t len, bool head_only, const char *conn,
                                        const char *extra)
{
    const char *date = rl_header(r, "Date");
    if (date == NULL)
        fail_msg("%s: no Date header; head:\n%s", what, r->head ? r->head : "(none)");
    char want[1024];
    snprintf(want, sizeof(want),
             "HTTP/1.1 %d %s\r\nServer: racelab\r\nDate: %s\r\nContent-Type: %s\r\n"
             "Content-Length: %zu\r\nConnection: %s\r\n%s",
             status, hostile_reason(status), date, ctype, len, conn, extra ? extra : "");
    if (strcmp(r->head, want) != 0)
        fail_msg("%s: head differs\n--- got ---\n%s--- want ---\n%s", what, r->head, want);
    size_t blen = head_only ? 0 : len;
    if (r->body_len != blen || memcmp(r->body, body, blen) != 0)
        fail_msg("%s: body differs (%zu bytes, want %zu): %.80s", what, r->body_len, blen,
                 r->body);
}

/* The server's fixed error page for STATUS, exactly. */
static inline void hostile_expect_error(const struct rl_response *r, const char *what,
                                        int status, bool head_only, const char *conn,
                                        const char *extra)
{
    char body[128];
    int n = snprintf(body, sizeof(body), "<h1>%d %s</h1>\n", status, hostile_reason(status));
    hostile_expect_exact(r, what, status, HOSTILE_HTML, body, (size_t)n, head_only, conn,
                         extra);
}

/* Raises the soft RLIMIT_NOFILE to at least WANT (capped by the hard
 * limit); the server and wrk inherit it.  Returns the new soft limit. */
static inline long hostile_raise_nofile(long want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur != RLIM_INFINITY && (long)rl.rlim_cur < want) {
        rlim_t cur = (rl.rlim_max == RLIM_INFINITY || (long)rl.rlim_max > want)
                         ? (rlim_t)want : rl.rlim_max;
        rl.rlim_cur = cur;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    return rl.rlim_cur == RLIM_INFINITY ? want : (long)rl.rlim_cur;
}

#endif
