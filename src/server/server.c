/* server.c - one acceptor/poller thread plus a pool of workers.
 *
 * The acceptor (the main thread) owns an epoll set holding the listening
 * socket and every idle connection, each registered EPOLLONESHOT.  When a
 * connection becomes readable the kernel disarms it and the acceptor hands
 * it to dispatch_submit(); a worker then owns it exclusively, reads and
 * answers every complete request in its buffer, and re-arms it (or closes
 * it).  A connection is therefore touched by one thread at a time, and
 * slow or idle clients never tie up a worker while they dawdle.
 *
 * LOCK ORDER: conns_lock is a leaf (never held while taking another lock).
 * conns_lock guards srv.conns, srv.nconns, srv.stopping and every
 * connection's busy, last_active and list links.  See docs/LOCKING.md.
 */
#include "server.h"

#include "accesslog.h"
#include "cache.h"
#include "dispatch.h"
#include "http.h"
#include "net.h"
#include "path.h"
#include "signals.h"
#include "stats.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define PATH_MAX_LEN 4096
/* Cached entries older than this are reloaded from disk, so that edits to
 * the served files show up within a second. */
#define CACHE_TTL_SECONDS 1

struct conn {
    int fd;
    struct sockaddr_in peer;
    char *in;                   /* bytes received, not yet answered */
    size_t in_len, in_cap;      /* owned by whoever holds the connection */
    double partial_since;       /* when the partial request in IN began
                                   to arrive (0: none); owner only */
    /* Protected by conns_lock. */
    bool busy;                  /* a worker owns it (disarmed in epoll) */
    double last_active;         /* monotonic seconds */
    struct conn *prev, *next;
};

static struct {
    const struct server_options *opt;
    struct http_limits limits;
    int root_fd, listen_fd, epoll_fd, stop_fd;
    size_t max_cached_object;   /* larger files are streamed from disk */

    pthread_mutex_t conns_lock;
    /* Protected by conns_lock. */
    struct conn *conns;
    int nconns;
    bool stopping;
} srv = { .conns_lock = PTHREAD_MUTEX_INITIALIZER, .stop_fd = -1 };

/* epoll_event.data.ptr for the two descriptors that are not connections. */
static char listen_marker, stop_marker;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void server_request_stop(int signo)
{
    (void)signo;
    uint64_t one = 1;
    if (srv.stop_fd >= 0) {
        ssize_t w = write(srv.stop_fd, &one, sizeof(one));
        (void)w;    /* the counter only overflows after 2^64 signals */
    }
}

/* --- writing ---------------------------------------------------------- */

/* Waits until FD is writable, at most the idle timeout. */
static bool wait_writable(int fd)
{
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    int rc;
    do {
        rc = poll(&p, 1, srv.opt->idle_timeout * 1000);
    } while (rc < 0 && errno == EINTR);
    return rc > 0 && !(p.revents & (POLLERR | POLLNVAL));
}

/* Writes all of IOV (advancing it) to the non-blocking socket FD. */
static bool send_all(int fd, struct iovec *iov, int iovcnt)
{
    while (iovcnt > 0) {
        struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)iovcnt };
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN && wait_writable(fd))
                continue;
            return false;
        }
        while (iovcnt > 0 && (size_t)n >= iov->iov_len) {
            n -= (ssize_t)iov->iov_len;
            iov++;
            iovcnt--;
        }
        if (iovcnt > 0) {
            iov->iov_base = (char *)iov->iov_base + n;
            iov->iov_len -= (size_t)n;
        }
    }
    return true;
}

/* Streams LEN bytes of FILE_FD to the socket FD with sendfile(2). */
static bool send_file(int fd, int file_fd, size_t len)
{
    off_t off = 0;
    while ((size_t)off < len) {
        ssize_t n = sendfile(fd, file_fd, &off, len - (size_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN && wait_writable(fd))
                continue;
            return false;
        }
        if (n == 0)
            return false;   /* the file shrank under us */
    }
    return true;
}

static bool send_response(struct conn *c, int status, const char *ctype,
                          const char *body, size_t len, bool head_only,
                          bool keep_alive, const char *extra)
{
    char head[512];
    size_t hlen = http_format_head(head, sizeof(head), status, ctype, len,
                                   keep_alive, extra);
    struct iovec iov[2] = {
        { .iov_base = head, .iov_len = hlen },
        { .iov_base = (void *)body, .iov_len = head_only ? 0 : len },
    };
    return hlen > 0 && send_all(c->fd, iov, 2);
}

