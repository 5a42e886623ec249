/* test_hostile_connections.c - hostile connection behaviour: slowloris
 * (200 half-sent heads, stalled or trickling a byte at a time), floods past
 * --max-connections, and clients that reset in the middle of an 8 MiB
 * response.  Each test runs its own server, checks that normal clients are
 * still served exactly, and ends with a clean stop (exit 0, no sanitizer
 * report).  No timing assertion: deadlines are generous and only keep a
 * broken server from hanging the test. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "rl_cmocka.h"
#include "hostile.h"

#define A_TXT "hello, racelab\n"
#define TXT "text/plain; charset=utf-8"
#define NSLOW 200
#define HALF_HEAD "GET /a.txt HTTP/1.1\r\nHost: t\r\nX-Slow: "
#define BIG8_LEN (8u << 20)         /* exactly an eighth of --cache-mb 64: cached */
#define BIG9_LEN (9u << 20)         /* more: streamed with sendfile() */
/* The server's canned answer past --max-connections, byte for byte. */
#define CANNED_503 \
    "HTTP/1.1 503 Service Unavailable\r\nServer: racelab\r\n" \
    "Content-Type: text/html; charset=utf-8\r\nContent-Length: 32\r\n" \
    "Retry-After: 1\r\nConnection: close\r\n\r\n<h1>503 Service Unavailable</h1>"

static char *big8, *big9;

static void fill(char *p, size_t len, unsigned seed)
{
    for (size_t i = 0; i < len; i++)
        p[i] = (char)('a' + (i * 7 + i / 4093 + seed) % 26);
}

