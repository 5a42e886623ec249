/* test_hostile_requests.c - malformed, oversized, smuggled and traversing
 * requests against the correct server, over real sockets.
 *
 * Every response is checked byte for byte (hostile.h): status, reason,
 * headers, error page.  Parse errors must close the connection; errors
 * about the target must keep it open and the next request on it must be
 * answered.  A secret file planted next to the root (and /etc/passwd) must
 * never appear in any response.  One server serves the whole group; the
 * last test stops it (exit 0, no sanitizer report). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rl_cmocka.h"
#include "hostile.h"

#define MAX_LINE 256
#define MAX_HEAD 1024
#define MAX_BODY 64
#define SECRET "HOSTILE-SECRET-9b7e"            /* <dir>/secret.txt */
#define SECRET2 "HOSTILE-SIBLING-41d2"          /* <dir>/root-evil/secret.txt */
#define PASSWD_MARK "root:x:0:0:"               /* /etc/passwd */
#define A_TXT "hello, racelab\n"
#define TXT "text/plain; charset=utf-8"

static struct rl_server srv;
static long responses_checked;

static const struct { const char *rel, *body, *ctype; } files[] = {
    { "index.html", "<h1>home</h1>\n", HOSTILE_HTML },
    { "a.txt", A_TXT, TXT },
    { "b.json", "{\"b\": 2}\n", "application/json" },
    { "sub/page.txt", "sub page\n", TXT },
    { "%2e%2e/lit.txt", "literal percent dir\n", TXT },
};

/* Symlinks in the root: target, and the status a GET of /<name> gets. */
static const struct { const char *name, *target; int want; } links[] = {
    { "link_etc", "/etc/passwd", 403 },             /* absolute, outside */
    { "link_up", "..", 403 },                       /* the root's parent */
    { "link_rel", "../secret.txt", 403 },           /* relative escape */
    { "link_rel_deep", "sub/../../secret.txt", 403 },
    { "link_prefix", "../root-evil/secret.txt", 403 },  /* sibling sharing a prefix */
    { "link_chain", "link_rel", 403 },              /* inside, to an escaping link */
    { "link_proc", "/proc/self/root/etc/passwd", 403 },
    { "link_loop", "link_loop", 403 },
    { "link_dangling", "nope.txt", 404 },
    { "link_in", "a.txt", 200 },                    /* inside, to a file inside */
    { "linkdir_in", "sub", 403 },                   /* a directory without index */
    { "sub/link_up2", "../..", 403 },
};

static int write_outside(const char *rel, const char *text)
{
    char path[PATH_MAX * 2];
    snprintf(path, sizeof(path), "%s/%s", srv.dir, rel);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

static int group_setup(void **state)
{
    char path[PATH_MAX * 2];
    if (rl_server_init(&srv) < 0)
        return -1;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        if (rl_write_text(&srv, files[i].rel, files[i].body) < 0)
            return -1;
    snprintf(path, sizeof(path), "%s/root-evil", srv.dir);
    if (mkdir(path, 0755) < 0 || write_outside("secret.txt", SECRET "\n") < 0
        || write_outside("root-evil/secret.txt", SECRET2 "\n") < 0)
        return -1;
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        snprintf(path, sizeof(path), "%s/%s", srv.root, links[i].name);
        if (symlink(links[i].target, path) < 0)
            return -1;
    }
    static const char *const args[] = {
        "--threads", "2", "--cache-mb", "1", "--max-request-line", "256",
        "--max-header-bytes", "1024", "--max-body-bytes", "64", NULL,
    };
    return rl_server_start(&srv, args);
}

static int group_teardown(void **state)
{
    rl_server_destroy(&srv);
    return 0;
}

/* --- reading, with the confidentiality check on every response ------------ */

static void no_secret(const struct rl_response *r, const char *what)
{
    static const char *const marks[] = { SECRET, SECRET2, PASSWD_MARK };
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (memmem(r->head, strlen(r->head), marks[i], strlen(marks[i])) != NULL
            || memmem(r->body, r->body_len, marks[i], strlen(marks[i])) != NULL)
            fail_msg("%s: a file outside the root leaked into the response", what);
    responses_checked++;
}

