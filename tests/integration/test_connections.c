/* test_connections.c - connection lifetime: the idle timeout (close, or
 * 408 when a request was half sent), --max-connections (503 beyond it),
 * and --cache-mb 0.  Each test runs its own server and ends by stopping it
 * cleanly (exit 0, no sanitizer report). */
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

static int setup(void **state)
{
    struct rl_server *s = calloc(1, sizeof(*s));
    if (s == NULL || rl_server_init(s) < 0)
        return -1;
    if (rl_write_text(s, "a.txt", "hello, racelab\n") < 0
        || rl_write_file(s, "empty.txt", "", 0) < 0)
        return -1;
    *state = s;
    return 0;
}

static int teardown(void **state)
{
    struct rl_server *s = *state;
    if (s != NULL) {
        rl_server_destroy(s);
        free(s);
    }
    return 0;
}

static void start(struct rl_server *s, const char *const *args)
{
    if (rl_server_start(s, args) < 0)
        fail_msg("could not start %s", rl_server_exe());
}

/* A keep-alive GET on C that must succeed. */
static void get_ok(struct rl_conn *c, const char *path)
{
    char raw[256];
    struct rl_response r;
    snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
    assert_int_equal(rl_conn_sendstr(c, raw), 0);
    rl_expect_status(rl_conn_read_response(c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
    rl_response_free(&r);
}

/* Stats fetched over the keep-alive connection C. */
static json_t *stats_on(struct rl_conn *c)
{
    struct rl_response r;
    assert_int_equal(rl_conn_sendstr(c, "GET /-/stats HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
    rl_expect_status(rl_conn_read_response(c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
    json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
    assert_non_null(j);
    rl_response_free(&r);
    return j;
}

static void test_conn_idle_connection_closed(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--idle-timeout", "1", "--threads", "2", NULL };
    start(s, args);

    /* Never says a word. */
    struct rl_conn quiet;
    assert_int_equal(rl_conn_open(&quiet, s->port), 0);
    /* Served once, then idle. */
    struct rl_conn served;
    assert_int_equal(rl_conn_open(&served, s->port), 0);
    get_ok(&served, "/a.txt");

    /* The timeout is 1 s; allow a generous deadline for slow builds.  An
     * idle connection gets no bytes, just the close. */
    assert_true(rl_conn_wait_closed(&quiet, 10000));
    assert_true(rl_conn_wait_closed(&served, 10000));
    rl_conn_close(&quiet);
    rl_conn_close(&served);

    /* The server still serves new connections afterwards. */
    struct rl_response r;
    rl_expect_status(rl_get(s->port, "/a.txt", &r), &r, 200);
    rl_response_free(&r);
    rl_expect_clean_stop(s);
}

static void test_conn_half_sent_request_gets_408(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--idle-timeout", "1", "--threads", "2", NULL };
    start(s, args);

    struct rl_conn c;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c, s->port), 0);
    assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTTP/1.1\r\nHost: t\r\nAcc"), 0);
    rl_expect_status(rl_conn_read_response(&c, &r, false, 10000), &r, 408);
    assert_string_equal(rl_header(&r, "Connection"), "close");
    assert_true(rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS));
    rl_response_free(&r);
    rl_conn_close(&c);

    /* Same after a complete request on the same connection. */
    assert_int_equal(rl_conn_open(&c, s->port), 0);
    get_ok(&c, "/a.txt");
    assert_int_equal(rl_conn_sendstr(&c, "GET /a.txt HTT"), 0);
    rl_expect_status(rl_conn_read_response(&c, &r, false, 10000), &r, 408);
    rl_response_free(&r);
    rl_conn_close(&c);
    rl_expect_clean_stop(s);
}

static void test_conn_max_connections_503(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--max-connections", "2", "--threads", "2", NULL };
    start(s, args);

    struct rl_conn c1, c2, c3, c4;
    struct rl_response r;
    assert_int_equal(rl_conn_open(&c1, s->port), 0);
    get_ok(&c1, "/a.txt");      /* admitted for sure once answered */
    assert_int_equal(rl_conn_open(&c2, s->port), 0);
    get_ok(&c2, "/a.txt");

    /* The third is answered 503 without saying anything, and closed. */
    assert_int_equal(rl_conn_open(&c3, s->port), 0);
    rl_expect_status(rl_conn_read_response(&c3, &r, false, RL_IO_TIMEOUT_MS), &r, 503);
    assert_non_null(rl_header(&r, "Retry-After"));
    assert_string_equal(rl_header(&r, "Connection"), "close");
    assert_true(rl_conn_wait_closed(&c3, RL_IO_TIMEOUT_MS));
    rl_response_free(&r);
    rl_conn_close(&c3);

    json_t *j = stats_on(&c1);
    assert_int_equal(rl_stats_int(j, "connections_rejected"), 1);
    assert_int_equal(rl_stats_int(j, "connections_open"), 2);
    assert_int_equal(rl_stats_int(j, "connections_total"), 2);
    json_decref(j);

    /* The admitted ones still work. */
    get_ok(&c2, "/a.txt");

    /* Once one goes, there is room again (the server notices the close
     * asynchronously: wait for it, within a deadline). */
    rl_conn_close(&c2);
    long long deadline = rl_now_ms() + RL_IO_TIMEOUT_MS;
    for (;;) {
        j = stats_on(&c1);
        long long open = rl_stats_int(j, "connections_open");
        json_decref(j);
        if (open == 1)
            break;
        if (rl_now_ms() > deadline)
            fail_msg("connections_open stayed at %lld after a client left", open);
        usleep(10000);
    }
    assert_int_equal(rl_conn_open(&c4, s->port), 0);
    get_ok(&c4, "/a.txt");
    rl_conn_close(&c4);
    rl_conn_close(&c1);
    rl_expect_clean_stop(s);
}

static void test_conn_cache_disabled_serves_every_file(void **state)
{
    /* --cache-mb 0 is a valid setting (range 0..): every file must still
     * be served, the empty one included. */
    struct rl_server *s = *state;
    static const char *const args[] = { "--cache-mb", "0", "--threads", "2", NULL };
    start(s, args);
    struct rl_response r;
    rl_expect_status(rl_get(s->port, "/a.txt", &r), &r, 200);
    assert_string_equal(r.body, "hello, racelab\n");
    rl_response_free(&r);
    rl_expect_status(rl_get(s->port, "/empty.txt", &r), &r, 200);
    assert_int_equal(r.content_length, 0);
    rl_response_free(&r);
    rl_expect_clean_stop(s);
}

static void test_conn_fifo_in_root_does_not_hang_a_worker(void **state)
{
    /* open(2) of a FIFO for reading blocks until a writer shows up: a FIFO
     * in the root must be refused like any non-regular file, not tie up a
     * worker (and, with every worker stuck, the whole server and its
     * shutdown). */
    struct rl_server *s = *state;
    char path[PATH_MAX + 32];
    snprintf(path, sizeof(path), "%s/pipe", s->root);
    assert_int_equal(mkfifo(path, 0644), 0);
    snprintf(path, sizeof(path), "%s/dir", s->root);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof(path), "%s/dir/index.html", s->root);
    assert_int_equal(mkfifo(path, 0644), 0);
    static const char *const args[] = { "--threads", "2", NULL };
    start(s, args);

    static const char *targets[] = { "/pipe", "/dir/", "/pipe", "/dir/" };
    for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
        struct rl_conn c;
        struct rl_response r;
        char raw[128];
        snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
                 targets[i]);
        assert_int_equal(rl_conn_open(&c, s->port), 0);
        assert_int_equal(rl_conn_sendstr(&c, raw), 0);
        int rc = rl_conn_read_response(&c, &r, false, 5000);
        rl_conn_close(&c);
        if (rc != 1)
            fail_msg("GET %s: no response within 5 s (a worker is stuck in open)", targets[i]);
        assert_int_equal(r.status, 403);
        rl_response_free(&r);
    }
    /* Every worker is still free to serve. */
    struct rl_response r;
    rl_expect_status(rl_get(s->port, "/a.txt", &r), &r, 200);
    rl_response_free(&r);
    rl_expect_clean_stop(s);
}