/* An error page.  Never echoes request bytes back.  Counts the response
 * in stats before sending it, like every response (see serve_file). */
static bool send_error(struct conn *c, int status, bool head_only,
                       bool keep_alive, const char *extra)
{
    stats_count(STATS_REQUEST);
    char body[128];
    int n = snprintf(body, sizeof(body), "<h1>%d %s</h1>\n", status,
                     http_status_text(status));
    return send_response(c, status, "text/html; charset=utf-8", body,
                         (size_t)n, head_only, keep_alive, extra);
}

/* --- request handling --------------------------------------------------- */

/* Opens REL under the root, following a directory to its index.html.
 * Returns an fd and fills *ST and *NAME (the file's own name, for its
 * Content-Type), or returns -1 and fills *STATUS. */
static int open_file(const char *rel, struct stat *st, char *name,
                     size_t namelen, int *status)
{
    int fd = path_open_beneath(srv.root_fd, rel, O_RDONLY | O_NONBLOCK);
    snprintf(name, namelen, "%s", rel);
    if (fd >= 0 && fstat(fd, st) == 0 && S_ISDIR(st->st_mode)) {
        int dfd = fd;
        fd = path_open_beneath(dfd, "index.html", O_RDONLY | O_NONBLOCK);
        close(dfd);
        snprintf(name, namelen, "index.html");
        if (fd == -ENOENT) {
            *status = 403;      /* no directory listings */
            return -1;
        }
    }
    if (fd < 0) {
        *status = (fd == -ENOENT || fd == -ENOTDIR) ? 404 : 403;
        return -1;
    }
    if (fstat(fd, st) < 0 || !S_ISREG(st->st_mode)) {
        close(fd);
        *status = 403;
        return -1;
    }
    return fd;
}

/* Reads the whole of FD (LEN bytes) into a new buffer. */
static char *read_file(int fd, size_t len)
{
    char *buf = malloc(len ? len : 1);
    size_t got = 0;
    while (buf != NULL && got < len) {
        ssize_t n = pread(fd, buf + got, len - got, (off_t)got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            return NULL;
        }
        got += (size_t)n;
    }
    return buf;
}

/* Answers one GET or HEAD for the file at REL.  Returns the status sent
 * and whether the connection may stay open in *OK. */
static int serve_file(struct conn *c, const char *rel, bool head_only,
                      bool keep_alive, size_t *sent, bool *ok)
{
    struct cache_entry *e = cache_get(rel);
    if (e != NULL && time(NULL) - cache_entry_loaded_at(e) > CACHE_TTL_SECONDS) {
        cache_release(e);
        cache_invalidate(rel);
        e = NULL;
    }
    if (e == NULL) {
        struct stat st;
        char name[PATH_MAX_LEN];
        int status;
        int fd = open_file(rel, &st, name, sizeof(name), &status);
        if (fd < 0) {
            *ok = send_error(c, status, head_only, keep_alive, NULL);
            *sent = 0;
            return status;
        }
        size_t len = (size_t)st.st_size;
        const char *ctype = http_content_type(name);
        if (len > srv.max_cached_object || srv.opt->cache_bytes == 0) {
            char head[512];
            size_t hlen = http_format_head(head, sizeof(head), 200, ctype, len,
                                           keep_alive, NULL);
            struct iovec iov = { .iov_base = head, .iov_len = hlen };
            stats_count(STATS_REQUEST);
            *ok = send_all(c->fd, &iov, 1) && (head_only || send_file(c->fd, fd, len));
            close(fd);
            *sent = head_only ? 0 : len;
            return 200;
        }
        char *data = read_file(fd, len);
        close(fd);
        if (data == NULL) {
            send_error(c, 500, head_only, false, NULL);
            *ok = false;
            *sent = 0;
            return 500;
        }
        e = cache_put(rel, data, len, ctype, time(NULL));
        if (e == NULL) {
            send_error(c, 500, head_only, false, NULL);
            *ok = false;
            *sent = 0;
            return 500;
        }
    }
    size_t len;
    const char *data = cache_entry_data(e, &len);
    /* Counted before the bytes go out: a client that has its response
     * must already find it in /-/stats. */
    stats_count(STATS_REQUEST);
    *ok = send_response(c, 200, cache_entry_content_type(e), data, len,
                        head_only, keep_alive, NULL);
    cache_release(e);
    *sent = head_only ? 0 : len;
    return 200;
}

/* Answers the parsed request REQ.  Returns false when the connection must
 * close afterwards. */
