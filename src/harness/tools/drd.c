/* drd.c - DRD (valgrind --tool=drd) as a detector: the plain -O1 build under
 * valgrind --tool=drd, its XML report (valgrind.c, report/valgrind_xml.c). */
#include "valgrind.h"

static void drd_command(const struct detector_run *run, struct strvec *argv,
                     struct strvec *env)
{
    (void)env;          /* drd needs no environment */
    valgrind_command("drd", run, argv);
}

static int drd_parse(const struct detector_run *run, struct finding_list *out,
                     bool partial, char *err, size_t errlen)
{
    (void)partial;      /* vg.xml is always read up to its last whole error */
    return valgrind_parse("drd", run, out, err, errlen);
}

const struct detector detector_drd = {
    .name = "drd",
    .label = "DRD",
    .title = "DRD (valgrind --tool=drd): data races, lock contention and pthread API misuse",
    .kinds = 1u << FINDING_DATA_RACE | 1u << FINDING_UNLOCK_UNLOCKED |
             1u << FINDING_DESTROY_LOCKED | 1u << FINDING_PTHREAD_MISUSE | 1u << FINDING_OTHER,
    .command = drd_command,
    .parse = drd_parse,
    VALGRIND_DETECTOR_COMMON,
};
