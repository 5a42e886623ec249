/* test_http.c - the HTTP/1.1 request parser and response heads (http.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"

/* Small limits so that "at and around the limit" is easy to build. */
static const struct http_limits lim = {
    .max_request_line = 64,
    .max_header_bytes = 256,
    .max_body_bytes = 100,
};

static int parse(const char *s, struct http_request *req)
{
    return http_parse_request(s, strlen(s), &lim, req);
}

static int parse_rc(const char *s)
{
    struct http_request req;
    return parse(s, &req);
}

/* A request line "GET /xxx...x HTTP/1.1" of exactly LINE_LEN bytes (no
 * CRLF) in a malloc'd buffer with room for more. */
static char *request_line_of(size_t line_len)
{
    const char *pre = "GET /", *post = " HTTP/1.1";
    size_t fixed = strlen(pre) + strlen(post);
    assert_true(line_len > fixed);
    char *s = malloc(line_len + 512);
    assert_non_null(s);
    strcpy(s, pre);
    memset(s + strlen(pre), 'a', line_len - fixed);
    strcpy(s + strlen(pre) + (line_len - fixed), post);
    assert_int_equal(strlen(s), line_len);
    return s;
}

/* A complete head of exactly HEAD_LEN bytes: a request line, Host, and an
 * X-Pad header sized to fit. */
static char *head_of(size_t head_len)
{
    const char *start = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    size_t fixed = strlen(start) + 4;   /* value's CRLF + the empty line */
    assert_true(head_len > fixed);
    char *s = malloc(head_len + 1);
    assert_non_null(s);
    strcpy(s, start);
    memset(s + strlen(start), 'p', head_len - fixed);
    strcpy(s + strlen(start) + (head_len - fixed), "\r\n\r\n");
    assert_int_equal(strlen(s), head_len);
    return s;
}

/* --- complete and incomplete heads ------------------------------------- */

static void test_http_complete_get(void **state)
{
    struct http_request req;
    const char *s = "GET /index.html?x=1 HTTP/1.1\r\nHost: example\r\n\r\n";
    assert_int_equal(parse(s, &req), (int)strlen(s));
    assert_int_equal(req.method, HTTP_GET);
    assert_int_equal(req.method_len, 3);
    assert_memory_equal(req.method_name, "GET", 3);
    assert_int_equal(req.target_len, strlen("/index.html?x=1"));
    assert_memory_equal(req.target, "/index.html?x=1", req.target_len);
    assert_int_equal(req.version_minor, 1);
    assert_true(req.has_host);
    assert_true(req.keep_alive);
    assert_int_equal(req.content_length, 0);
    assert_int_equal(req.head_len, strlen(s));
}

static void test_http_bare_lf_line_endings(void **state)
{
    struct http_request req;
    const char *s = "GET / HTTP/1.1\nHost: x\n\n";
    assert_int_equal(parse(s, &req), (int)strlen(s));
    assert_int_equal(req.target_len, 1);
}

static void test_http_incomplete_heads_need_more(void **state)
{
    const char *full = "GET /a HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n";
    /* Every proper prefix of a valid head asks for more bytes. */
    for (size_t n = 0; n < strlen(full); n++) {
        struct http_request req;
        int rc = http_parse_request(full, n, &lim, &req);
        if (rc != 0)
            fail_msg("prefix of %zu bytes: got %d, want 0", n, rc);
    }
    assert_int_equal(parse_rc(full), (int)strlen(full));
}

static void test_http_leading_empty_lines_ignored(void **state)
{
    struct http_request req;
    const char *s = "\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_int_equal(parse(s, &req), (int)strlen(s));
    assert_int_equal(req.method, HTTP_GET);
    assert_int_equal(parse_rc("\r\n"), 0);
}

static void test_http_pipelined_head_len(void **state)
{
    struct http_request req;
    const char *first = "GET /1 HTTP/1.1\r\nHost: x\r\n\r\n";
    const char *second = "HEAD /2 HTTP/1.1\r\nHost: x\r\n\r\n";
    char buf[256];
    snprintf(buf, sizeof(buf), "%s%sGET /3 HT", first, second);

    int rc = parse(buf, &req);
    assert_int_equal(rc, (int)strlen(first));
    assert_int_equal(req.head_len, strlen(first));
    assert_memory_equal(req.target, "/1", 2);

    rc = parse(buf + req.head_len, &req);
    assert_int_equal(rc, (int)strlen(second));
    assert_int_equal(req.method, HTTP_HEAD);
    assert_memory_equal(req.target, "/2", 2);

    /* The third is still on its way. */
    assert_int_equal(parse(buf + strlen(first) + strlen(second), &req), 0);
}

