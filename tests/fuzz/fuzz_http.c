/* fuzz_http.c - libFuzzer target for the request parser and the path
 * decoder, the two places where hostile bytes meet the server first.
 *
 *   build/asan/fuzz_http -max_total_time=600 tests/fuzz/corpus   (long run)
 *
 * The CTest `fuzz` smoke runs it for a few seconds on the seed corpus. */
#include "http.h"
#include "path.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static int has_dotdot_segment(const char *p)
{
    while (*p) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 1;
        if (slash == NULL)
            break;
        p = slash + 1;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct http_limits lim = {
        .max_request_line = 256, .max_header_bytes = 1024, .max_body_bytes = 64,
    };
    struct http_request req;
    int rc = http_parse_request((const char *)data, size, &lim, &req);
    if (rc > 0) {
        /* A parsed head must lie inside the input and obey the limits. */
        if ((size_t)rc != req.head_len || req.head_len > size
            || req.head_len > lim.max_header_bytes
            || req.target < (const char *)data
            || req.target + req.target_len > (const char *)data + size
            || req.content_length > lim.max_body_bytes)
            abort();
        char out[512];
        if (path_from_target(req.target, req.target_len, out, sizeof(out)) == 0) {
            /* A normalized path never starts at '/' and has no ".."
             * segment. */
            if (out[0] == '/' || has_dotdot_segment(out))
                abort();
        }
    } else if (rc < 0) {
        if (rc != -400 && rc != -413 && rc != -414 && rc != -431
            && rc != -501 && rc != -505)
            abort();
    }
    /* The decoder on raw bytes too, not only on parsed targets. */
    char out[64];
    path_from_target((const char *)data, size, out, sizeof(out));
    return 0;
}
