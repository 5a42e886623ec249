/* test_http.c - racelab-server over real sockets: bodies, heads, errors,
 * traversal attempts, keep-alive and pipelining.  One server for the whole
 * group (small limits so the 414/431/413 cases stay small); the last test
 * stops it and requires exit 0 and no sanitizer report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_cmocka.h"

#define MAX_LINE 256
#define MAX_HEAD 1024
#define MAX_BODY 64
#define BIG_LEN (300 * 1024)    /* above --cache-mb 1 / 8: streamed */
#define SECRET "TOPSECRET-6f1c"

static struct rl_server srv;
static char *big;

static const struct { const char *rel, *body, *ctype; } files[] = {
    { "index.html", "<h1>home</h1>\n", "text/html; charset=utf-8" },
    { "a.txt", "hello, racelab\n", "text/plain; charset=utf-8" },
    { "data.json", "{\"k\": [1, 2, 3]}\n", "application/json" },
    { "style.css", "body { color: red }\n", "text/css; charset=utf-8" },
    { "noext", "no extension\n", "application/octet-stream" },
    { "sub/index.html", "<p>sub index</p>\n", "text/html; charset=utf-8" },
    { "sub/page.HTML", "<p>page</p>\n", "text/html; charset=utf-8" },
    { "sp ace.txt", "with a space\n", "text/plain; charset=utf-8" },
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int group_setup(void **state)
{
    if (rl_server_init(&srv) < 0)
        return -1;
    for (size_t i = 0; i < NFILES; i++)
        if (rl_write_text(&srv, files[i].rel, files[i].body) < 0)
            return -1;
    static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13 };
    big = malloc(BIG_LEN);
    for (size_t i = 0; i < BIG_LEN; i++)
        big[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    char path[PATH_MAX * 2], target[PATH_MAX * 2];
    if (rl_write_file(&srv, "img.png", png, sizeof(png)) < 0
        || rl_write_file(&srv, "big.bin", big, BIG_LEN) < 0
        || rl_write_file(&srv, "empty.txt", "", 0) < 0
        || rl_write_text(&srv, "emptydir/.keep", "") < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/emptydir/.keep", srv.root);
    unlink(path);
    /* A secret next to the root, and links that try to reach it. */
    snprintf(path, sizeof(path), "%s/secret.txt", srv.dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(SECRET "\n", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/link_out", srv.root);
    if (symlink("../secret.txt", path) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/link_abs", srv.root);
    snprintf(target, sizeof(target), "%s/secret.txt", srv.dir);
    if (symlink(target, path) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/link_in", srv.root);
    if (symlink("a.txt", path) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s/dir_out", srv.root);
    if (symlink("..", path) < 0)
        return -1;

    static const char *const args[] = {
        "--threads", "2", "--cache-mb", "1", "--max-request-line", "256",
        "--max-header-bytes", "1024", "--max-body-bytes", "64", NULL,
    };
    return rl_server_start(&srv, args);
}

static int group_teardown(void **state)
{
    rl_server_destroy(&srv);
    free(big);
    return 0;
}

/* Sends RAW on a fresh connection and expects status WANT, then that the
 * server closes the connection if CLOSES. */
static void expect_raw(const void *raw, size_t len, int want, bool closes)
{
    struct rl_conn c;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_send(&c, raw, len), 0);
    int rc = rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS);
    if (rc != 1)
        fail_msg("no complete response to %.*s (rc %d)", (int)(len > 80 ? 80 : len),
                 (const char *)raw, rc);
    if (r.status != want)
        fail_msg("status %d, want %d for: %.*s", r.status, want,
                 (int)(len > 80 ? 80 : len), (const char *)raw);
    assert_null(strstr(r.body, SECRET));
    if (closes) {
        assert_string_equal(rl_header(&r, "Connection"), "close");
        assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    }
    rl_response_free(&r);
    rl_conn_close(&c);
}

static void expect_str(const char *raw, int want, bool closes)
{
    expect_raw(raw, strlen(raw), want, closes);
}

static void expect_get(const char *target, int want)
{
    char raw[8192];
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", target);
    expect_str(raw, want, true);
}

/* --- bodies ----------------------------------------------------------------- */

static void test_http_get_bodies_and_content_types(void **state)
{
    for (int round = 0; round < 2; round++) {     /* a miss, then a hit */
        for (size_t i = 0; i < NFILES; i++) {
            char path[256];
            struct rl_response r;
            snprintf(path, sizeof(path), "/%s", files[i].rel);
            if (strchr(path, ' '))
                snprintf(path, sizeof(path), "/sp%%20ace.txt");
            rl_expect_status(rl_get(srv.port, path, &r), &r, 200);
            assert_int_equal(r.body_len, strlen(files[i].body));
            assert_memory_equal(r.body, files[i].body, r.body_len);
            assert_string_equal(rl_header(&r, "Content-Type"), files[i].ctype);
            assert_int_equal(r.content_length, (long)strlen(files[i].body));
            assert_string_equal(rl_header(&r, "Server"), "racelab");
            assert_non_null(rl_header(&r, "Date"));
            rl_response_free(&r);
        }
    }
}

static void test_http_binary_and_empty_files(void **state)
{
    struct rl_response r;
    rl_expect_status(rl_get(srv.port, "/img.png", &r), &r, 200);
    assert_int_equal(r.body_len, 12);
    assert_memory_equal(r.body, "\x89PNG\r\n\x1a\n\0\0\0\r", 12);
    assert_string_equal(rl_header(&r, "Content-Type"), "image/png");
    rl_response_free(&r);

    rl_expect_status(rl_get(srv.port, "/empty.txt", &r), &r, 200);
    assert_int_equal(r.content_length, 0);
    rl_response_free(&r);
}

static void test_http_large_file_streamed(void **state)
{
    for (int round = 0; round < 2; round++) {
        struct rl_response r;
        rl_expect_status(rl_get(srv.port, "/big.bin", &r), &r, 200);
        assert_int_equal(r.content_length, BIG_LEN);
        assert_int_equal(r.body_len, BIG_LEN);
        assert_true(memcmp(r.body, big, BIG_LEN) == 0);
        assert_string_equal(rl_header(&r, "Content-Type"), "application/octet-stream");
        rl_response_free(&r);
    }
}

static void test_http_head_has_no_body(void **state)
{
    static const char *paths[] = { "/a.txt", "/big.bin", "/", "/nope.txt", "/-/stats" };
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct rl_response get, head;
        char raw[512];
        rl_expect_status(rl_get(srv.port, paths[i], &get), &get, get.status);
        /* HEAD with keep-alive, then a GET on the same connection: any
         * body bytes after the HEAD's head would corrupt the second. */
        struct rl_conn c;
        assert_int_equal(rl_conn_open(&c, srv.port), 0);
        snprintf(raw, sizeof(raw), "HEAD %s HTTP/1.1\r\nHost: t\r\n\r\n", paths[i]);
        assert_int_equal(rl_conn_sendstr(&c, raw), 0);
        assert_int_equal(rl_conn_read_response(&c, &head, true, RL_IO_TIMEOUT_MS), 1);
        assert_int_equal(head.status, get.status);
        if (strcmp(paths[i], "/-/stats") != 0)      /* the stats change */
            assert_int_equal(head.content_length, get.content_length);
        assert_string_equal(rl_header(&head, "Content-Type"), rl_header(&get, "Content-Type"));
        rl_response_free(&head);
        assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n"
                                             "Connection: close\r\n\r\n"), 0);
        struct rl_response next;
        rl_expect_status(rl_conn_read_response(&c, &next, false, RL_IO_TIMEOUT_MS), &next, 200);
        assert_string_equal(next.body, "hello, racelab\n");
        assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
        rl_response_free(&next);
        rl_response_free(&get);
        rl_conn_close(&c);
    }
}

/* --- 404 and 403 ------------------------------------------------------------ */

static void test_http_404(void **state)
{
    expect_get("/nope.txt", 404);
    expect_get("/sub/nope/deeper.txt", 404);
    expect_get("/a.txt/child", 404);
    expect_get("/-/nope", 404);
    expect_get("/-", 404);
    struct rl_response r;
    rl_expect_status(rl_get(srv.port, "/nope.txt", &r), &r, 404);
    assert_string_equal(rl_header(&r, "Content-Type"), "text/html; charset=utf-8");
    assert_int_equal(r.body_len, (size_t)r.content_length);
    rl_response_free(&r);
}

static void test_http_directories(void **state)
{
    struct rl_response r;
    rl_expect_status(rl_get(srv.port, "/", &r), &r, 200);
    assert_string_equal(r.body, "<h1>home</h1>\n");
    assert_string_equal(rl_header(&r, "Content-Type"), "text/html; charset=utf-8");
    rl_response_free(&r);
    rl_expect_status(rl_get(srv.port, "/sub/", &r), &r, 200);
    assert_string_equal(r.body, "<p>sub index</p>\n");
    rl_response_free(&r);
    rl_expect_status(rl_get(srv.port, "/sub", &r), &r, 200);
    assert_string_equal(r.body, "<p>sub index</p>\n");
    rl_response_free(&r);
    /* No listings. */
    expect_get("/emptydir/", 403);
    expect_get("/emptydir", 403);
}

static void test_http_symlinks(void **state)
{
    struct rl_response r;
    rl_expect_status(rl_get(srv.port, "/link_in", &r), &r, 200);
    assert_string_equal(r.body, "hello, racelab\n");
    rl_response_free(&r);
    expect_get("/link_out", 403);
    expect_get("/link_abs", 403);
    expect_get("/dir_out/secret.txt", 403);
}

/* --- other methods and malformed requests -------------------------------- */

static void test_http_405_with_allow(void **state)
{
    static const char *methods[] = { "POST", "PUT", "DELETE", "OPTIONS", "get", "Head" };
    for (size_t i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
        char raw[256];
        struct rl_response r;
        snprintf(raw, sizeof(raw), "%s /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                 methods[i]);
        rl_expect_status(rl_request(srv.port, raw, &r), &r, 405);
        const char *allow = rl_header(&r, "Allow");
        assert_non_null(allow);
        assert_string_equal(allow, "GET, HEAD");
        rl_response_free(&r);
    }

    /* A request body is read past, not taken for the next request. */
    struct rl_conn c;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c, "POST /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 22\r\n\r\n"
                                         "GET /nope HTTP/1.1\r\n\r\n"
                                         "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, 405);
    assert_string_equal(rl_header(&r, "Connection"), "keep-alive");
    rl_response_free(&r);
    rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
    assert_string_equal(r.body, "hello, racelab\n");
    rl_response_free(&r);
    rl_conn_close(&c);
}

static void test_http_400s(void **state)
{
    expect_str("GET /a.txt HTTP/1.1\r\n\r\n", 400, true);                 /* no Host */
    expect_str("GET /a.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, true);
    expect_str("GET /a.txt HTTP/1.1\r\nHost: a\r\nX: 1\r\n folded\r\n\r\n", 400, true);
    expect_str("GET /a.txt\r\nHost: a\r\n\r\n", 400, true);
    expect_str("GET  /a.txt HTTP/1.1\r\nHost: a\r\n\r\n", 400, true);
    expect_str("GET /a.txt HTTP/1.1 extra\r\nHost: a\r\n\r\n", 400, true);
    expect_str("GET /a.txt HTTP/1.1\r\nHost: a\r\nContent-Length: x\r\n\r\n", 400, true);
    expect_str("GET /a.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nz",
               400, true);
    expect_str("GET /a.txt HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n", 400, true);
    /* Bad targets: answered, and the connection may stay. */
    expect_get("/%zz", 400);
    expect_get("/a.txt%00", 400);
    expect_get("/a.txt%", 400);
    expect_get("http://127.0.0.1/a.txt", 400);
    expect_get("*", 400);
}

static void test_http_414_431_413(void **state)
{
    char raw[4096];
    /* 414: a request line longer than --max-request-line; one below is fine. */
    int fill = MAX_LINE - (int)strlen("GET / HTTP/1.1");
    snprintf(raw, sizeof(raw), "GET /%0*d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", fill, 0);
    expect_str(raw, 404, true);
    snprintf(raw, sizeof(raw), "GET /%0*d HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n", fill + 1, 0);
    expect_str(raw, 414, true);

    /* 431: a head larger than --max-header-bytes; at the limit is fine. */
    const char *pre = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\nX-Pad: ";
    int pad = MAX_HEAD - (int)strlen(pre) - 4;
    snprintf(raw, sizeof(raw), "%s%0*d\r\n\r\n", pre, pad, 0);
    assert_int_equal(strlen(raw), MAX_HEAD);
    expect_str(raw, 200, true);
    snprintf(raw, sizeof(raw), "%s%0*d\r\n\r\n", pre, pad + 1, 0);
    expect_str(raw, 431, true);

    /* 413: a body over --max-body-bytes; at the limit the method decides. */
    snprintf(raw, sizeof(raw), "POST /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n"
             "Content-Length: %d\r\n\r\n%0*d", MAX_BODY, MAX_BODY, 0);
    expect_str(raw, 405, true);
    snprintf(raw, sizeof(raw), "POST /a.txt HTTP/1.1\r\nHost: t\r\n"
             "Content-Length: %d\r\n\r\n", MAX_BODY + 1);
    expect_str(raw, 413, true);
    expect_str("GET /a.txt HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n",
               413, true);
}

static void test_http_501_and_505(void **state)
{
    expect_str("POST /a.txt HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
               "0\r\n\r\n", 501, true);
    expect_str("GET /a.txt HTTP/2.0\r\nHost: t\r\n\r\n", 505, true);
    expect_str("GET /a.txt HTTP/0.9\r\n\r\n", 505, true);
}

static void test_http_traversal_attempts(void **state)
{
    static const struct { const char *target; int want; } cases[] = {
        { "/../secret.txt", 403 },
        { "/../../../../etc/passwd", 403 },
        { "/sub/../../secret.txt", 403 },
        { "/sub/../a.txt", 403 },              /* never climbs, even inside */
        { "//../secret.txt", 403 },
        { "/%2e%2e/secret.txt", 403 },
        { "/%2E%2e/secret.txt", 403 },
        { "/%2e%2E%2fsecret.txt", 403 },
        { "/.%2e/secret.txt", 403 },
        { "/..%2fsecret.txt", 403 },
        { "/%252e%252e/secret.txt", 404 },     /* decoded once: literal "%2e%2e" */
        { "/%252e%252e%252fsecret.txt", 404 },
        { "/..\\secret.txt", 404 },            /* backslash is a plain byte */
        { "/..%5csecret.txt", 404 },
        { "/\\..\\..\\secret.txt", 404 },
        { "/secret.txt%00", 400 },
        { "/%00/../secret.txt", 400 },
        { "http://127.0.0.1/../secret.txt", 400 },
        { "../secret.txt", 400 },
        { "/secret.txt", 404 },                /* it is outside the root */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_get(cases[i].target, cases[i].want);

    /* A raw NUL byte in the target. */
    static const char nul[] = "GET /a.txt\0/../../secret.txt HTTP/1.1\r\nHost: t\r\n\r\n";
    expect_raw(nul, sizeof(nul) - 1, 400, true);
}

/* --- connections ------------------------------------------------------------ */

static void test_http_keepalive_many_requests(void **state)
{
    struct rl_conn c;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    for (int i = 0; i < 30; i++) {
        const char *path = (i % 3 == 0) ? "/a.txt" : (i % 3 == 1) ? "/data.json" : "/nope";
        int want = (i % 3 == 2) ? 404 : 200;
        char raw[256];
        struct rl_response r;
        snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
        assert_int_equal(rl_conn_sendstr(&c, raw), 0);
        rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, want);
        assert_string_equal(rl_header(&r, "Connection"), "keep-alive");
        rl_response_free(&r);
    }
    rl_conn_close(&c);
}

static void test_http_connection_close(void **state)
{
    struct rl_conn c;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n"
                                         "Connection: close\r\n\r\n"), 0);
    rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
    assert_string_equal(rl_header(&r, "Connection"), "close");
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_response_free(&r);
    rl_conn_close(&c);
}

static void test_http_10(void **state)
{
    struct rl_conn c;
    struct rl_response r;
    /* 1.0 closes by default, needs no Host. */
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTTP/1.0\r\n\r\n"), 0);
    rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
    assert_string_equal(r.body, "hello, racelab\n");
    assert_string_equal(rl_header(&r, "Connection"), "close");
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_response_free(&r);
    rl_conn_close(&c);

    /* 1.0 with keep-alive stays open. */
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"), 0);
        rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
        assert_string_equal(rl_header(&r, "Connection"), "keep-alive");
        rl_response_free(&r);
    }
    rl_conn_close(&c);
}

static void test_http_pipelined_in_order(void **state)
{
    struct rl_conn c;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    assert_int_equal(rl_conn_sendstr(&c,
        "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
        "HEAD /data.json HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /nope HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /big.bin HTTP/1.1\r\nHost: t\r\n\r\n"
        "DELETE /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"
        "GET /data.json HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n"), 0);   /* after close: ignored */
    static const struct { int status; bool head; long len; } want[] = {
        { 200, false, 15 }, { 200, true, 17 }, { 404, false, -1 },
        { 200, false, BIG_LEN }, { 405, false, -1 }, { 200, false, 17 },
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        struct rl_response r;
        int rc = rl_conn_read_response(&c, &r, want[i].head, RL_IO_TIMEOUT_MS);
        if (rc != 1)
            fail_msg("pipelined response %zu missing (rc %d)", i, rc);
        if (r.status != want[i].status)
            fail_msg("pipelined response %zu: status %d, want %d", i, r.status, want[i].status);
        if (want[i].len >= 0)
            assert_int_equal(r.content_length, want[i].len);
        if (i == 3)
            assert_true(memcmp(r.body, big, BIG_LEN) == 0);
        rl_response_free(&r);
    }
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_conn_close(&c);
}

static void test_http_request_split_into_single_bytes(void **state)
{
    const char *raw = "GET /a.txt HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    struct rl_conn c;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c, srv.port), 0);
    for (size_t i = 0; raw[i]; i++) {
        assert_int_equal(rl_conn_send(&c, raw + i, 1), 0);
        if (i % 8 == 0)
            usleep(1000);       /* let some bytes arrive alone */
    }
    rl_expect_status(rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
    assert_string_equal(r.body, "hello, racelab\n");
    rl_response_free(&r);
    rl_conn_close(&c);
}

/* --- /-/stats ------------------------------------------------------------- */

static void test_http_stats_fields(void **state)
{
    struct rl_response r;
    rl_expect_status(rl_get(srv.port, "/-/stats", &r), &r, 200);
    assert_string_equal(rl_header(&r, "Content-Type"), "application/json");
    assert_string_equal(rl_header(&r, "Cache-Control"), "no-store");
    json_error_t err;
    json_t *j = json_loadb(r.body, r.body_len, 0, &err);
    if (j == NULL)
        fail_msg("stats body is not JSON (%s): %s", err.text, r.body);
    static const char *fields[] = {
        "requests", "cache_hits", "cache_misses", "cache_evictions", "cache_entries",
        "cache_bytes", "connections_open", "connections_total", "connections_rejected",
        "threads",
    };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if (rl_stats_int(j, fields[i]) < 0)
            fail_msg("stats field %s missing or negative", fields[i]);
    assert_int_equal(rl_stats_int(j, "threads"), 2);
    assert_true(rl_stats_int(j, "connections_open") >= 1);      /* this one */
    assert_true(rl_stats_int(j, "requests") > 0);
    json_decref(j);
    rl_response_free(&r);

    /* Exact accounting: between two snapshots, the first snapshot's own
     * request and one file request. */
    json_t *s1 = rl_stats(srv.port);
    assert_non_null(s1);
    rl_expect_status(rl_get(srv.port, "/a.txt", &r), &r, 200);
    rl_response_free(&r);
    json_t *s2 = rl_stats(srv.port);
    assert_non_null(s2);
    assert_int_equal(rl_stats_int(s2, "requests") - rl_stats_int(s1, "requests"), 2);
    assert_int_equal((rl_stats_int(s2, "cache_hits") + rl_stats_int(s2, "cache_misses"))
                     - (rl_stats_int(s1, "cache_hits") + rl_stats_int(s1, "cache_misses")), 1);
    assert_int_equal(rl_stats_int(s2, "connections_total") - rl_stats_int(s1, "connections_total"), 2);
    json_decref(s1);
    json_decref(s2);
}

/* Last: the server shuts down cleanly after all of the above. */
static void test_http_server_exits_cleanly(void **state)
{
    rl_expect_clean_stop(&srv);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_get_bodies_and_content_types),
        cmocka_unit_test(test_http_binary_and_empty_files),
        cmocka_unit_test(test_http_large_file_streamed),
        cmocka_unit_test(test_http_head_has_no_body),
        cmocka_unit_test(test_http_404),
        cmocka_unit_test(test_http_directories),
        cmocka_unit_test(test_http_symlinks),
        cmocka_unit_test(test_http_405_with_allow),
        cmocka_unit_test(test_http_400s),
        cmocka_unit_test(test_http_414_431_413),
        cmocka_unit_test(test_http_501_and_505),
        cmocka_unit_test(test_http_traversal_attempts),
        cmocka_unit_test(test_http_keepalive_many_requests),
        cmocka_unit_test(test_http_connection_close),
        cmocka_unit_test(test_http_10),
        cmocka_unit_test(test_http_pipelined_in_order),
        cmocka_unit_test(test_http_request_split_into_single_bytes),
        cmocka_unit_test(test_http_stats_fields),
        cmocka_unit_test(test_http_server_exits_cleanly),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