/* Reads one complete response on C or fails. */
static void read_ok(struct rl_conn *c, struct rl_response *r, bool head_only, const char *what)
{
    int rc = rl_conn_read_response(c, r, head_only, RL_IO_TIMEOUT_MS);
    if (rc != 1)
        fail_msg("%s: no complete response (rc %d)", what, rc);
    no_secret(r, what);
}

/* Sends RAW on C.  A send error is not a failure: the server may answer
 * and close while a huge request is still going out; what matters is the
 * response already on its way. */
static void send_hostile(struct rl_conn *c, const void *raw, size_t len)
{
    (void)rl_conn_send(c, raw, len);
}

/* A normal GET of /a.txt on C, answered exactly. */
static void expect_a_txt(struct rl_conn *c, const char *conn_hdr, const char *what)
{
    struct rl_response r;
    char raw[128];
    snprintf(raw, sizeof(raw), "GET /a.txt HTTP/1.1\r\nHost: t\r\n%s\r\n",
             strcmp(conn_hdr, "close") == 0 ? "Connection: close\r\n" : "");
    assert_int_equal(rl_conn_sendstr(c, raw), 0);
    read_ok(c, &r, false, what);
    hostile_expect_exact(&r, what, 200, TXT, A_TXT, strlen(A_TXT), false, conn_hdr, NULL);
    rl_response_free(&r);
}

/* The server still serves a normal request on a new connection. */
static void expect_alive(void)
{
    struct rl_conn c;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    expect_a_txt(&c, "close", "a normal request afterwards");
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_conn_close(&c);
}

/* RAW (a whole request or a hostile prefix of one) on a new connection is
 * answered with the error page STATUS and Connection: close, and closed. */
static void expect_fatal(const void *raw, size_t len, int status, const char *what)
{
    struct rl_conn c;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    send_hostile(&c, raw, len);
    read_ok(&c, &r, false, what);
    hostile_expect_error(&r, what, status, false, "close", NULL);
    rl_response_free(&r);
    if (!rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS))
        fail_msg("%s: the connection stayed open after a %d", what, status);
    rl_conn_close(&c);
}

static void expect_fatal_str(const char *raw, int status)
{
    expect_fatal(raw, strlen(raw), status, raw);
}

/* RAW (keep-alive) is answered with the error page STATUS (EXTRA headers)
 * and the connection stays usable. */
static void expect_kept(const char *raw, int status, const char *extra)
{
    struct rl_conn c;
    struct rl_response r;
    bool head = strncmp(raw, "HEAD ", 5) == 0;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c, raw), 0);
    read_ok(&c, &r, head, raw);
    hostile_expect_error(&r, raw, status, head, "keep-alive", extra);
    rl_response_free(&r);
    expect_a_txt(&c, "keep-alive", raw);
    rl_conn_close(&c);
}

static void expect_target(const char *method, const char *target, int status)
{
    char raw[1024];
    snprintf(raw, sizeof(raw), "%s %s HTTP/1.1\r\nHost: t\r\n\r\n", method, target);
    expect_kept(raw, status, NULL);
}

/* GET TARGET answered 200 with file BODY (type CTYPE), keep-alive. */
static void expect_file(const char *target, const char *body, const char *ctype)
{
    struct rl_conn c;
    struct rl_response r;
    char raw[1024];
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", target);
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c, raw), 0);
    read_ok(&c, &r, false, raw);
    hostile_expect_exact(&r, raw, 200, ctype, body, strlen(body), false, "keep-alive", NULL);
    rl_response_free(&r);
    rl_conn_close(&c);
}

/* A malloc'd buffer: PREFIX, then N copies of UNIT, then SUFFIX. */
static char *repeat(const char *prefix, const char *unit, size_t n, const char *suffix,
                    size_t *len)
{
    size_t pl = strlen(prefix), ul = strlen(unit), sl = strlen(suffix);
    *len = pl + ul * n + sl;
    char *buf = malloc(*len + 1);
    assert_non_null(buf);
    memcpy(buf, prefix, pl);
    for (size_t i = 0; i < n; i++)
        memcpy(buf + pl + i * ul, unit, ul);
    memcpy(buf + pl + ul * n, suffix, sl + 1);
    return buf;
}

/* --- oversized ------------------------------------------------------------- */

