/* none.c - no detector: the release build, bare.  What it sees are the
 * symptoms: the oracles, crashes and hangs (run/oracle.c, run/hang.c). */
#include "detector.h"

const struct detector detector_none = {
    .name = "none",
    .label = "no-tool",
    .title = "no detector: the release build, judged by the symptom oracles, "
             "crashes and hangs",
    .flavor = "release",
    .kinds = 0,
    .by_default = true,
    .reports = false,
    .hang_factor = 1, .slow_factor = 1,
    .startup_seconds = 10, .shutdown_seconds = 2, .timeout_extra = 60,
    .gdb_attach = true,
    .preload_chaos = true,
    .report_exit = -1,
};
