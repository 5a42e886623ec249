/* diag_cells.h - the cells the diagnosis views are tested on (the table's
 * findings section in test_diagnosis.c, the HTML page in tests/html):
 * real captured reports, re-rooted under this checkout so the source lines
 * are readable, plus tool frames pushed on top of a stack, a hang with a
 * two-thread wait-for cycle and a markup-hostile summary.
 *
 *   0 cache-race/buggy/tsan      PASS  the race, twice; wrapper frames on top
 *   1 lock-order/buggy/helgrind  PASS  Helgrind's preload frames on top
 *   2 lock-order/buggy/none      PASS  a hang: the cycle
 *   3 cache-race/buggy/drd       INCONCLUSIVE  nothing seen, rate 1/10
 *   4 cache-race/fixed/tsan      FAIL  five findings, one hostile summary
 *   5 cache-race/fixed/none      PASS  clean: not listed under the table
 *   6 lock-order/fixed/drd       ERROR the tool failed, a hostile reason
 */
#ifndef RACELAB_TEST_DIAG_CELLS_H
#define RACELAB_TEST_DIAG_CELLS_H

#include "cells.h"

#define DIAG_K(kind) (1u << (kind))
enum { NDIAG = 7 };

#define DIAG_HOSTILE "<b>\"x\" & 'y'</b><script>alert(1)</script>"
#define DIAG_TOOL_ERROR "valgrind: the 'impossible' happened: <&> in drd"
#define DIAG_HANG                                                          \
    "watchdog: deadlock: thread 4376 holds 0x5602a0c0 (cache_lock) and "   \
    "waits for 0x5602a100 (stats_lock) at "                                \
    "tests/harness-unit/programs/lockorder.c:13; "                         \
    "thread 4378 holds 0x5602a100 (stats_lock) and waits for 0x5602a0c0 "  \
    "(cache_lock) at tests/harness-unit/programs/lockorder.c:26\n"         \
    "stacks (2 threads, from gdb):\n  thread 4376:\n"                      \
    "    #0 <script>alert('gdb')</script> at x.c:1\n"

static const struct location diag_race_locs[] = {
    {.name = "main-write", .file = "programs/race.c", .line = 27},
    {.name = "worker-write", .file = "programs/race.c", .line = 16},
};
static const struct location diag_lock_locs[] = {
    {.name = "worker-ab", .file = "programs/lockorder.c", .line = 13},
    {.name = "main-ba", .file = "programs/lockorder.c", .line = 26},
};

/* Re-roots frames from the checkout the captures were made in under this
 * one's RACELAB_SOURCE_DIR. */
static inline void diag_rebase(struct cell_result *c)
{
    static const char marker[] = "/tests/harness-unit/programs/";

    for (size_t u = 0; u < c->nfindings; u++) {
        struct finding *f = &c->findings[u].finding;

        for (size_t s = 0; s < f->nstacks; s++)
            for (size_t i = 0; i < f->stacks[s].nframes; i++) {
                struct frame *fr = &f->stacks[s].frames[i];
                const char *tail = fr->file ? strstr(fr->file, marker) : NULL;
                char *p;

                if (tail == NULL)
                    continue;
                p = malloc(strlen(RACELAB_SOURCE_DIR) + strlen(tail) + 1);
                strcpy(p, RACELAB_SOURCE_DIR);
                strcat(p, tail);
                free(fr->file);
                fr->file = p;
            }
    }
}

/* Pushes a frame FUNCTION at FILE:LINE on top (innermost) of S. */
static inline void diag_push_frame(struct stack *s, const char *function,
                                   const char *file, int line)
{
    s->frames = realloc(s->frames, (s->nframes + 1) * sizeof *s->frames);
    memmove(s->frames + 1, s->frames, s->nframes * sizeof *s->frames);
    s->frames[0].function = function ? strdup(function) : NULL;
    s->frames[0].file = file ? strdup(file) : NULL;
    s->frames[0].line = line;
    s->nframes++;
}

/* Builds and summarizes the NDIAG cells into C. */
static inline void diag_cells(struct cell_result *c)
{
    struct finding *f;

    cell_init(&c[0], "cache-race", "buggy", "tsan",
              DIAG_K(FINDING_DATA_RACE));
    cell_add_run(&c[0], DATA("tsan-race.log"), 2.0, 0.5, diag_race_locs, 2);
    cell_add_run(&c[0], DATA("tsan-race-2.log"), 2.0, 0.6, diag_race_locs, 2);
    c[0].expect.rate = strdup("2/2");
    f = &c[0].findings[0].finding;
    diag_push_frame(&f->stacks[0], "__tsan_write4",
                    "/usr/src/compiler-rt/lib/tsan/rtl/tsan_rtl.cpp", 10);
    diag_push_frame(&f->stacks[0], "__wrap_pthread_mutex_lock",
                    "src/chaos/chaos.c", 50);
    diag_push_frame(&f->stacks[1], "__interceptor_pthread_mutex_lock",
                    NULL, 0);

    cell_init(&c[1], "lock-order", "buggy", "helgrind",
              DIAG_K(FINDING_LOCK_ORDER));
    cell_add_run(&c[1], DATA("helgrind-lockorder.xml"), 3.0, 1.0,
                 diag_lock_locs, 2);

    cell_init(&c[2], "lock-order", "buggy", "none", 0);
    c[2].expect.symptom = true;
    cell_add_run(&c[2], NULL, 30.0, -1, NULL, 0);
    c[2].runs[0].outcome = RUN_HANG;
    c[2].runs[0].exit_status = -1;
    c[2].runs[0].symptom = true;
    c[2].runs[0].symptom_detail = strdup("no response for 10 s");
    c[2].runs[0].oracles = strdup("hang: no response for 10 s");
    c[2].runs[0].hang_report = strdup(DIAG_HANG);

    cell_init(&c[3], "cache-race", "buggy", "drd", DIAG_K(FINDING_DATA_RACE));
    cell_add_run(&c[3], NULL, 4.0, -1, diag_race_locs, 2);
    c[3].expect.rate = strdup("1/10");

    cell_init(&c[4], "cache-race", "fixed", "tsan", 0);
    cell_add_run(&c[4], DATA("tsan-lockorder.log"), 2.0, 0.5, NULL, 0);
    cell_add_run(&c[4], DATA("tsan-uaf.log"), 2.0, 0.5, NULL, 0);
    cell_add_run(&c[4], DATA("tsan-thread_leak.log"), 2.0, 0.5, NULL, 0);
    cell_add_run(&c[4], DATA("tsan-destroy_locked.log"), 2.0, 0.5, NULL, 0);
    cell_add_run(&c[4], DATA("tsan-unlock_unlocked.log"), 2.0, 0.5, NULL, 0);
    free(c[4].findings[0].finding.summary);
    c[4].findings[0].finding.summary = strdup(DIAG_HOSTILE);

    cell_init(&c[5], "cache-race", "fixed", "none", 0);
    cell_add_run(&c[5], NULL, 1.0, -1, NULL, 0);

    cell_init(&c[6], "lock-order", "fixed", "drd", 0);
    cell_add_run(&c[6], NULL, 0.5, -1, NULL, 0);
    c[6].runs[0].outcome = RUN_TOOL_ERROR;
    c[6].runs[0].exit_status = 1;
    c[6].runs[0].reason = strdup(DIAG_TOOL_ERROR);

    for (int i = 0; i < NDIAG; i++) {
        diag_rebase(&c[i]);
        cell_judge(&c[i]);
    }
}

#endif
