/* testutil.h - helpers for the report library's unit tests. */
#ifndef RACELAB_TESTUTIL_H
#define RACELAB_TESTUTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "finding.h"

#define DATA(name) RACELAB_UNIT_DATA "/" name

/* Parses a captured file into L, asserting the parser succeeded; returns
 * the count it reported. */
static inline int parse_tsan(const char *name, struct finding_list *l)
{
    char err[256] = "";
    int n = tsan_parse_file(name, l, err, sizeof err);

    if (n < 0)
        fail_msg("tsan_parse_file %s: %s", name, err);
    return n;
}

static inline int parse_vg(const char *name, const char *tool,
                           struct finding_list *l)
{
    char err[256] = "";
    int n = valgrind_parse_xml_file(name, tool, l, err, sizeof err);

    if (n < 0)
        fail_msg("valgrind_parse_xml_file %s: %s", name, err);
    return n;
}

static inline bool ends_with(const char *s, const char *suffix)
{
    size_t a, b;

    if (!s || !suffix)
        return false;
    a = strlen(s);
    b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* Asserts frame FR is FUNC at a file ending in FILE_SUFFIX, line LINE. */
#define assert_frame(fr, func, file_suffix, ln) do {                       \
        const struct frame *fr_ = (fr);                                    \
        assert_non_null(fr_->function);                                    \
        assert_string_equal(fr_->function, (func));                        \
        if ((file_suffix) == NULL) {                                       \
            assert_null(fr_->file);                                        \
        } else {                                                           \
            assert_non_null(fr_->file);                                    \
            if (!ends_with(fr_->file, (file_suffix)))                      \
                fail_msg("frame file %s does not end with %s",             \
                         fr_->file, (const char *)(file_suffix));          \
        }                                                                  \
        assert_int_equal(fr_->line, (ln));                                 \
    } while (0)

#endif
