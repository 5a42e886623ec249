/* test_load.c - the server under concurrent load: a burst after which
 * /-/stats and the access log account for every response exactly, and a
 * SIGTERM in the middle of a burst after which every response a client got
 * is complete and the server exits 0.  In the tsan flavor the server is a
 * TSan build and any report fails the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rl_cmocka.h"

#define NTHREADS 8
#define NREQUESTS 500           /* per thread */
#define BIG_LEN (64 * 1024)

struct file { const char *path; int status; char *body; size_t len; };
static struct file files[] = {
    { "/a.txt", 200, NULL, 0 }, { "/b.html", 200, NULL, 0 }, { "/c.json", 200, NULL, 0 },
    { "/sub/d.css", 200, NULL, 0 }, { "/big.bin", 200, NULL, 0 }, { "/nope", 404, NULL, 0 },
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static int setup(void **state)
{
    struct rl_server *s = calloc(1, sizeof(*s));
    if (s == NULL || rl_server_init(s) < 0)
        return -1;
    for (size_t i = 0; i < NFILES; i++) {
        if (files[i].status != 200)
            continue;
        free(files[i].body);
        size_t len = strcmp(files[i].path, "/big.bin") == 0 ? BIG_LEN : 40 + i * 13;
        files[i].body = malloc(len);
        for (size_t k = 0; k < len; k++)
            files[i].body[k] = (char)('A' + (k * 31 + i) % 26);
        files[i].len = len;
        if (rl_write_file(s, files[i].path + 1, files[i].body, len) < 0)
            return -1;
    }
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
    for (size_t i = 0; i < NFILES; i++) {
        free(files[i].body);
        files[i].body = NULL;
    }
    return 0;
}

/* Checks a response to a GET of F; returns true if it is the right one. */
static bool response_ok(const struct rl_response *r, const struct file *f)
{
    if (r->status != f->status)
        return false;
    if (f->status == 200)
        return r->body_len == f->len && memcmp(r->body, f->body, f->len) == 0;
    return true;
}

/* --- the burst ------------------------------------------------------------ */

struct client {
    int port;
    int id;
    bool keep_alive;
    long received;      /* complete responses */
    long wrong;         /* complete but wrong status or body */
    long failed;        /* incomplete, refused, timed out */
};

static void *burst_main(void *arg)
{
    struct client *cl = arg;
    struct rl_conn c = { .fd = -1 };
    for (int i = 0; i < NREQUESTS; i++) {
        const struct file *f = &files[(size_t)(i + cl->id) % NFILES];
        char raw[256];
        snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n%s\r\n", f->path,
                 cl->keep_alive ? "" : "Connection: close\r\n");
        if (c.fd < 0 && rl_conn_open(&c, cl->port) < 0) {
            cl->failed++;
            continue;
        }
        struct rl_response r;
        int rc = -1;
        if (rl_conn_sendstr(&c, raw) == 0)
            rc = rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS);
        if (rc == 1) {
            cl->received++;
            if (!response_ok(&r, f))
                cl->wrong++;
            rl_response_free(&r);
        } else {
            cl->failed++;
        }
        if (!cl->keep_alive || rc != 1)
            rl_conn_close(&c);
    }
    if (c.fd >= 0)
        rl_conn_close(&c);
    return NULL;
}

static void test_load_burst_stats_account_for_every_response(void **state)
{
    struct rl_server *s = *state;
    char log[PATH_MAX + 32];
    snprintf(log, sizeof(log), "%s/access.log", s->dir);
    const char *const args[] = { "--threads", "4", "--access-log", log, NULL };
    if (rl_server_start(s, args) < 0)
        fail_msg("could not start %s", rl_server_exe());

    struct client cl[NTHREADS];
    pthread_t th[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        cl[i] = (struct client){ .port = s->port, .id = i, .keep_alive = (i % 2 == 0) };
        assert_int_equal(pthread_create(&th[i], NULL, burst_main, &cl[i]), 0);
    }
    long received = 0, wrong = 0, failed = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        received += cl[i].received;
        wrong += cl[i].wrong;
        failed += cl[i].failed;
    }
    rl_expect_no_reports(s);        /* a crash explains failures best */
    assert_int_equal(failed, 0);
    assert_int_equal(wrong, 0);
    assert_int_equal(received, NTHREADS * NREQUESTS);

    /* Every response was counted before it was sent, so all of them are in
     * the stats by now; the stats request does not count itself. */
    json_t *j = rl_stats(s->port);
    assert_non_null(j);
    assert_int_equal(rl_stats_int(j, "requests"), received);
    /* Each file request looked in the cache exactly once. */
    assert_int_equal(rl_stats_int(j, "cache_hits") + rl_stats_int(j, "cache_misses"), received);
    /* Keep-alive clients used one connection each, the others one per
     * request; plus the stats connection. */
    long conns = (NTHREADS / 2) + (long)(NTHREADS / 2) * NREQUESTS + 1;
    assert_int_equal(rl_stats_int(j, "connections_total"), conns);
    assert_int_equal(rl_stats_int(j, "connections_rejected"), 0);
    assert_int_equal(rl_stats_int(j, "threads"), 4);
    json_decref(j);

    rl_expect_clean_stop(s);

    /* One whole, well-formed access log line per response, stats included:
     * lines from different workers never interleave. */
    char *text = rl_read_dir_file(s, "access.log");
    assert_non_null(text);
    long lines = 0, bad = 0;
    for (char *line = text, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
        *nl = '\0';
        lines++;
        int status = 0;
        unsigned long bytes = 0;
        char method[16], target[256], proto[16];
        if (strncmp(line, "127.0.0.1 - - [", 15) != 0
            || sscanf(strchr(line, ']') ? strchr(line, ']') + 1 : "",
                      " \"%15s %255s %15[^\"]\" %d %lu", method, target, proto, &status, &bytes) != 5
            || strcmp(method, "GET") != 0 || strcmp(proto, "HTTP/1.1") != 0
            || (status != 200 && status != 404)) {
            if (bad++ < 5)
                fprintf(stderr, "bad access log line: %s\n", line);
        }
    }
    free(text);
    assert_int_equal(bad, 0);
    assert_int_equal(lines, received + 1);
}

