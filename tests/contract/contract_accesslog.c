/* contract_accesslog.c - the contract of accesslog.h, for any access-log
 * module.
 *
 *   cc -I src/server -I tests/contract tests/contract/contract_accesslog.c \
 *      ACCESSLOG.c -lcmocka -lpthread
 *
 * Each log file the suite writes stays below 8 KiB, so a module that
 * rotates its log by size (fork-lock) does not rotate here: the
 * concurrent test repeats rounds on a fresh file instead.
 */
#include "contract.h"
#include "accesslog.h"

#include <arpa/inet.h>
#include <regex.h>
#include <sys/stat.h>
#include <sys/wait.h>

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/contract-accesslog-XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof path, "%s/access.log", dir);
    return 0;
}

static int teardown(void **state)
{
    char cmd[160];
    (void)state;
    accesslog_close();
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static struct sockaddr_in peer(const char *ip)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(40000)};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

static char *slurp(size_t *lines)
{
    FILE *f = fopen(path, "r");
    char *buf;
    long n;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    buf = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *lines = 0;
    for (long i = 0; i < n; i++)
        *lines += buf[i] == '\n';
    return buf;
}

static const char *const line_re =
    "^[0-9.]+ - - \\[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9]{2}:[0-9]{2}:[0-9]{2} "
    "[+-][0-9]{4}\\] \"[A-Z]+ [^ \"]* HTTP/1\\.[01]\" [1-5][0-9]{2} [0-9]+$";

static void test_accesslog_one_line_clf(void **state)
{
    struct sockaddr_in a = peer("10.1.2.3");
    size_t lines;
    regex_t re;

    assert_int_equal(accesslog_open(path), 0);
    accesslog_write(&a, "GET", "/index.html", 1, 200, 1024);
    accesslog_close();
    char *text = slurp(&lines);
    CONTRACT_EQ(lines, 1);
    assert_int_equal(regcomp(&re, line_re, REG_EXTENDED | REG_NOSUB | REG_NEWLINE), 0);
    *strchr(text, '\n') = '\0';
    if (regexec(&re, text, 0, NULL, 0) != 0)
        fail_msg("not Common Log Format: \"%s\"", text);
    assert_memory_equal(text, "10.1.2.3 - - [", 14);
    assert_non_null(strstr(text, "] \"GET /index.html HTTP/1.1\" 200 1024"));
    regfree(&re);
    free(text);
}

static void test_accesslog_appends(void **state)
{
    struct sockaddr_in a = peer("127.0.0.1");
    size_t lines;

    assert_int_equal(accesslog_open(path), 0);
    accesslog_write(&a, "GET", "/1", 1, 200, 1);
    accesslog_close();
    assert_int_equal(accesslog_open(path), 0);
    accesslog_write(&a, "HEAD", "/2", 0, 404, 0);
    accesslog_close();
    free(slurp(&lines));
    CONTRACT_EQ(lines, 2);
}

static void test_accesslog_escapes_request_bytes(void **state)
{
    struct sockaddr_in a = peer("127.0.0.1");
    size_t lines;

    assert_int_equal(accesslog_open(path), 0);
    accesslog_write(&a, "GET", "/a\"b\\c\nd\x01\xff", 1, 400, 0);
    accesslog_close();
    char *text = slurp(&lines);
    CONTRACT_EQ(lines, 1);
    if (!strstr(text, "/a\\x22b\\x5cc\\x0ad\\x01\\xff "))
        fail_msg("request bytes not escaped as \\xHH: %s", text);
    free(text);
}

static void test_accesslog_disabled(void **state)
{
    struct sockaddr_in a = peer("127.0.0.1");
    struct stat st;

    assert_int_equal(accesslog_open(NULL), 0);
    accesslog_write(&a, "GET", "/", 1, 200, 1);       /* no crash, no file */
    accesslog_close();
    assert_int_equal(stat(path, &st), -1);
}

static void test_accesslog_open_fails_cleanly(void **state)
{
    char bad[200];
    snprintf(bad, sizeof bad, "%s/no/such/dir/log", dir);
    assert_int_equal(accesslog_open(bad), -1);
    accesslog_close();
}

/* --- multi-threaded ---------------------------------------------------- */

#define WRITERS 8
#define PER_WRITER 12           /* 96 lines of ~70 bytes: under 8 KiB */
#define ROUNDS 25

struct writer {
    int id;
};

static void *writer(void *arg)
{
    struct writer *w = arg;
    char ip[32], target[32];
    snprintf(ip, sizeof ip, "10.0.0.%d", w->id + 1);
    struct sockaddr_in a = peer(ip);
    for (int i = 0; i < PER_WRITER; i++) {
        snprintf(target, sizeof target, "/w%d/%d", w->id, i);
        accesslog_write(&a, "GET", target, 1, 200, (size_t)i);
    }
    return NULL;
}

/* Lines from concurrent workers never interleave, none is lost, and each
 * carries its own client, target and size. */
static void one_round(int round)
{
    struct writer w[WRITERS];
    static unsigned char seen[WRITERS][PER_WRITER];
    size_t lines;
    regex_t re;

    memset(seen, 0, sizeof seen);
    unlink(path);
    assert_int_equal(accesslog_open(path), 0);
    for (int i = 0; i < WRITERS; i++)
        w[i].id = i;
    contract_run_threads(WRITERS, writer, w, sizeof w[0]);
    accesslog_close();
    char *text = slurp(&lines);
    if (lines != WRITERS * PER_WRITER)
        fail_msg("round %d: %zu lines, want %d", round, lines, WRITERS * PER_WRITER);
    assert_int_equal(regcomp(&re, line_re, REG_EXTENDED | REG_NOSUB), 0);
    for (char *line = text, *next; *line; line = next) {
        int ip = -1, id = -1, i = -1, n = -1;
        next = strchr(line, '\n');
        *next++ = '\0';
        if (regexec(&re, line, 0, NULL, 0) != 0)
            fail_msg("round %d: malformed line: \"%s\"", round, line);
        if (sscanf(line, "10.0.0.%d", &ip) != 1 ||
            sscanf(strchr(line, '"'), "\"GET /w%d/%d HTTP/1.1\" 200 %d", &id, &i, &n) != 3 ||
            id < 0 || id >= WRITERS || i < 0 || i >= PER_WRITER || ip != id + 1 || n != i)
            fail_msg("round %d: line names the wrong client, target or size: \"%s\"",
                     round, line);
        seen[id][i]++;
    }
    for (int id = 0; id < WRITERS; id++)
        for (int i = 0; i < PER_WRITER; i++)
            if (seen[id][i] != 1)
                fail_msg("round %d: /w%d/%d logged %d times", round, id, i, seen[id][i]);
    regfree(&re);
    free(text);
}

/* Lines from concurrent workers never interleave, none is lost, and each
 * carries its own client, target and size. */
static void test_accesslog_concurrent_lines_intact(void **state)
{
    for (int round = 0; round < ROUNDS; round++)
        one_round(round);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_accesslog_one_line_clf, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accesslog_appends, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accesslog_escapes_request_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accesslog_disabled, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accesslog_open_fails_cleanly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accesslog_concurrent_lines_intact, setup, teardown),
    };
    contract_watchdog(120);
    return cmocka_run_group_tests_name("contract_accesslog", tests, NULL, NULL);
}
