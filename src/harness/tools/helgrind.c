/* helgrind.c - Helgrind (valgrind --tool=helgrind) as a detector: the plain -O1 build under
 * valgrind --tool=helgrind, its XML report (valgrind.c, report/valgrind_xml.c). */
#include "valgrind.h"

static void helgrind_command(const struct detector_run *run, struct strvec *argv,
                          struct strvec *env)
{
    (void)env;          /* helgrind needs no environment */
    valgrind_command("helgrind", run, argv);
}

static int helgrind_parse(const struct detector_run *run, struct finding_list *out,
                          bool partial, char *err, size_t errlen)
{
    (void)partial;      /* vg.xml is always read up to its last whole error */
    return valgrind_parse("helgrind", run, out, err, errlen);
}

const struct detector detector_helgrind = {
    .name = "helgrind",
    .label = "Helgrind",
    .title = "Helgrind (valgrind --tool=helgrind): data races, lock-order inversions, pthread API misuse",
    .kinds = 1u << FINDING_DATA_RACE | 1u << FINDING_LOCK_ORDER | 1u << FINDING_UNLOCK_UNLOCKED |
             1u << FINDING_DESTROY_LOCKED | 1u << FINDING_PTHREAD_MISUSE | 1u << FINDING_OTHER,
    .command = helgrind_command,
    .parse = helgrind_parse,
    VALGRIND_DETECTOR_COMMON,
};
