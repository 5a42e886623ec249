/* test_options.c - racelab-server's command line (options.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "options.h"

/* Parses the NULL-terminated argument list (argv[0] is supplied). */
#define PARSE(o, err, ...) parse_list((o), (err), (const char *[]){ "racelab-server", __VA_ARGS__, NULL })

static enum options_result parse_list(struct server_options *o, char *err,
                                      const char **args)
{
    char *argv[64];
    int argc = 0;
    while (args[argc] != NULL) {
        argv[argc] = (char *)args[argc];   /* getopt permutes argv, not the strings */
        argc++;
    }
    argv[argc] = NULL;
    err[0] = '\0';
    return options_parse(argc, argv, o, err, 256);
}

static void expect_error(const char *flag, const char *value, const char *msg_part)
{
    struct server_options o;
    char err[256];
    enum options_result r = value ? PARSE(&o, err, flag, value) : PARSE(&o, err, flag);
    if (r != OPTIONS_ERROR)
        fail_msg("%s %s: result %d, want OPTIONS_ERROR", flag, value ? value : "", r);
    if (strstr(err, msg_part) == NULL)
        fail_msg("%s %s: message \"%s\" does not mention \"%s\"", flag,
                 value ? value : "", err, msg_part);
}

static void test_options_defaults(void **state)
{
    struct server_options o;
    char err[256];
    char *argv[] = { "racelab-server", NULL };
    assert_int_equal(options_parse(1, argv, &o, err, sizeof(err)), OPTIONS_OK);
    assert_string_equal(o.host, "127.0.0.1");
    assert_int_equal(o.port, 8080);
    assert_string_equal(o.root, ".");
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(o.threads, ncpu > 0 ? ncpu : 2);
    assert_int_equal(o.cache_bytes, 64u << 20);
    assert_int_equal(o.idle_timeout, 10);
    assert_int_equal(o.max_connections, 1024);
    assert_int_equal(o.max_request_line, 8190);
    assert_int_equal(o.max_header_bytes, 16384);
    assert_int_equal(o.max_body_bytes, 65536);
    assert_null(o.access_log);
    assert_int_equal(o.backlog, 1024);
}

static void test_options_each_flag(void **state)
{
    struct server_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--host", "0.0.0.0", "--port", "0", "--root", "/srv/www",
                           "--threads", "7", "--cache-mb", "3", "--idle-timeout", "2",
                           "--max-connections", "5", "--max-request-line", "100",
                           "--max-header-bytes", "200", "--max-body-bytes", "0",
                           "--access-log", "/tmp/x.log", "--backlog", "9"),
                     OPTIONS_OK);
    assert_string_equal(o.host, "0.0.0.0");
    assert_int_equal(o.port, 0);
    assert_string_equal(o.root, "/srv/www");
    assert_int_equal(o.threads, 7);
    assert_int_equal(o.cache_bytes, (size_t)3 << 20);
    assert_int_equal(o.idle_timeout, 2);
    assert_int_equal(o.max_connections, 5);
    assert_int_equal(o.max_request_line, 100);
    assert_int_equal(o.max_header_bytes, 200);
    assert_int_equal(o.max_body_bytes, 0);
    assert_string_equal(o.access_log, "/tmp/x.log");
    assert_int_equal(o.backlog, 9);
}

static void test_options_equals_syntax_and_last_wins(void **state)
{
    struct server_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--port=9000", "--threads=3", "--port", "9001",
                           "--access-log=-"), OPTIONS_OK);
    assert_int_equal(o.port, 9001);
    assert_int_equal(o.threads, 3);
    assert_string_equal(o.access_log, "-");
}

static void test_options_range_limits_accepted(void **state)
{
    struct server_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--port", "65535", "--threads", "1024",
                           "--idle-timeout", "86400", "--cache-mb", "0",
                           "--max-request-line", "16", "--max-header-bytes", "64",
                           "--backlog", "65535"), OPTIONS_OK);
    assert_int_equal(o.port, 65535);
    assert_int_equal(o.threads, 1024);
    assert_int_equal(o.idle_timeout, 86400);
    assert_int_equal(o.cache_bytes, 0);
    assert_int_equal(o.max_request_line, 16);
    assert_int_equal(o.max_header_bytes, 64);
    assert_int_equal(o.backlog, 65535);
}