static void test_hostile_oversized_request_line_414(void **state)
{
    size_t len;
    /* A 1 MiB request line, complete, and one that never ends. */
    char *raw = repeat("GET /", "a", 1 << 20, " HTTP/1.1\r\nHost: t\r\n\r\n", &len);
    expect_fatal(raw, len, 414, "1 MiB request line");
    free(raw);
    raw = repeat("", "A", 1 << 20, "", &len);
    expect_fatal(raw, len, 414, "1 MiB without a newline");
    free(raw);
    /* One byte over the limit, sent alone. */
    raw = repeat("GET /", "b", MAX_LINE - strlen("GET / HTTP/1.1") + 1,
                 " HTTP/1.1\r\nHost: t\r\n\r\n", &len);
    expect_fatal(raw, len, 414, "request line of limit + 1");
    free(raw);
    expect_alive();
}

static void test_hostile_oversized_headers_431(void **state)
{
    size_t len;
    char *raw = repeat("GET /a.txt HTTP/1.1\r\nHost: t\r\n", "X-Many: v\r\n", 100000, "\r\n", &len);
    expect_fatal(raw, len, 431, "1 MiB of small headers");
    free(raw);
    raw = repeat("GET /a.txt HTTP/1.1\r\nHost: t\r\nX-Huge: ", "h", 1 << 20, "\r\n\r\n", &len);
    expect_fatal(raw, len, 431, "one 1 MiB header");
    free(raw);
    raw = repeat("GET /a.txt HTTP/1.1\r\nHost: t\r\nX-Open: ", "o", 1 << 20, "", &len);
    expect_fatal(raw, len, 431, "a header that never ends");
    free(raw);
    raw = repeat("", "\r\n", 100000, "", &len);
    expect_fatal(raw, len, 431, "200 KB of empty lines");
    free(raw);
    expect_alive();
}

static void test_hostile_body_over_limit_413(void **state)
{
    char raw[512];
    size_t len;
    /* Announced and sent in full. */
    char *big = repeat("POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1048576\r\n\r\n",
                       "z", 1 << 20, "", &len);
    expect_fatal(big, len, 413, "1 MiB body");
    free(big);
    snprintf(raw, sizeof(raw), "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%0*d",
             MAX_BODY + 1, MAX_BODY + 1, 0);
    expect_fatal_str(raw, 413);
    /* Announced, never sent; and a length that overflows 64 bits. */
    expect_fatal_str("GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 65\r\n\r\n", 413);
    expect_fatal_str("GET /a.txt HTTP/1.1\r\nHost: t\r\n"
                     "Content-Length: 184467440737095516160\r\n\r\n", 413);
    /* At the limit the body is read past and the connection goes on. */
    snprintf(raw, sizeof(raw), "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: %d\r\n\r\n%0*d",
             MAX_BODY, MAX_BODY, 0);
    expect_kept(raw, 405, "Allow: GET, HEAD\r\n");
    expect_alive();
}

/* --- pipelining -------------------------------------------------------------- */

