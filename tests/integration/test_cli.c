/* test_cli.c - racelab-server's command line as a process: exit statuses
 * and messages for --help, --version, bad flags, a port already in use
 * and a missing root. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "rl_cmocka.h"

#define RUN_TIMEOUT_MS 20000

static int setup(void **state)
{
    struct rl_server *s = calloc(1, sizeof(*s));
    if (s == NULL || rl_server_init(s) < 0)
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

static int exit_code(int status)
{
    if (status == -1)
        fail_msg("the server did not exit within %d ms", RUN_TIMEOUT_MS);
    if (!WIFEXITED(status))
        fail_msg("the server died (wait status 0x%x)", status);
    return WEXITSTATUS(status);
}

static void test_cli_help_mentions_every_flag(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--help", NULL };
    assert_int_equal(exit_code(rl_server_run(s, args, RUN_TIMEOUT_MS)), 0);
    char *out = rl_read_dir_file(s, "stdout");
    assert_non_null(out);
    static const char *flags[] = {
        "--host", "--port", "--root", "--threads", "--cache-mb", "--idle-timeout",
        "--max-connections", "--max-request-line", "--max-header-bytes",
        "--max-body-bytes", "--access-log", "--backlog", "--help", "--version",
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strstr(out, flags[i]) == NULL)
            fail_msg("--help does not mention %s:\n%s", flags[i], out);
    assert_non_null(strstr(out, "usage:"));
    free(out);
    rl_expect_no_reports(s);
}

static void test_cli_version(void **state)
{
    struct rl_server *s = *state;
    static const char *const args[] = { "--version", NULL };
    assert_int_equal(exit_code(rl_server_run(s, args, RUN_TIMEOUT_MS)), 0);
    char *out = rl_read_dir_file(s, "stdout");
    assert_non_null(out);
    assert_true(strncmp(out, "racelab-server ", 15) == 0);
    free(out);
}

static void expect_usage_error(struct rl_server *s, const char *const *args, const char *msg)
{
    assert_int_equal(exit_code(rl_server_run(s, args, RUN_TIMEOUT_MS)), 2);
    char *err = rl_read_dir_file(s, "stderr");
    assert_non_null(err);
    if (strstr(err, msg) == NULL)
        fail_msg("stderr does not mention \"%s\":\n%s", msg, err);
    free(err);
    rl_expect_no_reports(s);
}

static void test_cli_bad_flag_exits_2(void **state)
{
    struct rl_server *s = *state;
    static const char *const unknown[] = { "--no-such-flag", NULL };
    expect_usage_error(s, unknown, "unknown option '--no-such-flag'");
    static const char *const bad_port[] = { "--port", "70000", NULL };
    expect_usage_error(s, bad_port, "bad value '70000' for --port");
    static const char *const bad_threads[] = { "--threads", "zero", NULL };
    expect_usage_error(s, bad_threads, "--threads");
    static const char *const missing[] = { "--root", NULL };
    expect_usage_error(s, missing, "--root");
    static const char *const stray[] = { "stray", NULL };
    expect_usage_error(s, stray, "stray");
}

static void test_cli_port_in_use_exits_1(void **state)
{
    struct rl_server *s = *state;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 1), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    char port[16];
    snprintf(port, sizeof(port), "%d", ntohs(sa.sin_port));

    const char *const args[] = { "--port", port, "--root", s->root, NULL };
    int code = exit_code(rl_server_run(s, args, RUN_TIMEOUT_MS));
    close(fd);
    assert_int_equal(code, 1);
    char *err = rl_read_dir_file(s, "stderr");
    assert_non_null(err);
    if (strstr(err, "bind") == NULL)
        fail_msg("stderr does not mention bind:\n%s", err);
    free(err);
    char *out = rl_read_dir_file(s, "stdout");
    assert_null(out ? strstr(out, "listening on") : NULL);
    free(out);
    rl_expect_no_reports(s);
}

static void test_cli_missing_root_exits_1(void **state)
{
    struct rl_server *s = *state;
    char root[PATH_MAX + 32];
    snprintf(root, sizeof(root), "%s/does-not-exist", s->dir);
    const char *const args[] = { "--port", "0", "--root", root, NULL };
    assert_int_equal(exit_code(rl_server_run(s, args, RUN_TIMEOUT_MS)), 1);
    char *err = rl_read_dir_file(s, "stderr");
    assert_non_null(err);
    assert_non_null(strstr(err, "--root"));
    free(err);
    rl_expect_no_reports(s);
}

static void test_cli_bad_host_exits_1(void **state)
{
    struct rl_server *s = *state;
    const char *const args[] = { "--port", "0", "--root", s->root, "--host", "not-an-ip", NULL };
    assert_int_equal(exit_code(rl_server_run(s, args, RUN_TIMEOUT_MS)), 1);
    char *err = rl_read_dir_file(s, "stderr");
    assert_non_null(err);
    assert_non_null(strstr(err, "--host"));
    free(err);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_cli_help_mentions_every_flag),
        T(test_cli_version),
        T(test_cli_bad_flag_exits_2),
        T(test_cli_port_in_use_exits_1),
        T(test_cli_missing_root_exits_1),
        T(test_cli_bad_host_exits_1),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