static bool handle_request(struct conn *c, const struct http_request *req)
{
    bool head_only = (req->method == HTTP_HEAD);
    bool keep = req->keep_alive;
    bool ok;
    int status;
    size_t sent = 0;
    char rel[PATH_MAX_LEN];

    if (req->method == HTTP_OTHER) {
        status = 405;
        ok = send_error(c, status, false, keep, "Allow: GET, HEAD\r\n");
    } else if ((status = path_from_target(req->target, req->target_len,
                                          rel, sizeof(rel))) != 0) {
        ok = send_error(c, status, head_only, keep, NULL);
    } else if (strcmp(rel, "-/stats") == 0) {
        char body[1024];
        int n = stats_format_json(body, sizeof(body));
        status = n < 0 ? 500 : 200;
        stats_count(STATS_REQUEST);
        ok = send_response(c, status, "application/json", body,
                           n < 0 ? 0 : (size_t)n, head_only, keep,
                           "Cache-Control: no-store\r\n");
        sent = n < 0 ? 0 : (size_t)n;
    } else if (strncmp(rel, "-/", 2) == 0 || strcmp(rel, "-") == 0) {
        status = 404;       /* "/-/" belongs to the server, never to files */
        ok = send_error(c, status, head_only, keep, NULL);
    } else {
        status = serve_file(c, rel, head_only, keep, &sent, &ok);
    }

    char method[16], target[1024];
    snprintf(method, sizeof(method), "%.*s", (int)req->method_len, req->method_name);
    snprintf(target, sizeof(target), "%.*s", (int)req->target_len, req->target);
    accesslog_write(&c->peer, method, target, req->version_minor, status, sent);
    return ok && keep;
}

/* --- connections -------------------------------------------------------- */

/* Closes C, which the caller owns (a worker, or the acceptor for an idle
 * connection it has already unlinked). */
static void conn_free(struct conn *c)
{
    /* Counted before the peer can see the close: a client that has read
     * EOF and then asks /-/stats must not find itself still open. */
    stats_count(STATS_CONN_CLOSED);
    close(c->fd);       /* also removes it from the epoll set */
    free(c->in);
    free(c);
}

static void conn_close(struct conn *c)
{
    pthread_mutex_lock(&srv.conns_lock);
    if (c->prev) c->prev->next = c->next; else srv.conns = c->next;
    if (c->next) c->next->prev = c->prev;
    srv.nconns--;
    pthread_mutex_unlock(&srv.conns_lock);
    conn_free(c);
}

/* Hands C back to the acceptor: idle again, armed for its next input. */
static void conn_rearm(struct conn *c)
{
    pthread_mutex_lock(&srv.conns_lock);
    if (srv.stopping) {
        pthread_mutex_unlock(&srv.conns_lock);
        conn_close(c);
        return;
    }
    c->busy = false;
    c->last_active = now_seconds();
    if (c->in_len == 0)
        c->partial_since = 0;
    else if (c->partial_since == 0)
        c->partial_since = c->last_active;
    /* Re-armed under conns_lock so the acceptor cannot reap and close the
     * fd (and the kernel reuse the number) between the two steps. */
    struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT,
                              .data.ptr = c };
    int rc = epoll_ctl(srv.epoll_fd, EPOLL_CTL_MOD, c->fd, &ev);
    pthread_mutex_unlock(&srv.conns_lock);
    if (rc < 0) {
        pthread_mutex_lock(&srv.conns_lock);
        c->busy = true;
        pthread_mutex_unlock(&srv.conns_lock);
        conn_close(c);
    }
}

/* Grows C's input buffer; false when it is already at its limit. */
static bool conn_grow(struct conn *c)
{
    size_t limit = srv.limits.max_header_bytes + srv.limits.max_body_bytes + 1;
    if (c->in_cap >= limit)
        return false;
    size_t cap = c->in_cap ? c->in_cap * 2 : 4096;
    if (cap > limit)
        cap = limit;
    char *p = realloc(c->in, cap);
    if (p == NULL)
        return false;
    c->in = p;
    c->in_cap = cap;
    return true;
}

/* Answers every complete request in C's buffer.  Returns false when the
 * connection must close. */
static bool conn_process(struct conn *c)
{
    while (c->in_len > 0) {
        struct http_request req;
        int rc = http_parse_request(c->in, c->in_len, &srv.limits, &req);
        if (rc == 0)
            return true;            /* incomplete: wait for more */
        if (rc < 0) {
            send_error(c, -rc, false, false, NULL);
            return false;
        }
        size_t total = req.head_len + req.content_length;
        if (c->in_len < total)
            return true;            /* the body is still on its way */
        bool keep = handle_request(c, &req);
        memmove(c->in, c->in + total, c->in_len - total);
        c->in_len -= total;
        c->partial_since = 0;       /* what is left is a new request */
        if (!keep)
            return false;
    }
    return true;
}