static void test_options_bad_values(void **state)
{
    static const struct { const char *flag, *value; } bad[] = {
        { "--port", "-1" }, { "--port", "65536" }, { "--port", "abc" },
        { "--port", "80x" }, { "--port", "" },
        { "--port", "99999999999999999999" },
        { "--threads", "0" }, { "--threads", "1025" }, { "--threads", "2.5" },
        { "--cache-mb", "-1" }, { "--cache-mb", "1048577" },
        { "--idle-timeout", "0" }, { "--idle-timeout", "86401" },
        { "--max-connections", "0" },
        { "--max-request-line", "15" }, { "--max-header-bytes", "63" },
        { "--max-body-bytes", "-5" }, { "--max-body-bytes", "1073741825" },
        { "--backlog", "0" }, { "--backlog", "65536" },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char want[128];
        snprintf(want, sizeof(want), "bad value '%s' for %s", bad[i].value, bad[i].flag);
        expect_error(bad[i].flag, bad[i].value, want);
    }
}

static void test_options_request_line_above_header_limit(void **state)
{
    struct server_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--max-request-line", "300", "--max-header-bytes", "200"),
                     OPTIONS_ERROR);
    assert_non_null(strstr(err, "--max-request-line"));
    /* Equal is fine. */
    assert_int_equal(PARSE(&o, err, "--max-request-line", "200", "--max-header-bytes", "200"),
                     OPTIONS_OK);
}

static void test_options_unknown_flag(void **state)
{
    expect_error("--no-such-flag", NULL, "unknown option '--no-such-flag'");
    expect_error("-x", NULL, "unknown option '-x'");
}

static void test_options_missing_value(void **state)
{
    expect_error("--port", NULL, "option --port needs a value");
    expect_error("--root", NULL, "option --root needs a value");
}

static void test_options_positional_argument(void **state)
{
    expect_error("stray", NULL, "unexpected argument 'stray'");
}

static void test_options_help_and_version(void **state)
{
    struct server_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--help"), OPTIONS_HELP);
    assert_int_equal(PARSE(&o, err, "-h"), OPTIONS_HELP);
    assert_int_equal(PARSE(&o, err, "--port", "1", "--help"), OPTIONS_HELP);
    assert_int_equal(PARSE(&o, err, "--version"), OPTIONS_VERSION);
}

static void test_options_parse_is_repeatable(void **state)
{
    /* getopt keeps global state; a second parse must start afresh. */
    struct server_options o;
    char err[256];
    assert_int_equal(PARSE(&o, err, "--bogus"), OPTIONS_ERROR);
    assert_int_equal(PARSE(&o, err, "--port", "1234"), OPTIONS_OK);
    assert_int_equal(o.port, 1234);
    assert_int_equal(PARSE(&o, err, "--threads", "2"), OPTIONS_OK);
    assert_int_equal(o.port, 8080);     /* defaults again, not the last run's */
    assert_int_equal(o.threads, 2);
}

static void test_options_usage_mentions_every_flag(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    options_usage(f);
    fclose(f);
    static const char *flags[] = {
        "--host", "--port", "--root", "--threads", "--cache-mb", "--idle-timeout",
        "--max-connections", "--max-request-line", "--max-header-bytes",
        "--max-body-bytes", "--access-log", "--backlog", "--help", "-h", "--version",
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        if (strstr(text, flags[i]) == NULL)
            fail_msg("usage does not mention %s", flags[i]);
    assert_non_null(strstr(text, "usage: racelab-server"));
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_options_defaults),
        cmocka_unit_test(test_options_each_flag),
        cmocka_unit_test(test_options_equals_syntax_and_last_wins),
        cmocka_unit_test(test_options_range_limits_accepted),
        cmocka_unit_test(test_options_bad_values),
        cmocka_unit_test(test_options_request_line_above_header_limit),
        cmocka_unit_test(test_options_unknown_flag),
        cmocka_unit_test(test_options_missing_value),
        cmocka_unit_test(test_options_positional_argument),
        cmocka_unit_test(test_options_help_and_version),
        cmocka_unit_test(test_options_parse_is_repeatable),
        cmocka_unit_test(test_options_usage_mentions_every_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
