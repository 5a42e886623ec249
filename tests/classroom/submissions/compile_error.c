/* compile_error.c - a submission with a syntax error: rejected, with the
 * compiler's message. */
#include "stats.h"

int stats_init(void)
{
    return 0
}