/* The dispatch_serve_fn: a worker owns C until it re-arms or closes it. */
static void conn_serve(void *arg)
{
    struct conn *c = arg;
    for (;;) {
        if (c->in_len == c->in_cap && !conn_grow(c)) {
            /* Full buffer and still no complete head: too large. */
            send_error(c, 431, false, false, NULL);
            conn_close(c);
            return;
        }
        ssize_t n = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, 0);
        if (n > 0) {
            c->in_len += (size_t)n;
            if (!conn_process(c)) {
                conn_close(c);
                return;
            }
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            /* A head trickled in a byte at a time is never idle for long
             * (slowloris): a request gets the idle timeout as a whole. */
            if (c->in_len > 0 && c->partial_since > 0
                && now_seconds() - c->partial_since >= srv.opt->idle_timeout) {
                send_error(c, 408, false, false, NULL);
                conn_close(c);
                return;
            }
            conn_rearm(c);
            return;
        }
        conn_close(c);      /* EOF or error */
        return;
    }
}

/* --- the acceptor ------------------------------------------------------- */

static void accept_ready(void)
{
    for (;;) {
        struct sockaddr_in peer;
        socklen_t plen = sizeof(peer);
        int fd = accept4(srv.listen_fd, (struct sockaddr *)&peer, &plen,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN)
                fprintf(stderr, "racelab-server: accept: %s\n", strerror(errno));
            return;
        }
        pthread_mutex_lock(&srv.conns_lock);
        bool full = srv.nconns >= srv.opt->max_connections;
        pthread_mutex_unlock(&srv.conns_lock);
        if (full) {
            static const char busy[] =
                "HTTP/1.1 503 Service Unavailable\r\nServer: racelab\r\n"
                "Content-Type: text/html; charset=utf-8\r\nContent-Length: 32\r\n"
                "Retry-After: 1\r\nConnection: close\r\n\r\n"
                "<h1>503 Service Unavailable</h1>";
            ssize_t w = send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL);
            (void)w;    /* best effort: the socket buffer is empty */
            close(fd);
            stats_count(STATS_CONN_REJECTED);
            continue;
        }
        struct conn *c = calloc(1, sizeof(*c));
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->fd = fd;
        c->peer = peer;
        c->last_active = now_seconds();
        stats_count(STATS_CONN_OPENED);
        pthread_mutex_lock(&srv.conns_lock);
        c->next = srv.conns;
        if (srv.conns) srv.conns->prev = c;
        srv.conns = c;
        srv.nconns++;
        pthread_mutex_unlock(&srv.conns_lock);
        struct epoll_event ev = { .events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT,
                                  .data.ptr = c };
        if (epoll_ctl(srv.epoll_fd, EPOLL_CTL_ADD, fd, &ev) < 0)
            conn_close(c);
    }
}

/* Hands a readable connection to a worker. */
static void submit(struct conn *c)
{
    pthread_mutex_lock(&srv.conns_lock);
    c->busy = true;
    pthread_mutex_unlock(&srv.conns_lock);
    if (dispatch_submit(c) < 0)
        conn_close(c);
}

/* Closes idle connections: those idle past the timeout, or, when ALL is
 * set (shutdown), every idle one.  One whose next request has already
 * arrived is answered first, not dropped. */
static void reap_idle(bool all)
{
    double now = now_seconds();
    struct conn *doomed = NULL;
    struct conn **ready = NULL;
    size_t nready = 0;

    pthread_mutex_lock(&srv.conns_lock);
    for (struct conn *c = srv.conns, *next; c != NULL; c = next) {
        next = c->next;
        if (c->busy || (!all && now - c->last_active < srv.opt->idle_timeout))
            continue;
        /* Bytes that arrived since the last epoll_wait() are a request in
         * flight (its event is on its way): answer it, don't drop it. */
        int pending = 0;
        if (ioctl(c->fd, FIONREAD, &pending) == 0 && pending > 0) {
            if (ready == NULL)
                ready = calloc((size_t)srv.nconns + 1, sizeof(*ready));
            if (ready != NULL) {
                c->busy = true;
                ready[nready++] = c;
                continue;
            }
        }
        epoll_ctl(srv.epoll_fd, EPOLL_CTL_DEL, c->fd, NULL);
        if (c->prev) c->prev->next = c->next; else srv.conns = c->next;
        if (c->next) c->next->prev = c->prev;
        srv.nconns--;
        c->next = doomed;
        doomed = c;
    }
    pthread_mutex_unlock(&srv.conns_lock);

    while (doomed != NULL) {
        struct conn *c = doomed;
        doomed = c->next;
        if (c->in_len > 0) {        /* half a request: tell them why */
            send_error(c, 408, false, false, NULL);
        }
        conn_free(c);
    }
    /* Submitted outside conns_lock: dispatch_submit() may block on a full
     * queue, and workers need conns_lock to finish. */
    for (size_t i = 0; i < nready; i++)
        if (dispatch_submit(ready[i]) < 0)
            conn_close(ready[i]);
    free(ready);
}