static int setup(void **state)
{
    struct rl_server *s = calloc(1, sizeof(*s));
    if (s == NULL || rl_server_init(s) < 0)
        return -1;
    if (big8 == NULL) {
        big8 = malloc(BIG8_LEN);
        big9 = malloc(BIG9_LEN);
        if (big8 == NULL || big9 == NULL)
            return -1;
        fill(big8, BIG8_LEN, 1);
        fill(big9, BIG9_LEN, 2);
    }
    if (rl_write_text(s, "a.txt", A_TXT) < 0)
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

static int group_teardown(void **state)
{
    free(big8);
    free(big9);
    big8 = big9 = NULL;
    return 0;
}

static void start(struct rl_server *s, const char *const *args)
{
    if (hostile_raise_nofile(4096) < NSLOW + 256)
        fail_msg("RLIMIT_NOFILE is too low for %d connections", NSLOW);
    if (rl_server_start(s, args) < 0)
        fail_msg("could not start %s", rl_server_exe());
}

/* GET /a.txt on C, answered exactly; false (no failure) if it was not. */
static bool get_a_txt(struct rl_conn *c, bool close_it, char *why, size_t whylen)
{
    struct rl_response r;
    char raw[128];
    snprintf(raw, sizeof(raw), "GET /a.txt HTTP/1.1\r\nHost: t\r\n%s\r\n",
             close_it ? "Connection: close\r\n" : "");
    if (rl_conn_sendstr(c, raw) != 0) {
        snprintf(why, whylen, "send failed");
        return false;
    }
    int rc = rl_conn_read_response(c, &r, false, RL_IO_TIMEOUT_MS);
    if (rc != 1) {
        snprintf(why, whylen, "no complete response (rc %d)", rc);
        return false;
    }
    char want[512];
    snprintf(want, sizeof(want),
             "HTTP/1.1 200 OK\r\nServer: racelab\r\nDate: %s\r\nContent-Type: " TXT
             "\r\nContent-Length: 15\r\nConnection: %s\r\n",
             rl_header(&r, "Date") ? rl_header(&r, "Date") : "?",
             close_it ? "close" : "keep-alive");
    bool ok = strcmp(r.head, want) == 0 && strcmp(r.body, A_TXT) == 0;
    if (!ok)
        snprintf(why, whylen, "wrong response:\n%s", r.head);
    rl_response_free(&r);
    return ok;
}

/* A normal request on a new connection must be answered exactly. */
static void expect_alive(int port)
{
    struct rl_conn c;
    char why[600];
    assert_int_equal(rl_conn_open(&c, port), 0);
    if (!get_a_txt(&c, true, why, sizeof(why)))
        fail_msg("a normal request afterwards: %s", why);
    rl_conn_close(&c);
}

/* Polls /-/stats until connections_open is WANT (the poll's own
 * connection included) or the deadline passes; returns the last stats. */
static json_t *stats_when_open(int port, long long want, int *polls)
{
    long long deadline = rl_now_ms() + RL_IO_TIMEOUT_MS;
    for (;;) {
        json_t *j = rl_stats(port);
        (*polls)++;
        if (j != NULL && (rl_stats_int(j, "connections_open") == want || rl_now_ms() > deadline))
            return j;
        json_decref(j);
        if (rl_now_ms() > deadline)
            fail_msg("no stats from the server");
        usleep(20000);
    }
}

/* --- normal clients, run while the hostile ones do their thing ------------- */

struct normal {
    int port;
    int n;
    long ok;
    char why[600];
};

static void *normal_main(void *arg)
{
    struct normal *nc = arg;
    struct rl_conn c = { .fd = -1 };
    for (int i = 0; i < nc->n; i++) {
        bool fresh = (i % 4 == 3);      /* mostly keep-alive, some new connections */
        if (c.fd < 0 && rl_conn_open(&c, nc->port) < 0) {
            snprintf(nc->why, sizeof(nc->why), "connect failed");
            break;
        }
        if (!get_a_txt(&c, fresh, nc->why, sizeof(nc->why)))
            break;
        nc->ok++;
        if (fresh)
            rl_conn_close(&c);
    }
    if (c.fd >= 0)
        rl_conn_close(&c);
    return NULL;
}

enum { NNORMAL = 4, NORMAL_REQUESTS = 40 };

static void run_normal_clients(int port)
{
    struct normal nc[NNORMAL];
    pthread_t th[NNORMAL];
    for (int i = 0; i < NNORMAL; i++) {
        nc[i] = (struct normal){ .port = port, .n = NORMAL_REQUESTS };
        assert_int_equal(pthread_create(&th[i], NULL, normal_main, &nc[i]), 0);
    }
    for (int i = 0; i < NNORMAL; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < NNORMAL; i++)
        if (nc[i].ok != NORMAL_REQUESTS)
            fail_msg("normal client %d: %ld of %d answered; then %s", i, nc[i].ok,
                     NORMAL_REQUESTS, nc[i].why);
}

/* --- slowloris ------------------------------------------------------------------ */

struct slow {
    struct rl_conn conns[NSLOW];
    int ntrickle;               /* conns[0..ntrickle) trickle, the rest stall */
    atomic_bool stop;
};

/* Sends one more header byte to each trickling connection every 250 ms,
 * never finishing the head: the idle time never reaches a second. */
static void *trickle_main(void *arg)
{
    struct slow *sl = arg;
    while (!atomic_load(&sl->stop)) {
        for (int i = 0; i < sl->ntrickle; i++)
            (void)send(sl->conns[i].fd, "x", 1, MSG_NOSIGNAL);
        for (int k = 0; k < 25 && !atomic_load(&sl->stop); k++)
            usleep(10000);
    }
    return NULL;
}

static void open_slow(struct slow *sl, int port)
{
    for (int i = 0; i < NSLOW; i++) {
        int rc = rl_conn_open(&sl->conns[i], port);
        if (rc < 0)
            fail_msg("slow connection %d: connect: %s", i, strerror(-rc));
        assert_int_equal(rl_conn_sendstr(&sl->conns[i], HALF_HEAD), 0);
    }
}

static void test_hostile_slowloris_does_not_starve_normal_clients(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--threads", "2", "--idle-timeout", "60", NULL };
    start(s, args);

    static struct slow sl;
    memset(&sl, 0, sizeof(sl));
    sl.ntrickle = NSLOW / 2;
    open_slow(&sl, s->port);
    pthread_t tr;
    assert_int_equal(pthread_create(&tr, NULL, trickle_main, &sl), 0);

    /* Two workers, 200 half-open requests: normal clients are still served. */
    run_normal_clients(s->port);

    /* The slow ones hang: no byte for them, no close. */
    for (int i = 0; i < NSLOW; i++) {
        struct pollfd p = { .fd = sl.conns[i].fd, .events = POLLIN };
        if (poll(&p, 1, 0) != 0)
            fail_msg("slow connection %d got bytes or a close (revents 0x%x)", i, p.revents);
    }
    int polls = 0;
    json_t *j = stats_when_open(s->port, NSLOW + 1, &polls);
    assert_int_equal(rl_stats_int(j, "connections_open"), NSLOW + 1);
    json_decref(j);

    atomic_store(&sl.stop, true);
    pthread_join(tr, NULL);
    for (int i = 0; i < NSLOW; i++)
        rl_conn_close(&sl.conns[i]);
    expect_alive(s->port);
    rl_expect_clean_stop(s);
}

static void test_hostile_slowloris_gets_408_after_idle_timeout(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--threads", "2", "--idle-timeout", "1", NULL };
    start(s, args);

    static struct slow sl;
    memset(&sl, 0, sizeof(sl));
    sl.ntrickle = NSLOW / 2;
    open_slow(&sl, s->port);
    pthread_t tr;
    assert_int_equal(pthread_create(&tr, NULL, trickle_main, &sl), 0);

    run_normal_clients(s->port);

    /* Stalled or trickling, a head that has not arrived within the idle
     * timeout gets exactly the 408 page, and the close. */
    for (int i = 0; i < NSLOW; i++) {
        struct rl_response r;
        char what[64];
        snprintf(what, sizeof(what), "%s slow connection %d",
                 i < sl.ntrickle ? "trickling" : "stalled", i);
        int rc = rl_conn_read_response(&sl.conns[i], &r, false, 30000);
        if (rc != 1)
            fail_msg("%s: no 408 within 30 s (rc %d)", what, rc);
        hostile_expect_error(&r, what, 408, false, "close", NULL);
        rl_response_free(&r);
        if (!rl_conn_wait_closed(&sl.conns[i], RL_IO_TIMEOUT_MS))
            fail_msg("%s: not closed after its 408", what);
    }
    atomic_store(&sl.stop, true);
    pthread_join(tr, NULL);
    for (int i = 0; i < NSLOW; i++)
        rl_conn_close(&sl.conns[i]);

    int polls = 0;
    json_t *j = stats_when_open(s->port, 1, &polls);
    assert_int_equal(rl_stats_int(j, "connections_open"), 1);
    json_decref(j);
    expect_alive(s->port);
    rl_expect_clean_stop(s);
}

/* --- more clients than --max-connections ---------------------------------------- */

enum { MAXCONN = 8, NFLOOD = 20 };

struct flood {
    int port;
    struct rl_conn c;
    int status;                 /* 200, 503, or -1 with why */
    char why[600];
};

/* Connects and asks at once, without waiting to be accepted. */
static void *flood_main(void *arg)
{
    struct flood *f = arg;
    f->status = -1;
    if (rl_conn_open(&f->c, f->port) < 0) {
        snprintf(f->why, sizeof(f->why), "connect failed");
        return NULL;
    }
    (void)rl_conn_sendstr(&f->c, "GET /a.txt HTTP/1.1\r\nHost: t\r\n\r\n");
    struct rl_response r;
    int rc = rl_conn_read_response(&f->c, &r, false, RL_IO_TIMEOUT_MS);
    if (rc != 1) {
        snprintf(f->why, sizeof(f->why), "no complete response (rc %d)", rc);
        return NULL;
    }
    char raw[1024];
    snprintf(raw, sizeof(raw), "%s\r\n%s", r.head, r.body);
    if (r.status == 503) {
        if (strcmp(raw, CANNED_503) != 0)
            snprintf(f->why, sizeof(f->why), "not the canned 503:\n%.500s", raw);
        else if (!rl_conn_wait_closed(&f->c, RL_IO_TIMEOUT_MS))
            snprintf(f->why, sizeof(f->why), "503 but not closed");
        else
            f->status = 503;
    } else if (r.status == 200 && strcmp(r.body, A_TXT) == 0 && rl_header(&r, "Connection")
               && strcmp(rl_header(&r, "Connection"), "keep-alive") == 0) {
        f->status = 200;        /* admitted: keeps its slot until we close it */
    } else {
        snprintf(f->why, sizeof(f->why), "unexpected response:\n%s", r.head);
    }
    rl_response_free(&r);
    return NULL;
}

/* Polls /-/stats on new connections until the server counts only the
 * poll's own connection open.  Polls turned away with a 503 meanwhile (the
 * server has not yet seen every client leave) are added to *REJECTED. */
static void wait_until_alone(int port, long long *rejected)
{
    long long deadline = rl_now_ms() + RL_IO_TIMEOUT_MS;
    for (;;) {
        struct rl_response r;
        struct rl_conn c;
        long long open = -1;
        int rc = -1;
        if (rl_conn_open(&c, port) == 0) {
            if (rl_conn_sendstr(&c, "GET /-/stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n") == 0)
                rc = rl_conn_read_response(&c, &r, false, RL_IO_TIMEOUT_MS);
            /* Closed by the server, so no longer counted when we return. */
            if (rc == 1 && !rl_conn_wait_closed(&c, RL_IO_TIMEOUT_MS))
                fail_msg("the stats connection stayed open after Connection: close");
            rl_conn_close(&c);
        }
        if (rc == 1 && r.status == 503) {
            (*rejected)++;
        } else if (rc == 1 && r.status == 200) {
            json_t *st = json_loadb(r.body, r.body_len, 0, NULL);
            open = st ? rl_stats_int(st, "connections_open") : -1;
            json_decref(st);
        }
        if (rc == 1)
            rl_response_free(&r);
        if (open == 1)
            return;
        if (rl_now_ms() > deadline)
            fail_msg("connections_open stays at %lld after the clients left", open);
        usleep(20000);
    }
}

static void test_hostile_flood_past_max_connections(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--threads", "2", "--max-connections", "8", NULL };
    start(s, args);

    long long rejected_total = 0;
    for (int round = 0; round < 3; round++) {
        static struct flood f[NFLOOD];
        pthread_t th[NFLOOD];
        for (int i = 0; i < NFLOOD; i++) {
            memset(&f[i], 0, sizeof(f[i]));
            f[i].port = s->port;
            f[i].c.fd = -1;
            assert_int_equal(pthread_create(&th[i], NULL, flood_main, &f[i]), 0);
        }
        for (int i = 0; i < NFLOOD; i++)
            pthread_join(th[i], NULL);
        int admitted = 0, rejected = 0, first = -1;
        for (int i = 0; i < NFLOOD; i++) {
            if (f[i].status == -1)
                fail_msg("round %d, client %d: %s", round, i, f[i].why);
            if (f[i].status == 200 && first < 0)
                first = i;
            admitted += f[i].status == 200;
            rejected += f[i].status == 503;
        }
        /* Nobody admitted has left yet: exactly the limit got in. */
        assert_int_equal(admitted, MAXCONN);
        assert_int_equal(rejected, NFLOOD - MAXCONN);
        rejected_total += rejected;

        /* Still full: one more is turned away too. */
        struct rl_conn extra;
        struct rl_response r;
        assert_int_equal(rl_conn_open(&extra, s->port), 0);
        rl_expect_status(rl_conn_read_response(&extra, &r, false, RL_IO_TIMEOUT_MS), &r, 503);
        rl_response_free(&r);
        assert_true(rl_conn_wait_closed(&extra, RL_IO_TIMEOUT_MS));
        rl_conn_close(&extra);
        rejected_total++;

        /* The stats, asked on an admitted connection. */
        char why[600];
        assert_int_equal(rl_conn_sendstr(&f[first].c, "GET /-/stats HTTP/1.1\r\nHost: t\r\n\r\n"), 0);
        rl_expect_status(rl_conn_read_response(&f[first].c, &r, false, RL_IO_TIMEOUT_MS), &r, 200);
        json_t *j = json_loadb(r.body, r.body_len, 0, NULL);
        assert_non_null(j);
        assert_int_equal(rl_stats_int(j, "connections_open"), MAXCONN);
        assert_int_equal(rl_stats_int(j, "connections_rejected"), rejected_total);
        json_decref(j);
        rl_response_free(&r);
        for (int i = 0; i < NFLOOD; i++)
            if (f[i].status == 200 && !get_a_txt(&f[i].c, false, why, sizeof(why)))
                fail_msg("admitted client %d, second request: %s", i, why);

        /* They go; new clients are served again once the server has seen
         * them leave. */
        for (int i = 0; i < NFLOOD; i++)
            rl_conn_close(&f[i].c);
        wait_until_alone(s->port, &rejected_total);
        run_normal_clients(s->port);
        wait_until_alone(s->port, &rejected_total);     /* they are gone too */
    }
    json_t *j = rl_stats(s->port);
    assert_non_null(j);
    assert_int_equal(rl_stats_int(j, "connections_rejected"), rejected_total);
    assert_int_equal(rl_stats_int(j, "connections_open"), 1);
    json_decref(j);
    expect_alive(s->port);
    rl_expect_clean_stop(s);
}

/* --- resets in the middle of a large response ------------------------------------ */

enum { NRESET_THREADS = 8, NRESET_EACH = 12 };

struct resetter {
    int port, id;
    long sent;                  /* requests sent, then reset */
    long answered;              /* of those, how many saw response bytes first */
    char why[200];
};

static void *reset_main(void *arg)
{
    struct resetter *rs = arg;
    for (int i = 0; i < NRESET_EACH; i++) {
        struct rl_conn c;
        if (rl_conn_open(&c, rs->port) < 0) {
            snprintf(rs->why, sizeof(rs->why), "connect failed");
            return NULL;
        }
        const char *path = (i + rs->id) % 2 ? "/big8.bin" : "/big9.bin";
        char raw[128];
        snprintf(raw, sizeof(raw), "GET %s HTTP/1.1\r\nHost: t\r\n\r\n", path);
        if (rl_conn_sendstr(&c, raw) != 0) {
            snprintf(rs->why, sizeof(rs->why), "send failed");
            rl_conn_close(&c);
            return NULL;
        }
        rs->sent++;
        int mode = (i + rs->id) % 3;
        if (mode > 0) {
            /* 1: wait for the first bytes; 2: take about 256 KiB. */
            size_t want = mode == 1 ? 1 : 256 * 1024, got = 0;
            char buf[16384];
            while (got < want) {
                struct pollfd p = { .fd = c.fd, .events = POLLIN };
                if (poll(&p, 1, RL_IO_TIMEOUT_MS) <= 0)
                    break;
                ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
                if (n <= 0)
                    break;
                got += (size_t)n;
            }
            if (got < want) {
                snprintf(rs->why, sizeof(rs->why), "only %zu response bytes", got);
                rl_conn_close(&c);
                return NULL;
            }
            rs->answered++;
        }
        /* Mode 0 resets right after asking. */
        struct linger lg = { .l_onoff = 1, .l_linger = 0 };
        setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        rl_conn_close(&c);          /* RST, not FIN */
    }
    return NULL;
}

static void expect_big(int port, const char *path, const char *data, size_t len)
{
    struct rl_response r;
    rl_expect_status(rl_get(port, path, &r), &r, 200);
    assert_int_equal(r.content_length, (long)len);
    assert_int_equal(r.body_len, len);
    assert_true(memcmp(r.body, data, len) == 0);
    rl_response_free(&r);
}

static void test_hostile_reset_mid_response(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--threads", "4", "--cache-mb", "64", NULL };
    if (rl_write_file(s, "big8.bin", big8, BIG8_LEN) < 0
        || rl_write_file(s, "big9.bin", big9, BIG9_LEN) < 0)
        fail_msg("cannot write the large files");
    start(s, args);

    int polls = 0;
    json_t *s0 = rl_stats(s->port);
    assert_non_null(s0);
    polls++;
    struct resetter rs[NRESET_THREADS];
    pthread_t th[NRESET_THREADS];
    for (int i = 0; i < NRESET_THREADS; i++) {
        rs[i] = (struct resetter){ .port = s->port, .id = i };
        assert_int_equal(pthread_create(&th[i], NULL, reset_main, &rs[i]), 0);
    }
    long sent = 0, answered = 0;
    for (int i = 0; i < NRESET_THREADS; i++) {
        pthread_join(th[i], NULL);
        sent += rs[i].sent;
        answered += rs[i].answered;
    }
    rl_expect_no_reports(s);
    for (int i = 0; i < NRESET_THREADS; i++)
        if (rs[i].why[0] != '\0')
            fail_msg("resetting client %d: %s", i, rs[i].why);
    assert_int_equal(sent, NRESET_THREADS * NRESET_EACH);

    /* Every reset connection is eventually closed, and the counters add up:
     * every connection counted once, every file request looked up in the
     * cache once, at most one request per reset client. */
    json_t *s1 = stats_when_open(s->port, 1, &polls);
    assert_int_equal(rl_stats_int(s1, "connections_open"), 1);
    assert_int_equal(rl_stats_int(s1, "connections_total") - rl_stats_int(s0, "connections_total"),
                     sent + polls - 1);
    assert_int_equal(rl_stats_int(s1, "connections_rejected"), 0);
    long long file_requests = rl_stats_int(s1, "requests") - rl_stats_int(s0, "requests")
                              - (polls - 1);
    long long lookups = rl_stats_int(s1, "cache_hits") + rl_stats_int(s1, "cache_misses")
                        - rl_stats_int(s0, "cache_hits") - rl_stats_int(s0, "cache_misses");
    assert_int_equal(lookups, file_requests);
    assert_true(file_requests >= answered);
    assert_true(file_requests <= sent);
    json_decref(s0);
    json_decref(s1);

    /* Whole files still come out whole. */
    expect_big(s->port, "/big8.bin", big8, BIG8_LEN);
    expect_big(s->port, "/big9.bin", big9, BIG9_LEN);
    expect_alive(s->port);
    rl_expect_clean_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_slowloris_does_not_starve_normal_clients,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_slowloris_gets_408_after_idle_timeout,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_flood_past_max_connections,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_hostile_reset_mid_response, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, group_teardown);
}