static void test_conn_edited_file_shows_up(void **state)
{
    /* Cached bodies are reloaded once they are older than a second. */
    struct rl_server *s = *state;
    static const char *const args[] = { "--threads", "2", NULL };
    start(s, args);
    struct rl_response r;
    rl_expect_status(rl_get(s->port, "/a.txt", &r), &r, 200);
    assert_string_equal(r.body, "hello, racelab\n");
    rl_response_free(&r);
    assert_int_equal(rl_write_text(s, "a.txt", "edited, and longer than before\n"), 0);
    long long deadline = rl_now_ms() + RL_IO_TIMEOUT_MS;
    for (;;) {
        rl_expect_status(rl_get(s->port, "/a.txt", &r), &r, 200);
        bool fresh = strcmp(r.body, "edited, and longer than before\n") == 0;
        /* Old or new, never a mix of the two. */
        if (!fresh)
            assert_string_equal(r.body, "hello, racelab\n");
        rl_response_free(&r);
        if (fresh)
            break;
        if (rl_now_ms() > deadline)
            fail_msg("the edited file never showed up");
        usleep(50000);
    }
    rl_expect_clean_stop(s);
}

static void test_conn_access_log_lines(void **state)
{
    struct rl_server *s = *state;
    char log[PATH_MAX + 32];
    snprintf(log, sizeof(log), "%s/access.log", s->dir);
    const char *const args[] = { "--threads", "2", "--access-log", log, NULL };
    start(s, args);
    struct rl_response r;
    rl_expect_status(rl_get(s->port, "/a.txt", &r), &r, 200);
    rl_response_free(&r);
    /* Quotes, backslashes and non-ASCII bytes are escaped in the log. */
    rl_expect_status(rl_request(s->port, "GET /x\"y\\z\xff HTTP/1.0\r\n\r\n", &r), &r, 404);
    rl_response_free(&r);
    rl_expect_status(rl_request(s->port, "HEAD /a.txt HTTP/1.1\r\nHost: t\r\n"
                                         "Connection: close\r\n\r\n", &r), &r, 200);
    rl_response_free(&r);
    rl_expect_clean_stop(s);

    /* A line is written after its response is sent, so another worker's
     * line may come first: look for each, in any order. */
    char *text = rl_read_dir_file(s, "access.log");
    assert_non_null(text);
    static const char *want[] = {
        "] \"GET /a.txt HTTP/1.1\" 200 15",
        "] \"GET /x\\x22y\\x5cz\\xff HTTP/1.0\" 404 0",
        "] \"HEAD /a.txt HTTP/1.1\" 200 0",
    };
    bool found[3] = { false, false, false };
    int lines = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        lines++;
        assert_true(strncmp(line, "127.0.0.1 - - [", 15) == 0);
        for (int i = 0; i < 3; i++)
            if (strstr(line, want[i]) != NULL && strlen(strstr(line, want[i])) == strlen(want[i]))
                found[i] = true;
    }
    assert_int_equal(lines, 3);
    for (int i = 0; i < 3; i++)
        if (!found[i])
            fail_msg("no access log line ends with: %s", want[i]);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_conn_idle_connection_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_half_sent_request_gets_408, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_max_connections_503, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_cache_disabled_serves_every_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_fifo_in_root_does_not_hang_a_worker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_edited_file_shows_up, setup, teardown),
        cmocka_unit_test_setup_teardown(test_conn_access_log_lines, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
