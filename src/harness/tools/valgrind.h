/* valgrind.h - what Helgrind and DRD share (valgrind.c): one command line,
 * one health check, one XML report (report/valgrind_xml.c).  Each tool's
 * file (helgrind.c, drd.c) is its struct detector over these. */
#ifndef RACELAB_VALGRIND_H
#define RACELAB_VALGRIND_H

#include "detector.h"

/* The fields Helgrind and DRD have in common; NAME, TITLE and KINDS are
 * each tool's. */
#define VALGRIND_DETECTOR_COMMON                                        \
    .flavor = "valgrind", .requires = "valgrind",                      \
    .refuses_mark = "__tsan_init", .by_default = true, .reports = true, \
    .hang_factor = 6, .slow_factor = 30, .startup_seconds = 60,         \
    .shutdown_seconds = 15, .timeout_extra = 180,                       \
    .gdb_attach = false,    /* gdb cannot attach to the guest's threads */ \
    .preload_chaos = true, .report_exit = -1,                           \
    .health = valgrind_health, .report_bytes = valgrind_report_bytes

/* valgrind --tool=TOOL --xml=yes --xml-file=RUN/vg.xml ... */
void valgrind_command(const char *tool, const struct detector_run *run,
                      struct strvec *argv);
char *valgrind_health(const struct detector_run *run, bool finished);
/* RUN/vg.xml, read early by cutting after the last complete </error>. */
int valgrind_parse(const char *tool, const struct detector_run *run,
                   struct finding_list *out, char *err, size_t errlen);
off_t valgrind_report_bytes(const struct detector_run *run);

#endif
