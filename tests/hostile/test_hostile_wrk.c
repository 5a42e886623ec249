/* test_hostile_wrk.c - a bounded wrk load (-t2 -c1000 -d5s) against the
 * server: wrk sees no socket error but connect errors, every response is
 * a 2xx, the server's RSS (sampled from /proc/PID/status) levels off
 * instead of growing with the load, and the server still answers and
 * exits 0 on SIGTERM.  Skipped when wrk is absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_cmocka.h"
#include "hostile.h"

#ifndef HOSTILE_WRK
#define HOSTILE_WRK ""
#endif

extern char **environ;

enum { WRK_CONNS = 1000, SAMPLE_MS = 100, BASELINE_MS = 2000 };
/* Slack on top of twice the 2 s sample: allocator arenas and sanitizer
 * bookkeeping settle late; a leak per request grows far past it. */
#define RSS_SLACK_KB (32 * 1024)
#define FILE_LEN 1024

static int setup(void **state)
{
    struct rl_server *s = calloc(1, sizeof(*s));
    if (s == NULL || rl_server_init(s) < 0)
        return -1;
    char body[FILE_LEN];
    for (size_t i = 0; i < sizeof(body); i++)
        body[i] = (char)('a' + i % 26);
    if (rl_write_file(s, "1k.txt", body, sizeof(body)) < 0)
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

/* VmRSS of PID in KiB, or -1. */
static long rss_kb(pid_t pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return -1;
    long kb = -1;
    while (fgets(line, sizeof(line), f) != NULL)
        if (sscanf(line, "VmRSS: %ld kB", &kb) == 1)
            break;
    fclose(f);
    return kb;
}

/* The number after KEY in TEXT (e.g. "connect " -> 0), or -1. */
static long number_after(const char *text, const char *key)
{
    const char *p = strstr(text, key);
    return p != NULL ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void test_hostile_wrk_thousand_connections(void **state)
{
    struct rl_server *s = *state;
    const char *wrk = HOSTILE_WRK;
    if (wrk[0] == '\0' || access(wrk, X_OK) != 0) {
        fprintf(stderr, "wrk not found: skipped\n");
        skip();
    }
    /* Both the server and wrk inherit the limit. */
    long nofile = hostile_raise_nofile(4096);
    if (nofile < WRK_CONNS + 100)
        fail_msg("RLIMIT_NOFILE %ld is too low for %d connections", nofile, WRK_CONNS);
    static const char *const args[] = { "--threads", "2", NULL };
    if (rl_server_start(s, args) < 0)
        fail_msg("could not start %s", rl_server_exe());

    char url[64], out[PATH_MAX + 16], err[PATH_MAX + 16];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/1k.txt", s->port);
    snprintf(out, sizeof(out), "%s/wrk.out", s->dir);
    snprintf(err, sizeof(err), "%s/wrk.err", s->dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    /* --timeout: a slow (sanitizer) build must not turn into timeout
     * errors; this is not a latency test. */
    char *const wargv[] = { (char *)wrk, "-t2", "-c1000", "-d5s", "--timeout", "15s", url, NULL };
    pid_t wpid;
    int rc = posix_spawn(&wpid, wrk, &fa, NULL, wargv, environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        fail_msg("posix_spawn %s: %s", wrk, strerror(rc));

    /* Sample the server's RSS while wrk runs. */
    long long t0 = rl_now_ms(), hard = t0 + 60000;
    long base = -1, last = -1, peak = -1;
    int wstatus = -1;
    for (;;) {
        pid_t r = waitpid(wpid, &wstatus, WNOHANG);
        if (r == wpid)
            break;
        long kb = rss_kb(s->pid);
        if (kb < 0) {
            kill(wpid, SIGKILL);
            waitpid(wpid, &wstatus, 0);
            fail_msg("the server died under wrk");
        }
        if (base < 0 && rl_now_ms() - t0 >= BASELINE_MS)
            base = kb;
        last = kb;
        peak = kb > peak ? kb : peak;
        if (rl_now_ms() > hard) {
            kill(wpid, SIGKILL);
            waitpid(wpid, &wstatus, 0);
            fail_msg("wrk still running after 60 s");
        }
        usleep(SAMPLE_MS * 1000);
    }
    char *text = rl_read_dir_file(s, "wrk.out");
    fprintf(stderr, "%s", text ? text : "(no wrk output)\n");
    fprintf(stderr, "server VmRSS: %ld kB at 2 s, %ld kB last, %ld kB peak\n", base, last, peak);
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
        char *e = rl_read_dir_file(s, "wrk.err");
        fprintf(stderr, "wrk stderr: %s\n", e ? e : "");
        free(e);
        free(text);
        fail_msg("wrk failed (wait status 0x%x)", wstatus);
    }
    assert_non_null(text);
    rl_expect_no_reports(s);

    /* "N requests in 5.00s"; "Socket errors: connect C, read R, write W,
     * timeout T" only when there were some; "Non-2xx or 3xx responses". */
    char *in = strstr(text, " requests in ");
    assert_non_null(in);
    char *p = in;
    while (p > text && p[-1] != '\n' && p[-1] != ' ')
        p--;
    long requests = strtol(p, NULL, 10);
    assert_true(requests > 0);
    if (strstr(text, "Socket errors:") != NULL) {
        long c = number_after(text, "connect "), r = number_after(text, "read "),
             w = number_after(text, "write "), t = number_after(text, "timeout ");
        if (r != 0 || w != 0 || t != 0)
            fail_msg("wrk socket errors: connect %ld, read %ld, write %ld, timeout %ld", c, r, w, t);
    }
    if (strstr(text, "Non-2xx or 3xx responses:") != NULL)
        fail_msg("wrk got %ld responses that were not 2xx",
                 number_after(text, "Non-2xx or 3xx responses: "));
    free(text);

    /* Memory levels off: a leak per request or per connection would grow
     * past twice the early sample. */
    assert_true(base > 0);
    if (last >= 2 * base + RSS_SLACK_KB)
        fail_msg("server RSS grew from %ld kB at 2 s to %ld kB", base, last);

    /* Still serving, every wrk response counted. */
    struct rl_response r;
    rl_expect_status(rl_get(s->port, "/1k.txt", &r), &r, 200);
    assert_int_equal(r.body_len, FILE_LEN);
    rl_response_free(&r);
    json_t *j = rl_stats(s->port);
    assert_non_null(j);
    assert_true(rl_stats_int(j, "requests") >= requests + 1);
    json_decref(j);
    rl_expect_clean_stop(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_hostile_wrk_thousand_connections, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