static void test_hostile_pipelined_ten_in_one_write(void **state)
{
    static const struct { const char *req; int status; const char *body, *ctype;
                          bool head; const char *extra; } p[] = {
        { "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, A_TXT, TXT, false, NULL },
        { "GET /b.json HTTP/1.1\r\nHost: t\r\n\r\n", 200, "{\"b\": 2}\n", "application/json",
          false, NULL },
        { "HEAD /sub/page.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, "sub page\n", TXT, true, NULL },
        { "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n", 404, NULL, NULL, false, NULL },
        { "GET /../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n", 403, NULL, NULL, false, NULL },
        { "DELETE /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 405, NULL, NULL, false,
          "Allow: GET, HEAD\r\n" },
        { "GET /sub/page.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, "sub page\n", TXT, false, NULL },
        { "GET / HTTP/1.1\r\nHost: t\r\n\r\n", 200, "<h1>home</h1>\n", HOSTILE_HTML, false,
          NULL },
        { "GET /link_etc HTTP/1.1\r\nHost: t\r\n\r\n", 403, NULL, NULL, false, NULL },
        { "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", 200, A_TXT, TXT,
          false, NULL },
    };
    enum { N = sizeof(p) / sizeof(p[0]) };
    char all[4096] = "";
    for (size_t i = 0; i < N; i++)
        strcat(all, p[i].req);
    strcat(all, "GET /b.json HTTP/1.1\r\nHost: t\r\n\r\n");    /* after close: unanswered */

    struct rl_conn c;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c, all), 0);      /* one write */
    for (size_t i = 0; i < N; i++) {
        struct rl_response r;
        char what[64];
        snprintf(what, sizeof(what), "pipelined response %zu", i);
        read_ok(&c, &r, p[i].head, what);
        const char *conn = i == N - 1 ? "close" : "keep-alive";
        if (p[i].body != NULL)
            hostile_expect_exact(&r, what, p[i].status, p[i].ctype, p[i].body,
                                 strlen(p[i].body), p[i].head, conn, NULL);
        else
            hostile_expect_error(&r, what, p[i].status, false, conn, p[i].extra);
        rl_response_free(&r);
    }
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_conn_close(&c);
    expect_alive();
}

static void test_hostile_pipelined_past_the_buffer_and_bad_one(void **state)
{
    /* 200 requests in one write, far more than the input buffer holds
     * (--max-header-bytes + --max-body-bytes): all answered, in order. */
    size_t len;
    char *raw = repeat("", "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", 200, "", &len);
    struct rl_conn c;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_send(&c, raw, len), 0);
    free(raw);
    for (int i = 0; i < 200; i++) {
        struct rl_response r;
        read_ok(&c, &r, false, "one of 200 pipelined");
        hostile_expect_exact(&r, "one of 200 pipelined", 200, TXT, A_TXT, strlen(A_TXT), false,
                             "keep-alive", NULL);
        rl_response_free(&r);
    }
    /* A malformed one in the middle: those before it are answered, it
     * gets a 400 and the close, those after it nothing. */
    assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                                         "GET /b.json HTTP/1.1\r\nHost: t\r\n\r\n"
                                         "G@T /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
                                         "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    struct rl_response r;
    read_ok(&c, &r, false, "before the bad one");
    hostile_expect_exact(&r, "before the bad one", 200, TXT, A_TXT, strlen(A_TXT), false,
                         "keep-alive", NULL);
    rl_response_free(&r);
    read_ok(&c, &r, false, "before the bad one");
    hostile_expect_exact(&r, "before the bad one", 200, "application/json", "{\"b\": 2}\n", 9,
                         false, "keep-alive", NULL);
    rl_response_free(&r);
    read_ok(&c, &r, false, "the bad one");
    hostile_expect_error(&r, "G@T in a pipeline", 400, false, "close", NULL);
    rl_response_free(&r);
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_conn_close(&c);
    expect_alive();
}

/* --- methods, versions, header syntax ------------------------------------------ */

