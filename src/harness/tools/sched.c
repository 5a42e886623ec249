/* sched.c - the controlled scheduler (racelab cc, src/sched) as a runner
 * mode: a program built for it runs bare, one thread at a time, its
 * schedule logged to RUN/sched.log; its deadlock exit (86) is a hang with
 * the runtime's wait-for cycle (sched_detect.c).  Picked by the program's
 * build (racelab_sched_runtime), never by --tool; its cells are "none". */
#include "detector.h"
#include "sched_detect.h"

static void sched_command(const struct detector_run *run, struct strvec *argv,
                          struct strvec *env)
{
    (void)argv;         /* the runtime is linked in: no wrapper */
    /* the schedule, quoted if the run fails */
    sv_push_own(env, xasprintf("RACELAB_SCHED_LOG=%s/sched.log", run->tmp));
}

static bool sched_verdict(const struct detector_run *run, int status,
                          char **hang_report, struct strbuf *oracles,
                          struct strvec *fired)
{
    return sched_run_verdict(status, run->tmp, hang_report, oracles, fired);
}

const struct detector detector_sched = {
    .name = "none",     /* its cells and JSON say "none", as before */
    .label = "controlled-scheduler",
    .title = "the controlled scheduler (racelab cc builds): one thread at a time, "
             "a seeded schedule, deadlocks reported with their cycle",
    .flavor = "sched",
    .build_mark = "racelab_sched_runtime",
    .build_hint = "racelab cc",
    .kinds = 0,
    .reports = false,
    .hang_factor = 1, .slow_factor = 1,
    .startup_seconds = 10, .shutdown_seconds = 2, .timeout_extra = 60,
    .gdb_attach = true,
    .preload_chaos = false,     /* RACELAB_CHAOS reaches its own scheduler */
    .report_exit = -1,
    .command = sched_command,
    .verdict = sched_verdict,
};
