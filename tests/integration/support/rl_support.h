/* rl_support.h - running a real racelab-server for the integration tests
 * and talking to it byte for byte.
 *
 * The server under test is $RACELAB_SERVER_EXE when set (scenario variants
 * reuse the suite that way), else the racelab-server of the same build
 * folder (RL_DEFAULT_SERVER, a compile definition).  Every server runs in
 * its own temp dir:
 *
 *   <dir>/root/     the document root tests fill (rl_write_file())
 *   <dir>/stdout    the server's stdout ("listening on HOST:PORT" first)
 *   <dir>/stderr    the server's stderr
 *   <dir>/tsan.PID  a ThreadSanitizer report, if there is one
 *   <dir>/asan.PID  an AddressSanitizer report, if there is one
 *
 * rl_server_stop() sends SIGTERM and reaps; rl_server_destroy() kills
 * whatever is still running, reaps it and removes the temp dir, so call it
 * from every teardown.
 */
#ifndef RL_SUPPORT_H
#define RL_SUPPORT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <jansson.h>

/* Generous: sanitizer builds are slow to start and to answer. */
#define RL_IO_TIMEOUT_MS 15000
#define RL_START_TIMEOUT_MS 20000
#define RL_STOP_TIMEOUT_MS 20000

struct rl_server {
    char dir[PATH_MAX];         /* temp dir, removed by rl_server_destroy() */
    char root[PATH_MAX + 8];    /* <dir>/root */
    pid_t pid;                  /* 0 once reaped */
    int port;
    int status;                 /* waitpid() status once reaped */
};

/* The server executable under test. */
const char *rl_server_exe(void);

/* Creates S's temp dir and empty document root; no process yet.  Returns
 * 0 or -1. */
int rl_server_init(struct rl_server *s);

/* Starts the server with "--port 0 --root <root>" followed by the
 * NULL-terminated ARGS (may be NULL), and waits for its "listening on"
 * line.  Returns 0, or -1 if it exited or never said where it listens
 * (its stderr is printed). */
int rl_server_start(struct rl_server *s, const char *const *args);

/* Like rl_server_start(), but runs EXE (NULL: rl_server_exe()) under
 * WRAPPER, a NULL-terminated argv prefix such as { "valgrind", "--xml=yes",
 * ..., NULL } (NULL: none), so S->pid is the wrapper's process. */
int rl_server_start_wrapped(struct rl_server *s, const char *const *wrapper,
                            const char *exe, const char *const *args);

/* Runs the server executable with exactly ARGS (no --port/--root added),
 * waits for it to exit and returns its wait status, or -1 on timeout
 * (it is killed).  Output goes to <dir>/stdout and <dir>/stderr. */
int rl_server_run(struct rl_server *s, const char *const *args, int timeout_ms);

/* SIGTERM, then waits up to TIMEOUT_MS.  Returns the wait status, or -1 if
 * it did not exit in time (it is then killed and reaped). */
int rl_server_stop(struct rl_server *s, int timeout_ms);

/* Kills (SIGKILL) and reaps the server if it still runs, removes the temp
 * dir.  Safe to call more than once. */
void rl_server_destroy(struct rl_server *s);

/* True if the server's exit was a clean "exit 0". */
bool rl_exited_zero(int status);

/* Reads <dir>/NAME into a malloc'd NUL-terminated string (NULL if
 * missing). */
char *rl_read_dir_file(const struct rl_server *s, const char *name);

/* Sanitizer reports (<dir>/tsan.*, <dir>/asan.*), concatenated into a
 * malloc'd string, or NULL when there are none. */
char *rl_sanitizer_reports(const struct rl_server *s);

/* Writes LEN bytes of DATA to <root>/REL, creating parent dirs. */
int rl_write_file(const struct rl_server *s, const char *rel, const void *data, size_t len);
int rl_write_text(const struct rl_server *s, const char *rel, const char *text);

/* --- connections ----------------------------------------------------------- */

struct rl_conn {
    int fd;
    char *buf;                  /* received, not yet consumed */
    size_t len, cap;
};

struct rl_header {
    char *name, *value;
};

struct rl_response {
    int status;
    char *head;                 /* status line + headers, NUL-terminated */
    struct rl_header *headers;
    size_t nheaders;
    char *body;                 /* NUL-terminated for convenience */
    size_t body_len;
    long content_length;        /* -1 if the header was missing */
};

/* Connects to 127.0.0.1:PORT.  Returns 0 or -errno. */
int rl_conn_open(struct rl_conn *c, int port);
void rl_conn_close(struct rl_conn *c);

/* Sends exactly LEN bytes.  Returns 0 or -errno. */
int rl_conn_send(struct rl_conn *c, const void *data, size_t len);
int rl_conn_sendstr(struct rl_conn *c, const char *s);

/* Reads one response.  HEAD_ONLY: the request was HEAD, so no body
 * follows whatever Content-Length says.  Returns
 *   1   a complete response in R (free with rl_response_free())
 *   0   the connection closed before any byte of a response
 *  -1   the connection broke or timed out part way through a response
 *       (or the response was malformed). */
int rl_conn_read_response(struct rl_conn *c, struct rl_response *r, bool head_only,
                          int timeout_ms);

/* Waits for the server to close C: true on EOF or reset with no further
 * bytes, false if bytes arrive or TIMEOUT_MS passes. */
bool rl_conn_wait_closed(struct rl_conn *c, int timeout_ms);

/* Case-insensitive header lookup; NULL if absent. */
const char *rl_header(const struct rl_response *r, const char *name);
void rl_response_free(struct rl_response *r);

/* One request on a new connection: sends RAW, reads one response, closes.
 * Returns as rl_conn_read_response(). */
int rl_request(int port, const char *raw, struct rl_response *r);
int rl_request_bytes(int port, const void *raw, size_t len, bool head_only,
                     struct rl_response *r);

/* GET PATH with Connection: close. */
int rl_get(int port, const char *path, struct rl_response *r);

/* GET /-/stats parsed as JSON (NULL on failure); json_decref() it. */
json_t *rl_stats(int port);
/* An integer field of a stats object, or -1 if missing. */
long long rl_stats_int(json_t *stats, const char *field);

/* Milliseconds on the monotonic clock. */
long long rl_now_ms(void);

#endif
