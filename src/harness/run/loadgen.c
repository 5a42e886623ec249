/* loadgen.c - concurrent HTTP clients that verify every response. */
#include "loadgen.h"
#include "docroot.h"
#include "http_client.h"
#include "harness_util.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum req_kind { REQ_FILE, REQ_HEAD, REQ_MISSING, REQ_STATS, REQ_INDEX,
                REQ_PATH };

struct cfg {
    int port, clients;
    double duration, timeout;
    const char *profile;
    unsigned long seed;
    unsigned nfiles;
    struct strvec paths;
};

static struct cfg cfg;
static double deadline;
static atomic_llong n_requests, n_responses, n_errors, n_wrong, n_inflight;
static atomic_llong max_us;
static atomic_uchar *fetched;           /* per file (+ index): got a 200 */
static pthread_mutex_t note_lock = PTHREAD_MUTEX_INITIALIZER;
static char first_error[240];           /* guarded by note_lock */
static char slow_req[160];              /* guarded by note_lock */

bool loadgen_profile_known(const char *name)
{
    return strcmp(name, "mixed") == 0 || strcmp(name, "stats") == 0 ||
           strcmp(name, "close") == 0 || strcmp(name, "hits") == 0 ||
           strcmp(name, "paths") == 0;
}

/* splitmix64: tiny, seedable, good enough to pick requests. */
static uint64_t next_rand(uint64_t *s)
{
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static void note_error(atomic_llong *counter, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_error(atomic_llong *counter, const char *fmt, ...)
{
    va_list ap;

    atomic_fetch_add(counter, 1);
    pthread_mutex_lock(&note_lock);
    if (!first_error[0]) {
        va_start(ap, fmt);
        vsnprintf(first_error, sizeof first_error, fmt, ap);
        va_end(ap);
    }
    pthread_mutex_unlock(&note_lock);
}

struct request {
    enum req_kind kind;
    unsigned file;
    bool close;
    char path[128];
};

static void pick(uint64_t *rng, unsigned long count, struct request *rq)
{
    const char *p = cfg.profile;
    unsigned r = (unsigned)(next_rand(rng) % 100);
    /* Half the file requests go to 16 hot files, so the cache has hits;
     * the rest spread over a set larger than the cache (misses, evictions). */
    unsigned hot = cfg.nfiles < 16 ? cfg.nfiles : 16;
    unsigned file = (next_rand(rng) & 1) ? (unsigned)(next_rand(rng) % hot)
                                         : (unsigned)(next_rand(rng) % cfg.nfiles);

    memset(rq, 0, sizeof *rq);
    rq->file = file;
    rq->kind = REQ_FILE;
    if (strcmp(p, "paths") == 0) {
        rq->kind = REQ_PATH;
        snprintf(rq->path, sizeof rq->path, "%s",
                 cfg.paths.v[next_rand(rng) % cfg.paths.n]);
        return;
    }
    if (strcmp(p, "hits") == 0) {
        rq->file = (unsigned)(next_rand(rng) % DOCROOT_SMALL);
    } else if (strcmp(p, "stats") == 0 && count % 10 == 9) {
        rq->kind = REQ_STATS;
    } else {
        if (r < 55)
            rq->kind = REQ_FILE;
        else if (r < 70) {
            rq->kind = REQ_FILE;
            rq->close = true;
        } else if (r < 80)
            rq->kind = REQ_HEAD;
        else if (r < 90)
            rq->kind = REQ_MISSING;
        else if (r < 94)
            rq->kind = REQ_STATS;
        else
            rq->kind = REQ_INDEX;
    }
    if (strcmp(p, "close") == 0)
        rq->close = true;
    switch (rq->kind) {
    case REQ_FILE:
    case REQ_HEAD:
        snprintf(rq->path, sizeof rq->path, "/f/%u.html", rq->file);
        break;
    case REQ_MISSING:
        snprintf(rq->path, sizeof rq->path, "/missing/%u.html", rq->file);
        break;
    case REQ_STATS:
        snprintf(rq->path, sizeof rq->path, "/-/stats");
        break;
    case REQ_INDEX:
        snprintf(rq->path, sizeof rq->path, "/index.html");
        break;
    case REQ_PATH:
        break;
    }
}

/* Checks a response against what the docroot says it must be. */
static void verify(const struct request *rq, const struct http_resp *r,
                   char *scratch)
{
    const char *m = rq->kind == REQ_HEAD ? "HEAD" : "GET";

    if (rq->kind == REQ_PATH)
        return;
    if (r->status == 503)
        return;         /* over --max-connections: an allowed refusal */
    if (rq->kind == REQ_MISSING) {
        if (r->status != 404)
            note_error(&n_wrong, "GET %s: status %d, expected 404", rq->path,
                       r->status);
        return;
    }
    if (r->status != 200) {
        note_error(&n_wrong, "%s %s: status %d, expected 200", m, rq->path,
                   r->status);
        return;
    }
    if (rq->kind == REQ_STATS) {
        if (!r->body || r->body[0] != '{')
            note_error(&n_wrong, "GET /-/stats: body is not a JSON object");
        return;
    }
    if (rq->kind == REQ_INDEX) {
        size_t len;
        char *want = docroot_index(cfg.nfiles, &len);
        if (r->body_len != len || memcmp(r->body, want, len) != 0)
            note_error(&n_wrong, "GET /index.html: body differs from the file");
        else
            atomic_store(&fetched[cfg.nfiles], 1);
        free(want);
        return;
    }
    size_t want = docroot_size(rq->file);
    if (r->content_length != (long)want) {
        note_error(&n_wrong, "%s %s: Content-Length %ld, file has %zu bytes", m,
                   rq->path, r->content_length, want);
        return;
    }
    atomic_store(&fetched[rq->file], 1);
    if (rq->kind == REQ_HEAD)
        return;
    docroot_fill(rq->file, scratch, want);
    if (r->body_len != want || memcmp(r->body, scratch, want) != 0) {
        size_t i = 0;
        while (i < r->body_len && i < want && r->body[i] == scratch[i])
            i++;
        note_error(&n_wrong, "GET %s: body differs from the file at byte %zu",
                   rq->path, i);
    }
}

static void *client(void *arg)
{
    uintptr_t id = (uintptr_t)arg;
    uint64_t rng = cfg.seed * 1000003u + id * 7919u + 1;
    struct http_conn *c = xmalloc(sizeof *c);
    char *scratch = xmalloc(65536);
    char err[200], req[512];
    unsigned long count = 0;

    c->fd = -1;
    while (now_mono() < deadline) {
        struct request rq;
        struct http_resp r;
        double t0;
        int rc = HTTP_ERR, tries;

        pick(&rng, count++, &rq);
        int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                         "User-Agent: racelab/%lu\r\n%s\r\n",
                         rq.kind == REQ_HEAD ? "HEAD" : "GET", rq.path,
                         (unsigned long)id, rq.close ? "Connection: close\r\n" : "");
        atomic_fetch_add(&n_requests, 1);
        atomic_fetch_add(&n_inflight, 1);
        t0 = now_mono();
        /* A reused keep-alive connection may have been closed by the
         * server (idle timeout): that is not an error, retry once fresh. */
        for (tries = 0; tries < 2; tries++) {
            bool reused = c->fd >= 0;
            if (c->fd < 0 &&
                http_connect(c, cfg.port, cfg.timeout, err, sizeof err) != HTTP_OK) {
                rc = HTTP_ERR;
                break;
            }
            rc = http_send(c, req, (size_t)n, err, sizeof err);
            if (rc == HTTP_OK)
                rc = http_read(c, rq.kind == REQ_HEAD, &r, err, sizeof err);
            if (rc == HTTP_EOF && reused) {
                http_close(c);
                continue;
            }
            break;
        }
        atomic_fetch_sub(&n_inflight, 1);
        if (rc != HTTP_OK) {
            if (rc == HTTP_EOF)
                snprintf(err, sizeof err, "connection closed without a response");
            note_error(&n_errors, "%s %s: %s", rq.kind == REQ_HEAD ? "HEAD" : "GET",
                       rq.path, err);
            http_close(c);
            /* Do not spin on a dead server. */
            sleep_seconds(0.01);
            continue;
        }
        long long us = (long long)((now_mono() - t0) * 1e6);
        long long prev = atomic_load(&max_us);
        while (us > prev && !atomic_compare_exchange_weak(&max_us, &prev, us))
            ;
        if (us > prev) {
            pthread_mutex_lock(&note_lock);
            if (us >= atomic_load(&max_us))
                snprintf(slow_req, sizeof slow_req, "%s %s",
                         rq.kind == REQ_HEAD ? "HEAD" : "GET", rq.path);
            pthread_mutex_unlock(&note_lock);
        }
        atomic_fetch_add(&n_responses, 1);
        verify(&rq, &r, scratch);
        http_resp_free(&r);
        if (r.close || rq.close)
            http_close(c);
    }
    http_close(c);
    free(c);
    free(scratch);
    return NULL;
}

static void report(FILE *out, char kind)
{
    if (kind == 'p') {
        fprintf(out, "p %lld %lld\n", atomic_load(&n_responses),
                atomic_load(&n_inflight));
    } else {
        long long distinct = 0;
        for (unsigned i = 0; i <= cfg.nfiles; i++)
            distinct += atomic_load(&fetched[i]);
        pthread_mutex_lock(&note_lock);
        /* Free text goes last: the parser takes the rest of the line. */
        fprintf(out, "r requests=%lld responses=%lld errors=%lld wrong=%lld "
                "distinct=%lld max_ms=%lld slow=%s|error=%s\n",
                atomic_load(&n_requests), atomic_load(&n_responses),
                atomic_load(&n_errors), atomic_load(&n_wrong), distinct,
                atomic_load(&max_us) / 1000, slow_req[0] ? slow_req : "-",
                first_error);
        pthread_mutex_unlock(&note_lock);
    }
    /* A failed flush means racelab closed the pipe (it is gone or stopped
     * the run): nobody is left to tell. */
    fflush(out);
}

int loadgen_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"port", required_argument, 0, 'p'},
        {"clients", required_argument, 0, 'c'},
        {"duration", required_argument, 0, 'd'},
        {"timeout", required_argument, 0, 't'},
        {"profile", required_argument, 0, 'P'},
        {"seed", required_argument, 0, 's'},
        {"files", required_argument, 0, 'f'},
        {"path", required_argument, 0, 'u'},
        {0, 0, 0, 0}};
    pthread_t *threads;
    bool *joined;
    int o;

    cfg.clients = 8;
    cfg.duration = 2;
    cfg.timeout = 60;
    cfg.profile = "mixed";
    cfg.nfiles = DOCROOT_MIN_FILES;
    sv_init(&cfg.paths);
    optind = 1;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case 'p': cfg.port = atoi(optarg); break;
        case 'c': cfg.clients = atoi(optarg); break;
        case 'd': cfg.duration = atof(optarg); break;
        case 't': cfg.timeout = atof(optarg); break;
        case 'P': cfg.profile = optarg; break;
        case 's': cfg.seed = strtoul(optarg, NULL, 10); break;
        case 'f': cfg.nfiles = (unsigned)atoi(optarg); break;
        case 'u': sv_push(&cfg.paths, optarg); break;
        default: return 2;
        }
    }
    if (cfg.port <= 0 || cfg.clients <= 0 || cfg.nfiles == 0 ||
        !loadgen_profile_known(cfg.profile) ||
        (strcmp(cfg.profile, "paths") == 0 && cfg.paths.n == 0)) {
        fprintf(stderr, "racelab __loadgen: bad arguments\n");
        return 2;
    }
    fetched = xcalloc(cfg.nfiles + 1, sizeof *fetched);   /* + index */
    threads = xcalloc((size_t)cfg.clients, sizeof *threads);
    deadline = now_mono() + cfg.duration;
    for (int i = 0; i < cfg.clients; i++) {
        int e = pthread_create(&threads[i], NULL, client, (void *)(uintptr_t)i);
        if (e) {
            fprintf(stderr, "racelab __loadgen: pthread_create: %s\n", strerror(e));
            return 1;
        }
    }
    /* Progress ticks until every client has finished its last request. */
    joined = xcalloc((size_t)cfg.clients, sizeof *joined);
    for (;;) {
        int left = 0;
        for (int i = 0; i < cfg.clients; i++) {
            if (!joined[i] && pthread_tryjoin_np(threads[i], NULL) == 0)
                joined[i] = true;
            left += !joined[i];
        }
        if (left == 0)
            break;
        report(stdout, 'p');
        sleep_seconds(0.1);
    }
    report(stdout, 'p');
    report(stdout, 'r');
    return 0;
}

void loadgen_parse_result(const char *line, struct load_result *r)
{
    const char *p;

    memset(r, 0, sizeof *r);
    if (strncmp(line, "r ", 2) != 0)
        return;
    r->have = true;
    sscanf(line, "r requests=%lld responses=%lld errors=%lld wrong=%lld "
           "distinct=%lld max_ms=%lld", &r->requests, &r->responses, &r->errors,
           &r->wrong, &r->distinct, &r->max_ms);
    p = strstr(line, " slow=");
    if (p) {
        p += 6;
        size_t n = strcspn(p, "|");
        if (n >= sizeof r->slow_req)
            n = sizeof r->slow_req - 1;
        memcpy(r->slow_req, p, n);
        r->slow_req[n] = '\0';
    }
    p = strstr(line, "|error=");
    if (p) {
        snprintf(r->first_error, sizeof r->first_error, "%s", p + 7);
        r->first_error[strcspn(r->first_error, "\n")] = '\0';
    }
}