static void test_hostile_methods(void **state)
{
    /* Valid tokens that are not GET or HEAD (methods are case-sensitive). */
    static const char *const not_allowed[] = {
        "DELETE", "PUT", "POST", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND", "BREW",
        "get", "Get", "gET", "head", "GET.", "X-GET", "!#$%&'*+-.^_`|~",
    };
    for (size_t i = 0; i < sizeof(not_allowed) / sizeof(not_allowed[0]); i++) {
        char raw[256];
        snprintf(raw, sizeof(raw), "%s /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", not_allowed[i]);
        expect_kept(raw, 405, "Allow: GET, HEAD\r\n");
    }
    expect_kept("OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n", 405, "Allow: GET, HEAD\r\n");
    expect_kept("CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: t\r\n\r\n", 405, "Allow: GET, HEAD\r\n");
    size_t len;
    char *longm = repeat("", "M", 200, " /a.txt HTTP/1.1\r\nHost: t\r\n\r\n", &len);
    expect_kept(longm, 405, "Allow: GET, HEAD\r\n");
    free(longm);

    /* Not tokens at all. */
    static const char *const bad[] = {
        "G@T /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "GE(T /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "[GET] /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET/ /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "G\xc3\x89T /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET\x01 /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        " GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "\tGET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
        "GET\t/a.txt\tHTTP/1.1\r\nHost: t\r\n\r\n",
        "GET  /a.txt HTTP/1.1\r\nHost: t\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_fatal_str(bad[i], 400);
    expect_alive();
}

static void test_hostile_versions(void **state)
{
    static const char *const v505[] = { "HTTP/2.0", "HTTP/3.0", "HTTP/0.9", "HTTP/9.9" };
    static const char *const v400[] = {
        "HTTP/1.x", "HTTP/1.1x", "HTTP/1", "HTTP/1.", "http/1.1", "Http/1.1", "HTTP/11.0",
        "HTTP/1,1", "HTTPS/1.1", "HTTP/x.1", "HTTP/1.1 ", "HTTP/ 1.1", "HTTP/1.-1", "HTTP\\1.1",
    };
    char raw[256];
    for (size_t i = 0; i < sizeof(v505) / sizeof(v505[0]); i++) {
        snprintf(raw, sizeof(raw), "GET /a.txt %s\r\nHost: t\r\n\r\n", v505[i]);
        expect_fatal_str(raw, 505);
    }
    for (size_t i = 0; i < sizeof(v400) / sizeof(v400[0]); i++) {
        snprintf(raw, sizeof(raw), "GET /a.txt %s\r\nHost: t\r\n\r\n", v400[i]);
        expect_fatal_str(raw, 400);
    }
    expect_fatal_str("GET /a.txt\r\nHost: t\r\n\r\n", 400);        /* no version */
    expect_fatal_str("GET\r\nHost: t\r\n\r\n", 400);
    expect_alive();
}

static void test_hostile_header_syntax(void **state)
{
    static const char *const bad[] = {
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nNoColonHere\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost t\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\n: empty-name\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nBad Name: x\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost : t\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nX\x01: y\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nX: a\rb\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nX: 1\r\n folded\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\n\r\n",                                 /* no Host */
        "GET /a.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1 2\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 0x10\r\n\r\n",
        "GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        expect_fatal_str(bad[i], 400);
    /* A NUL inside a header value. */
    static const char nul[] = "GET /a.txt HTTP/1.1\r\nHost: t\r\nX: a\0b\r\n\r\n";
    expect_fatal(nul, sizeof(nul) - 1, 400, "NUL in a header value");
    /* Smuggling: a body framed by Transfer-Encoding is refused. */
    expect_fatal_str("POST /a.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "5\r\nGET /\r\n0\r\n\r\n", 501);
    expect_fatal_str("GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 501);
    expect_alive();
}

/* --- traversal ------------------------------------------------------------------ */

static void test_hostile_traversal_targets(void **state)
{
    static const struct { const char *target; int want; } cases[] = {
        { "/../secret.txt", 403 },
        { "/./../secret.txt", 403 },
        { "/sub/./../../secret.txt", 403 },
        { "//../secret.txt", 403 },
        { "/sub/..", 403 },
        { "/..", 403 },
        { "/../", 403 },
        { "/..?x", 403 },
        { "/..#x", 403 },
        { "/-/../secret.txt", 403 },
        { "/%2e%2e/secret.txt", 403 },
        { "/%2E%2E/secret.txt", 403 },
        { "/%2e%2E/secret.txt", 403 },
        { "/.%2e/secret.txt", 403 },
        { "/%2e./secret.txt", 403 },
        { "/..%2fsecret.txt", 403 },
        { "/..%2Fsecret.txt", 403 },
        { "/%2f../secret.txt", 403 },
        { "/%2f%2e%2e%2fsecret.txt", 403 },
        { "/sub%2f..%2f..%2fsecret.txt", 403 },
        { "/sub/%2e%2e/%2e%2e/secret.txt", 403 },
        { "/../../../../../../../../etc/passwd", 403 },
        { "/%252e%252e/secret.txt", 404 },      /* decoded once: a literal "%2e%2e" */
        { "/%252e%252e%252fsecret.txt", 404 },
        { "/%25%32%65%25%32%65/secret.txt", 404 },
        { "/..\\..\\etc\\passwd", 404 },        /* a backslash is an ordinary byte */
        { "/..\\secret.txt", 404 },
        { "/..%5c..%5cetc%5cpasswd", 404 },
        { "/%c0%ae%c0%ae/secret.txt", 404 },    /* overlong UTF-8 is not "." */
        { "/..;/secret.txt", 404 },
        { "/.../secret.txt", 404 },
        { "/...", 404 },
        { "//etc/passwd", 404 },                /* still under the root */
        { "/etc/passwd", 404 },
        { "/secret.txt", 404 },
        { "/root-evil/secret.txt", 404 },
        { "/%00", 400 },
        { "/secret.txt%00", 400 },
        { "/a.txt%00.html", 400 },
        { "/%00/../secret.txt", 400 },
        { "/..%00/secret.txt", 400 },
        { "/%", 400 },
        { "/%2", 400 },
        { "/%zz", 400 },
        { "/%u002e%u002e/secret.txt", 400 },
        { "http://127.0.0.1/../secret.txt", 400 },
        { "http://host/etc/passwd", 400 },
        { "HTTP://host/a.txt", 400 },
        { "*", 400 },
        { "../secret.txt", 400 },
        { "secret.txt", 400 },
        { "\\..\\secret.txt", 400 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        expect_target("GET", cases[i].target, cases[i].want);
        expect_target("HEAD", cases[i].target, cases[i].want);
    }
    /* Deep climbs that still fit the request line. */
    size_t len;
    char *deep = repeat("/", "../", 70, "secret.txt", &len);
    expect_target("GET", deep, 403);
    free(deep);
    deep = repeat("/", "%2e%2e%2f", 25, "secret.txt", &len);
    expect_target("GET", deep, 403);
    free(deep);

    /* Harmless look-alikes are served, and the query never reaches the path. */
    expect_file("/.", "<h1>home</h1>\n", HOSTILE_HTML);
    expect_file("/%2e", "<h1>home</h1>\n", HOSTILE_HTML);
    expect_file("/./a.txt", A_TXT, TXT);
    expect_file("/a.txt?/../../secret.txt", A_TXT, TXT);
    expect_file("/a.txt#/../../secret.txt", A_TXT, TXT);
    expect_file("/%61.txt", A_TXT, TXT);
    expect_file("/%252e%252e/lit.txt", "literal percent dir\n", TXT);

    /* A raw NUL in the target is a malformed request line. */
    static const char nul[] = "GET /a.txt\0/../../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n";
    expect_fatal(nul, sizeof(nul) - 1, 400, "raw NUL in the target");
    expect_alive();
}

static void test_hostile_symlinks(void **state)
{
    for (size_t i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
        char target[256];
        snprintf(target, sizeof(target), "/%s", links[i].name);
        if (links[i].want == 200)
            expect_file(target, A_TXT, "application/octet-stream");  /* by the link's name */
        else
            expect_target("GET", target, links[i].want);
    }
    /* Through the links, as directories. */
    expect_target("GET", "/link_up/secret.txt", 403);
    expect_target("GET", "/link_up/root/a.txt", 403);
    expect_target("GET", "/link_up/root-evil/secret.txt", 403);
    expect_target("GET", "/sub/link_up2/secret.txt", 403);
    expect_target("HEAD", "/link_up/secret.txt", 403);
    expect_target("GET", "/link_up%2fsecret.txt", 403);
    expect_file("/linkdir_in/page.txt", "sub page\n", TXT);
    expect_alive();
}

/* Last: the server is still healthy after all of the above, and stops
 * cleanly. */
static void test_hostile_requests_server_exits_cleanly(void **state)
{
    assert_true(responses_checked > 300);
    json_t *j = rl_stats(srv.port);
    assert_non_null(j);
    assert_int_equal(rl_stats_int(j, "connections_rejected"), 0);
    json_decref(j);
    expect_alive();
    rl_expect_clean_stop(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hostile_oversized_request_line_414),
        cmocka_unit_test(test_hostile_oversized_headers_431),
        cmocka_unit_test(test_hostile_body_over_limit_413),
        cmocka_unit_test(test_hostile_pipelined_ten_in_one_write),
        cmocka_unit_test(test_hostile_pipelined_past_the_buffer_and_bad_one),
        cmocka_unit_test(test_hostile_methods),
        cmocka_unit_test(test_hostile_versions),
        cmocka_unit_test(test_hostile_header_syntax),
        cmocka_unit_test(test_hostile_traversal_targets),
        cmocka_unit_test(test_hostile_symlinks),
        cmocka_unit_test(test_hostile_requests_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
