/* rl_cmocka.h - cmocka checks on top of rl_support.h (include cmocka.h
 * first). */
#ifndef RL_CMOCKA_H
#define RL_CMOCKA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rl_support.h"

/* Fails, printing them, if S left sanitizer reports. */
static inline void rl_expect_no_reports(const struct rl_server *s)
{
    char *reports = rl_sanitizer_reports(s);
    if (reports != NULL) {
        fprintf(stderr, "%s\n", reports);
        free(reports);
        fail_msg("the server wrote a sanitizer report (above)");
    }
}

/* Stops S with SIGTERM and fails unless it exited 0 within the deadline
 * and left no sanitizer report (under TSan, halt_on_error=1 exitcode=66
 * would also make the exit status non-zero). */
static inline void rl_expect_clean_stop(struct rl_server *s)
{
    int status = rl_server_stop(s, RL_STOP_TIMEOUT_MS);
    rl_expect_no_reports(s);
    if (!rl_exited_zero(status)) {
        char *err = rl_read_dir_file(s, "stderr");
        fprintf(stderr, "--- server stderr ---\n%s\n", err ? err : "");
        free(err);
        if (status == -1)
            fail_msg("the server did not exit within %d ms of SIGTERM", RL_STOP_TIMEOUT_MS);
        fail_msg("the server did not exit 0 (wait status 0x%x)", status);
    }
}

/* Expects a complete response with status WANT; returns with R filled. */
#define rl_expect_status(rc, r, want) do {                                      \
        int rl_rc_ = (rc);                                                      \
        if (rl_rc_ != 1)                                                        \
            fail_msg("no complete response (rc %d), wanted %d", rl_rc_, (want)); \
        if ((r)->status != (want))                                              \
            fail_msg("status %d, want %d; head:\n%s", (r)->status, (want),      \
                     (r)->head);                                                \
    } while (0)

#endif