/* --- SIGTERM under load ----------------------------------------------------- */

struct shutdown_client {
    int port;
    int id;
    atomic_long *complete_total;
    long complete;
    long partial;       /* a response cut short: never acceptable */
    long wrong;
};

static void *shutdown_main(void *arg)
{
    struct shutdown_client *cl = arg;
    struct rl_conn c = { .fd = -1 };
    for (int i = 0; ; i++) {
        if (c.fd < 0 && rl_conn_open(&c, cl->port) < 0)
            break;      /* refused: the server stopped listening */
        const struct file *f = &files[(size_t)(i + cl->id) % NFILES];
        char raw[256];
        snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", f->path);
        /* Half the time, send the request in two pieces so that some are
         * mid-request when the signal arrives. */
        size_t cut = (i % 2) ? strlen(raw) / 2 : strlen(raw);
        int rc = rl_conn_send(&c, raw, cut);
        if (rc == 0 && cut < strlen(raw))
            rc = rl_conn_sendstr(&c, raw + cut);
        if (rc != 0) {
            rl_conn_close(&c);      /* closed under us before we asked */
            continue;
        }
        struct rl_response r;
        rc = rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS);
        if (rc == 1) {
            /* A 408 for a request the shutdown cut in half is a complete
             * answer too. */
            if (r.status == 408) {
                rl_response_free(&r);
                rl_conn_close(&c);
                continue;
            }
            if (!response_ok(&r, f))
                cl->wrong++;
            cl->complete++;
            atomic_fetch_add(cl->complete_total, 1);
            if (strcmp(rl_header(&r, "Connection") ? rl_header(&r, "Connection") : "", "close") == 0)
                rl_conn_close(&c);
            rl_response_free(&r);
        } else {
            if (rc < 0)
                cl->partial++;
            rl_conn_close(&c);
        }
    }
    if (c.fd >= 0)
        rl_conn_close(&c);
    return NULL;
}

static void test_load_sigterm_under_load_is_graceful(void **state)
{
    struct rl_server *s = *state;
    const char *const args[] = { "--threads", "4", NULL };
    if (rl_server_start(s, args) < 0)
        fail_msg("could not start %s", rl_server_exe());

    atomic_long total = 0;
    enum { N = 6 };
    struct shutdown_client cl[N];
    pthread_t th[N];
    for (int i = 0; i < N; i++) {
        cl[i] = (struct shutdown_client){ .port = s->port, .id = i, .complete_total = &total };
        assert_int_equal(pthread_create(&th[i], NULL, shutdown_main, &cl[i]), 0);
    }
    /* Let the load build up, then stop the server in the middle of it. */
    long long deadline = rl_now_ms() + RL_IO_TIMEOUT_MS;
    while (atomic_load(&total) < 300 && rl_now_ms() < deadline)
        usleep(1000);
    long before = atomic_load(&total);

    int status = rl_server_stop(s, RL_STOP_TIMEOUT_MS);
    long complete = 0, partial = 0, wrong = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        complete += cl[i].complete;
        partial += cl[i].partial;
        wrong += cl[i].wrong;
    }
    rl_expect_no_reports(s);
    assert_true(before >= 300);
    assert_int_equal(partial, 0);
    assert_int_equal(wrong, 0);
    assert_true(complete >= before);

    if (!rl_exited_zero(status))
        fail_msg("the server did not exit 0 after SIGTERM (wait status 0x%x)", status);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_burst_stats_account_for_every_response,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_sigterm_under_load_is_graceful,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
