/* sched_detect.c - telling a `racelab cc` build (controlled scheduler,
 * src/sched) from a ThreadSanitizer build: both carry __tsan_* symbols,
 * only the first carries the runtime's mark. */
#include "cli.h"

#include <stdlib.h>
#include <string.h>

bool binary_has_sched(const char *path)
{
    size_t n;
    char *data = read_file(path, &n);
    bool yes;

    if (!data)
        return false;
    /* the exported symbol racelab_sched_runtime (src/sched/sched.c) */
    yes = memmem(data, n, "racelab_sched_runtime", 21) != NULL;
    free(data);
    return yes;
}
