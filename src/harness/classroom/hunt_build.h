/* hunt_build.h - a hunt case's servers, built so that nothing in them
 * names the scenario: the rest of the server as a static library compiled
 * from a copy with neutral paths (cached per module and flavor), the
 * scenario's buggy module as a renamed copy, module.c, and a per-case salt
 * in the build ID so that no two cases and no scenario binary are alike
 * byte for byte. */
#ifndef RACELAB_HUNT_BUILD_H
#define RACELAB_HUNT_BUILD_H

#include <stdbool.h>
#include <stddef.h>

enum { HB_RELEASE, HB_TSAN, HB_VALGRIND, HB_COUNT };
extern const char *const hunt_flavor_names[HB_COUNT];

/* Builds flavor FL of the case into EXE: SOURCE's src/server without
 * MODULE.c (lib cached in LIBDIR), plus MODULE_TEXT compiled as module.c,
 * linked with build ID SALT (16 hex digits).  0, or -1 with ERR (which
 * names no scenario). */
int hunt_build(const char *source, const char *libdir, const char *module,
               const char *module_text, int fl, const char *salt, const char *exe,
               char *err, size_t errlen);
/* True when flavor FL's compiler is installed. */
bool hunt_flavor_available(int fl);

#endif
