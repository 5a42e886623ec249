/* contract_sources.h - what a module's contract suite links besides the
 * module: the one declaration is tests/contract/sources.ini, read here for
 * `racelab check` and the hand-out Makefile, and by cmake/racelab.cmake. */
#ifndef RACELAB_CONTRACT_SOURCES_H
#define RACELAB_CONTRACT_SOURCES_H

#include <stddef.h>
#include "harness_util.h"

/* Appends to OUT the extra sources of MODULE's suite, as paths under the
 * source tree SOURCE ("src/server/workqueue.c").  0 (a module not listed,
 * or a tree without the file, adds nothing), or -1 with ERR naming the
 * file and line when it cannot be read. */
int contract_extra_sources(const char *source, const char *module,
                           struct strvec *out, char *err, size_t errlen);

/* The same as one string: each path as BEFORE PATH AFTER (malloc'd), or
 * NULL with ERR set. */
char *contract_extra_joined(const char *source, const char *module,
                            const char *before, const char *after,
                            char *err, size_t errlen);

#endif
