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
/* The rest of the server (SOURCE's src/server without MODULE.c) in flavor
 * FL, compiled from a copy with neutral paths: LIBDIR/lib-MODULE-FL.a,
 * built once.  Malloc'd path, or NULL with ERR. */
char *hunt_build_lib(const char *source, const char *libdir, const char *module, int fl,
                     char *err, size_t errlen);
/* The module's contract suite (tests/contract/contract_MODULE.c, and
 * what tests/contract/sources.ini says it links besides) compiled as the check
 * does (gcc -O1 -g), neutral paths, archived into OUT.  0 or -1 with ERR. */
int hunt_build_contract(const char *source, const char *libdir, const char *module,
                        const char *out, char *err, size_t errlen);
struct paths;
struct scenario;
/* Where the libraries are cached: HUNT/.lib-HASH (HASH of src/server), or
 * under $RACELAB_HUNT_LIB_DIR. */
char *hunt_lib_dir(const struct paths *p);
/* SCENARIO's buggy.c with its first line naming module.c, not the module's
 * file or the scenario (cmd_hunt.c); malloc'd or NULL. */
char *hunt_module_text(const char *source, const struct scenario *s);
/* The case file's text of a case folder, case file or ID (whose folder is
 * under the hunt dir), or NULL when ARG is none of these. */
char *hunt_case_file(const char *arg, const struct paths *p);
/* True when flavor FL's compiler is installed. */
bool hunt_flavor_available(int fl);

#endif
