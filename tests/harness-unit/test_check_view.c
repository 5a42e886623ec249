/* test_check_view.c - what `racelab check` shows a student of a detector's
 * text (report/check_view.c): hidden strings replaced, the directories of
 * source paths cut (racelab's build cache and sandbox paths carry a 16-digit
 * hash a student cannot use), other paths and words left alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "check_view.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_source_paths_become_names),
        cmocka_unit_test(test_other_paths_and_hidden_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
