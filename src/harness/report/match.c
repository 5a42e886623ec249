/* match.c - is a finding at one of a scenario's known source locations? */
#include "match.h"
#include "diagnosis.h"

#include <string.h>

/* True when PATH ends with SUFFIX at a path-component boundary:
 * "/work/main/scenarios/x/buggy.c" ends with "scenarios/x/buggy.c" but
 * "/src/notbuggy.c" does not end with "buggy.c". */
static bool path_ends_with(const char *path, const char *suffix)
{
    size_t lp, ls;

    while (suffix[0] == '.' && suffix[1] == '/')
        suffix += 2;
    lp = strlen(path);
    ls = strlen(suffix);
    if (ls == 0 || ls > lp || strcmp(path + lp - ls, suffix) != 0)
        return false;
    return lp == ls || path[lp - ls - 1] == '/' || suffix[0] == '/';
}

static bool frame_at(const struct frame *fr, const struct location *loc)
{
    if (!fr->file || !loc->file)
        return false;
    /* A location without a line (0) names the whole file. */
    if (loc->line > 0 && fr->line != loc->line)
        return false;
    return path_ends_with(fr->file, loc->file);
}

/* Frames that count toward the matching depth: program code.  Tool
 * interceptors and wrappers, frames with no source (a library without
 * debug info) and the C library's own sources (its debug info names them
 * relative, "./libio/genops.c") are passed through: a race inside
 * vsnprintf() is placed by the program's call of it. */
static bool frame_counts(const struct frame *fr)
{
    return frame_is_program(fr);
}

bool finding_at_locations(const struct finding *f, const struct location *locs,
                          size_t nlocs, size_t depth)
{
    /* A report made only of background stacks (TSan's thread leak is the
     * leaked thread's creation stack alone) is placed by them. */
    bool only_background = true;

    for (size_t s = 0; s < f->nstacks; s++)
        only_background &= f->stacks[s].context != 0;
    for (size_t s = 0; s < f->nstacks; s++) {
        const struct stack *st = &f->stacks[s];
        size_t counted = 0;

        /* Where a thread, mutex or block was made, or DRD's other
         * segment, is background: a bug is where the accesses happen. */
        if (st->context && !only_background)
            continue;
        for (size_t i = 0; i < st->nframes; i++) {
            for (size_t l = 0; l < nlocs; l++)
                if (frame_at(&st->frames[i], &locs[l]))
                    return true;
            if (frame_counts(&st->frames[i]) && depth && ++counted >= depth)
                break;
        }
    }
    return false;
}