static void test_http_head_len_includes_body_offset(void **state)
{
    struct http_request req;
    const char *head = "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n";
    char buf[128];
    snprintf(buf, sizeof(buf), "%shelloGET", head);
    assert_int_equal(parse(buf, &req), (int)strlen(head));
    assert_int_equal(req.content_length, 5);
    assert_int_equal(req.head_len, strlen(head));
}

/* --- keep-alive --------------------------------------------------------- */

static void test_http_keepalive_rules(void **state)
{
    static const struct { const char *req; bool keep; } cases[] = {
        { "GET / HTTP/1.1\r\nHost: x\r\n\r\n", true },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", false },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: CLOSE\r\n\r\n", false },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, close\r\n\r\n", false },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade ,  close \r\n\r\n", false },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: closed\r\n\r\n", true },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: x-close\r\n\r\n", true },
        { "GET / HTTP/1.1\r\nHost: x\r\nConnection: upgrade\r\nConnection: close\r\n\r\n", false },
        { "GET / HTTP/1.0\r\n\r\n", false },
        { "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true },
        { "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true },
        { "GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false },
        { "GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n", false },
        { "GET / HTTP/1.0\r\nConnection: keep-alives\r\n\r\n", false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct http_request req;
        int rc = parse(cases[i].req, &req);
        if (rc <= 0)
            fail_msg("case %zu: rc %d", i, rc);
        if (req.keep_alive != cases[i].keep)
            fail_msg("case %zu (%s): keep_alive %d, want %d", i, cases[i].req,
                     req.keep_alive, cases[i].keep);
    }
}

/* --- Host ----------------------------------------------------------------- */

static void test_http_host_required_for_11(void **state)
{
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\n\r\n"), -400);
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nAccept: */*\r\n\r\n"), -400);
    /* HTTP/1.0 needs none. */
    assert_true(parse_rc("GET / HTTP/1.0\r\n\r\n") > 0);
    /* Header names are case-insensitive. */
    struct http_request req;
    assert_true(parse("GET / HTTP/1.1\r\nhOsT: a\r\n\r\n", &req) > 0);
    assert_true(req.has_host);
}

static void test_http_duplicate_host_rejected(void **state)
{
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"), -400);
    assert_int_equal(parse_rc("GET / HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n"), -400);
}

/* --- methods -------------------------------------------------------------- */

static void test_http_methods(void **state)
{
    struct http_request req;
    assert_true(parse("GET / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_GET);
    assert_true(parse("HEAD / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_HEAD);
    assert_true(parse("POST / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_OTHER);
    assert_int_equal(req.method_len, 4);
    assert_memory_equal(req.method_name, "POST", 4);
    assert_true(parse("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_OTHER);
    /* Methods are case-sensitive: "get" is some other method. */
    assert_true(parse("get / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_OTHER);
    assert_true(parse("Head / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_OTHER);
    /* A prefix of GET is not GET. */
    assert_true(parse("GE / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_OTHER);
    assert_true(parse("GETS / HTTP/1.1\r\nHost: x\r\n\r\n", &req) > 0);
    assert_int_equal(req.method, HTTP_OTHER);
}

/* --- bad request lines ---------------------------------------------------- */

static void test_http_bad_request_lines(void **state)
{
    static const char *bad[] = {
        "GET\r\nHost: x\r\n\r\n",
        "GET /\r\nHost: x\r\n\r\n",
        " GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET  / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.1 \r\nHost: x\r\n\r\n",
        "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET / http/1.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.11\r\nHost: x\r\n\r\n",
        "GET / HTTP/1\r\nHost: x\r\n\r\n",
        "GET / HTTP/x.1\r\nHost: x\r\n\r\n",
        "GET / HTTP/1.x\r\nHost: x\r\n\r\n",
        "GET / HTTP/1,1\r\nHost: x\r\n\r\n",
        "G(T / HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /\x01 HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\nHost: x\r\n\r\n",
        "GET\t/ HTTP/1.1\r\nHost: x\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int rc = parse_rc(bad[i]);
        if (rc != -400)
            fail_msg("bad[%zu]: got %d, want -400", i, rc);
    }
}

static void test_http_nul_bytes_rejected(void **state)
{
    struct http_request req;
    static const char in_target[] = "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char in_method[] = "G\0T / HTTP/1.1\r\nHost: x\r\n\r\n";
    static const char in_value[] = "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n";
    assert_int_equal(http_parse_request(in_target, sizeof(in_target) - 1, &lim, &req), -400);
    assert_int_equal(http_parse_request(in_method, sizeof(in_method) - 1, &lim, &req), -400);
    assert_int_equal(http_parse_request(in_value, sizeof(in_value) - 1, &lim, &req), -400);
}

static void test_http_bad_header_lines(void **state)
{
    /* No colon, empty name, space before the colon, a CR inside. */
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: x\r\nNoColon\r\n\r\n"), -400);
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: x\r\n: v\r\n\r\n"), -400);
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), -400);
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n"), -400);
}

static void test_http_obs_fold_rejected(void **state)
{
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n"), -400);
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n"), -400);
}

static void test_http_version_505(void **state)
{
    assert_int_equal(parse_rc("GET / HTTP/2.0\r\nHost: x\r\n\r\n"), -505);
    assert_int_equal(parse_rc("GET / HTTP/0.9\r\n\r\n"), -505);
    assert_int_equal(parse_rc("GET / HTTP/3.1\r\nHost: x\r\n\r\n"), -505);
    struct http_request req;
    assert_true(parse("GET / HTTP/1.0\r\n\r\n", &req) > 0);
    assert_int_equal(req.version_minor, 0);
}

static void test_http_transfer_encoding_501(void **state)
{
    assert_int_equal(parse_rc("POST / HTTP/1.1\r\nHost: x\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n"), -501);
    assert_int_equal(parse_rc("GET / HTTP/1.1\r\nHost: x\r\n"
                              "transfer-encoding: identity\r\n\r\n"), -501);
}

/* --- limits --------------------------------------------------------------- */

static void test_http_414_at_request_line_limit(void **state)
{
    struct http_request req;
    size_t max = lim.max_request_line;

    /* Exactly at the limit: accepted. */
    char *s = request_line_of(max);
    strcat(s, "\r\nHost: x\r\n\r\n");
    assert_int_equal(parse(s, &req), (int)strlen(s));
    free(s);

    /* One byte over, complete: 414. */
    s = request_line_of(max + 1);
    strcat(s, "\r\nHost: x\r\n\r\n");
    assert_int_equal(parse_rc(s), -414);
    free(s);

    /* Over the limit with no line end in sight yet: 414 already. */
    s = request_line_of(max + 1);
    assert_int_equal(parse_rc(s), -414);
    free(s);

    /* At the limit, still incomplete: wait for more. */
    s = request_line_of(max);
    assert_int_equal(parse_rc(s), 0);
    free(s);
}

static void test_http_request_line_at_limit_split_after_cr(void **state)
{
    /* A request line exactly at the limit whose CR has arrived but whose
     * LF has not (a TCP segment boundary) is still a valid line: the
     * parser must ask for more, not answer 414. */
    char *s = request_line_of(lim.max_request_line);
    strcat(s, "\r");
    assert_int_equal(parse_rc(s), 0);
    strcat(s, "\nHost: x\r\n\r\n");
    assert_int_equal(parse_rc(s), (int)strlen(s));
    free(s);
}

static void test_http_431_at_header_limit(void **state)
{
    struct http_request req;
    size_t max = lim.max_header_bytes;

    char *s = head_of(max);
    assert_int_equal(parse(s, &req), (int)max);
    free(s);

    s = head_of(max + 1);
    assert_int_equal(parse_rc(s), -431);
    free(s);

    /* Incomplete and already over: 431 without waiting for the end. */
    s = head_of(max + 40);
    s[max + 10] = '\0';
    assert_int_equal(parse_rc(s), -431);
    free(s);

    /* Incomplete, under the limit: wait. */
    s = head_of(max);
    s[max - 3] = '\0';
    assert_int_equal(parse_rc(s), 0);
    free(s);
}

static void test_http_431_many_small_headers(void **state)
{
    char buf[2048] = "GET / HTTP/1.1\r\nHost: x\r\n";
    while (strlen(buf) < lim.max_header_bytes + 20)
        strcat(buf, "A: b\r\n");
    strcat(buf, "\r\n");
    assert_int_equal(parse_rc(buf), -431);
}

static void test_http_content_length(void **state)
{
    struct http_request req;
    char buf[256];

    assert_true(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n", &req) > 0);
    assert_int_equal(req.content_length, 0);
    assert_true(parse("POST / HTTP/1.1\r\nHost: x\r\ncontent-length:  42 \r\n\r\n", &req) > 0);
    assert_int_equal(req.content_length, 42);
    assert_true(parse("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 007\r\n\r\n", &req) > 0);
    assert_int_equal(req.content_length, 7);

    /* At the body limit and one over. */
    snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
             lim.max_body_bytes);
    assert_true(parse(buf, &req) > 0);
    assert_int_equal(req.content_length, lim.max_body_bytes);
    snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %zu\r\n\r\n",
             lim.max_body_bytes + 1);
    assert_int_equal(parse_rc(buf), -413);

    /* Huge values are 413, never wrapped around to something small. */
    assert_int_equal(parse_rc("POST / HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 18446744073709551617\r\n\r\n"), -413);
    assert_int_equal(parse_rc("POST / HTTP/1.1\r\nHost: x\r\n"
                              "Content-Length: 99999999999999999999999999\r\n\r\n"), -413);

    /* Malformed values and duplicates are 400. */
    static const char *bad[] = {
        "Content-Length: \r\n", "Content-Length: -1\r\n", "Content-Length: +5\r\n",
        "Content-Length: 5x\r\n", "Content-Length: 0x10\r\n", "Content-Length: 1 2\r\n",
        "Content-Length: 5, 5\r\n", "Content-Length: 5\r\nContent-Length: 5\r\n",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        snprintf(buf, sizeof(buf), "POST / HTTP/1.1\r\nHost: x\r\n%s\r\n", bad[i]);
        int rc = parse_rc(buf);
        if (rc != -400)
            fail_msg("bad[%zu] %s: got %d, want -400", i, bad[i], rc);
    }
}

static void test_http_zero_body_limit(void **state)
{
    struct http_limits zero = lim;
    zero.max_body_bytes = 0;
    struct http_request req;
    const char *ok = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n";
    const char *big = "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n\r\n";
    assert_true(http_parse_request(ok, strlen(ok), &zero, &req) > 0);
    assert_int_equal(http_parse_request(big, strlen(big), &zero, &req), -413);
}

/* --- response side ------------------------------------------------------- */

static void test_http_status_text(void **state)
{
    assert_string_equal(http_status_text(200), "OK");
    assert_string_equal(http_status_text(404), "Not Found");
    assert_string_equal(http_status_text(405), "Method Not Allowed");
    assert_string_equal(http_status_text(408), "Request Timeout");
    assert_string_equal(http_status_text(413), "Content Too Large");
    assert_string_equal(http_status_text(414), "URI Too Long");
    assert_string_equal(http_status_text(431), "Request Header Fields Too Large");
    assert_string_equal(http_status_text(505), "HTTP Version Not Supported");
    assert_string_equal(http_status_text(299), "Unknown");
}

static void test_http_content_type(void **state)
{
    assert_string_equal(http_content_type("index.html"), "text/html; charset=utf-8");
    assert_string_equal(http_content_type("a/b/INDEX.HTM"), "text/html; charset=utf-8");
    assert_string_equal(http_content_type("notes.txt"), "text/plain; charset=utf-8");
    assert_string_equal(http_content_type("s.css"), "text/css; charset=utf-8");
    assert_string_equal(http_content_type("app.js"), "text/javascript; charset=utf-8");
    assert_string_equal(http_content_type("d.json"), "application/json");
    assert_string_equal(http_content_type("i.svg"), "image/svg+xml");
    assert_string_equal(http_content_type("p.png"), "image/png");
    assert_string_equal(http_content_type("p.jpg"), "image/jpeg");
    assert_string_equal(http_content_type("p.jpeg"), "image/jpeg");
    assert_string_equal(http_content_type("x.wasm"), "application/wasm");
    /* The last extension counts, and only the file's own name. */
    assert_string_equal(http_content_type("a.tar.gz"), "application/octet-stream");
    assert_string_equal(http_content_type("a.html.bak"), "application/octet-stream");
    assert_string_equal(http_content_type("dir.html/file"), "application/octet-stream");
    assert_string_equal(http_content_type("noext"), "application/octet-stream");
    assert_string_equal(http_content_type(""), "application/octet-stream");
    assert_string_equal(http_content_type("trailing."), "application/octet-stream");
    assert_string_equal(http_content_type("htmlfile"), "application/octet-stream");
}

static void test_http_format_head(void **state)
{
    char buf[512];
    size_t n = http_format_head(buf, sizeof(buf), 404, "text/plain", 1234, true,
                                "Allow: GET, HEAD\r\n");
    assert_int_equal(n, strlen(buf));
    assert_true(strncmp(buf, "HTTP/1.1 404 Not Found\r\n", 24) == 0);
    assert_non_null(strstr(buf, "\r\nContent-Type: text/plain\r\n"));
    assert_non_null(strstr(buf, "\r\nContent-Length: 1234\r\n"));
    assert_non_null(strstr(buf, "\r\nConnection: keep-alive\r\n"));
    assert_non_null(strstr(buf, "\r\nAllow: GET, HEAD\r\n\r\n"));
    assert_non_null(strstr(buf, "\r\nDate: "));
    assert_non_null(strstr(buf, " GMT\r\n"));
    /* Ends with exactly one empty line. */
    assert_true(n >= 4 && memcmp(buf + n - 4, "\r\n\r\n", 4) == 0);
    assert_null(strstr(buf, "\r\n\r\n\r\n"));

    n = http_format_head(buf, sizeof(buf), 200, "text/html", 0, false, NULL);
    assert_true(n > 0);
    assert_true(strncmp(buf, "HTTP/1.1 200 OK\r\n", 17) == 0);
    assert_non_null(strstr(buf, "\r\nConnection: close\r\n\r\n"));
    assert_non_null(strstr(buf, "\r\nContent-Length: 0\r\n"));

    /* The head parses back: every line is "Name: value". */
    char *line = strstr(buf, "\r\n") + 2;
    while (strncmp(line, "\r\n", 2) != 0) {
        char *eol = strstr(line, "\r\n");
        assert_non_null(eol);
        char *colon = memchr(line, ':', (size_t)(eol - line));
        assert_non_null(colon);
        assert_true(colon[1] == ' ');
        line = eol + 2;
    }
}

static void test_http_format_head_too_small(void **state)
{
    char buf[512];
    size_t n = http_format_head(buf, sizeof(buf), 200, "text/plain", 5, true, NULL);
    assert_true(n > 0);
    char small[512];
    /* It needs N bytes plus the NUL. */
    assert_int_equal(http_format_head(small, n + 1, 200, "text/plain", 5, true, NULL), n);
    assert_int_equal(http_format_head(small, n, 200, "text/plain", 5, true, NULL), 0);
    assert_int_equal(http_format_head(small, 10, 200, "text/plain", 5, true, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_complete_get),
        cmocka_unit_test(test_http_bare_lf_line_endings),
        cmocka_unit_test(test_http_incomplete_heads_need_more),
        cmocka_unit_test(test_http_leading_empty_lines_ignored),
        cmocka_unit_test(test_http_pipelined_head_len),
        cmocka_unit_test(test_http_head_len_includes_body_offset),
        cmocka_unit_test(test_http_keepalive_rules),
        cmocka_unit_test(test_http_host_required_for_11),
        cmocka_unit_test(test_http_duplicate_host_rejected),
        cmocka_unit_test(test_http_methods),
        cmocka_unit_test(test_http_bad_request_lines),
        cmocka_unit_test(test_http_nul_bytes_rejected),
        cmocka_unit_test(test_http_bad_header_lines),
        cmocka_unit_test(test_http_obs_fold_rejected),
        cmocka_unit_test(test_http_version_505),
        cmocka_unit_test(test_http_transfer_encoding_501),
        cmocka_unit_test(test_http_414_at_request_line_limit),
        cmocka_unit_test(test_http_request_line_at_limit_split_after_cr),
        cmocka_unit_test(test_http_431_at_header_limit),
        cmocka_unit_test(test_http_431_many_small_headers),
        cmocka_unit_test(test_http_content_length),
        cmocka_unit_test(test_http_zero_body_limit),
        cmocka_unit_test(test_http_status_text),
        cmocka_unit_test(test_http_content_type),
        cmocka_unit_test(test_http_format_head),
        cmocka_unit_test(test_http_format_head_too_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