static void poll_loop(void)
{
    struct epoll_event events[256];
    double last_reap = now_seconds();
    for (;;) {
        int n = epoll_wait(srv.epoll_fd, events, 256, 500);
        if (n < 0 && errno != EINTR) {
            fprintf(stderr, "racelab-server: epoll_wait: %s\n", strerror(errno));
            return;
        }
        for (int i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            if (p == &stop_marker)
                return;
            if (p == &listen_marker)
                accept_ready();
            else
                submit(p);
        }
        double now = now_seconds();
        if (now - last_reap >= 1.0) {
            reap_idle(false);
            last_reap = now;
        }
    }
}

static int epoll_add(int fd, void *ptr)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };
    return epoll_ctl(srv.epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

int server_run(const struct server_options *opt)
{
    char err[256];
    int bound_port;

    srv.opt = opt;
    srv.limits = (struct http_limits){
        .max_request_line = opt->max_request_line,
        .max_header_bytes = opt->max_header_bytes,
        .max_body_bytes = opt->max_body_bytes,
    };
    /* One file may take at most an eighth of the cache, so that a few large
     * files cannot flush everything else. */
    srv.max_cached_object = opt->cache_bytes / 8;

    srv.root_fd = open(opt->root, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (srv.root_fd < 0) {
        fprintf(stderr, "racelab-server: --root %s: %s\n", opt->root, strerror(errno));
        return 1;
    }
    if (accesslog_open(opt->access_log) < 0) {
        fprintf(stderr, "racelab-server: --access-log %s: %s\n", opt->access_log,
                strerror(errno));
        close(srv.root_fd);
        return 1;
    }
    srv.listen_fd = net_listen(opt->host, opt->port, opt->backlog, &bound_port,
                               err, sizeof(err));
    if (srv.listen_fd < 0) {
        fprintf(stderr, "racelab-server: %s\n", err);
        accesslog_close();
        close(srv.root_fd);
        return 1;
    }
    srv.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    srv.stop_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (srv.epoll_fd < 0 || srv.stop_fd < 0 || epoll_add(srv.listen_fd, &listen_marker) < 0
        || epoll_add(srv.stop_fd, &stop_marker) < 0) {
        fprintf(stderr, "racelab-server: epoll setup: %s\n", strerror(errno));
        return 1;
    }
    stats_init();
    cache_init(opt->cache_bytes);
    if (signals_start(server_request_stop) < 0) {
        fprintf(stderr, "racelab-server: signals: %s\n", strerror(errno));
        return 1;
    }
    if (dispatch_start(opt->threads, conn_serve) < 0) {
        fprintf(stderr, "racelab-server: starting %d workers: %s\n", opt->threads,
                strerror(errno));
        signals_stop();
        return 1;
    }

    printf("listening on %s:%d\n", opt->host, bound_port);
    fflush(stdout);

    poll_loop();

    /* Graceful shutdown: no new connections, answer what already arrived,
     * close the idle ones, let the workers drain, join everyone. */
    epoll_ctl(srv.epoll_fd, EPOLL_CTL_DEL, srv.listen_fd, NULL);
    close(srv.listen_fd);
    pthread_mutex_lock(&srv.conns_lock);
    srv.stopping = true;
    pthread_mutex_unlock(&srv.conns_lock);
    reap_idle(true);
    dispatch_stop();
    while (srv.conns != NULL)       /* only reachable if a worker failed */
        conn_close(srv.conns);
    signals_stop();

    cache_destroy();
    stats_destroy();
    accesslog_close();
    close(srv.epoll_fd);
    close(srv.stop_fd);
    close(srv.root_fd);
    return 0;
}
