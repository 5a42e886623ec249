/* test_check_view.c - what `racelab check` shows a student of a detector's
 * text (report/check_view.c): hidden strings replaced, the directories of
 * source paths cut (racelab's build cache and sandbox paths carry a 16-digit
 * hash a student cannot use), other paths and words left alone; and which
 * findings it shows first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "check_view.h"
#include "finding.h"
#include "result.h"

static void scrubbed(const char *in, const char *want)
{
    static const char *const hide[] = {"racelab-server-cache-race-buggy", NULL};
    struct check_view v = {.module_file = "cache.c", .label = "your cache.c",
                           .shown_name = "cache.c", .hide = hide};
    char *got = check_view_scrub(in, &v, "the server");

    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_source_paths_become_names(void **state)
{
    (void)state;
    scrubbed("serve_file at build/check-cache/core-3ac6892b004d0759/tsan.tmp.10764/"
             "src/server/server.c:272",
             "serve_file at server.c:272");
    scrubbed("handle_request at /abs/dir/server.c:322 [...]",
             "handle_request at server.c:322 [...]");
    scrubbed("(/tmp/racelab-sb.c1x/cache.c:12) and [/a/b/x.h:3], /q/w.cc:1; /q/y.cpp",
             "(cache.c:12) and [x.h:3], w.cc:1; y.cpp");
    scrubbed("cache.c:64 in lru_unlink", "cache.c:64 in lru_unlink");
}

static void test_other_paths_and_hidden_names(void **state)
{
    (void)state;
    /* not a source file: a directory, a library, a socket path */
    scrubbed("in /usr/lib/x86_64-linux-gnu/libc.so.6 and /tmp/d/",
             "in /usr/lib/x86_64-linux-gnu/libc.so.6 and /tmp/d/");
    scrubbed("/x/racelab-server-cache-race-buggy exit 66", "/x/the server exit 66");
    scrubbed("", "");
}

/* Two TSan reports: a race where neither side held a lock, then one where
 * a side held M0 and the other none (the missing-lock lesson). */
static const char two_races[] =
    "==================\n"
    "WARNING: ThreadSanitizer: data race (pid=1)\n"
    "  Read of size 4 at 0x1000 by thread T2:\n"
    "    #0 stats_dump /s/race.c:40:9 (race+0x10)\n"
    "\n"
    "  Previous write of size 4 at 0x1000 by thread T3:\n"
    "    #0 stats_bump /s/race.c:33:12 (race+0x20)\n"
    "\n"
    "SUMMARY: ThreadSanitizer: data race /s/race.c:40:9 in stats_dump\n"
    "==================\n"
    "==================\n"
    "WARNING: ThreadSanitizer: data race (pid=1)\n"
    "  Write of size 4 at 0x2000 by main thread:\n"
    "    #0 main /s/race.c:27:12 (race+0x30)\n"
    "\n"
    "  Previous write of size 4 at 0x2000 by thread T1 (mutexes: write M0):\n"
    "    #0 worker /s/race.c:16:12 (race+0x40)\n"
    "\n"
    "SUMMARY: ThreadSanitizer: data race /s/race.c:27:12 in main\n"
    "==================\n";

static void test_missing_lock_race_shown_first(void **state)
{
    (void)state;
    struct finding_list l;
    char err[256];
    finding_list_init(&l);
    assert_int_equal(tsan_parse_buffer(two_races, sizeof two_races - 1, &l, err, sizeof err), 2);
    struct unique_finding u[2] = {{.finding = l.items[0], .runs_seen = 1},
                                  {.finding = l.items[1], .runs_seen = 1}};
    struct cell_result c = {.findings = u, .nfindings = 2, .total_runs = 1};
    struct check_view v = {.module_file = "race.c", .label = "your race.c",
                           .shown_name = "race.c"};

    char *one = check_view_evidence(&c, &v, 1);
    assert_non_null(one);
    assert_non_null(strstr(one, "2 data-race"));
    assert_non_null(strstr(one, "race.c:16"));        /* the locked side's line */
    assert_null(strstr(one, "race.c:40"));            /* the other race waits */
    assert_non_null(strstr(one, "... and 1 more finding at other sites"));
    char *both = check_view_evidence(&c, &v, 6);
    assert_non_null(both);
    const char *locked = strstr(both, "race.c:16"), *other = strstr(both, "race.c:40");
    assert_non_null(locked);
    assert_non_null(other);
    assert_true(locked < other);
    assert_null(strstr(both, "more finding"));
    free(one);
    free(both);
    finding_list_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_paths_become_names),
        cmocka_unit_test(test_other_paths_and_hidden_names),
        cmocka_unit_test(test_missing_lock_race_shown_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
