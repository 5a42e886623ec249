/* screen.h - what a submission may not contain (racelab check).
 *
 * A module is graded on its own code only: it may include its header, the
 * server's other public headers and system headers, and nothing else; it
 * may not blind a detector (sanitizer attributes and pragmas, Valgrind
 * client requests, TSan annotations, inline assembly), run code before or
 * after the tests (constructors, destructors, .init_array, main), or ask
 * which build it is in.  Three passes, each returning NULL (clean) or the
 * reason (malloc'd, naming the line where there is one):
 *   screen_source        the file as written (#include, #pragma, #line,
 *                        build-detecting macros that vanish in -E);
 *   screen_preprocessed  gcc -E output, the lines of the file itself, so
 *                        that a macro cannot hide a pragma or attribute;
 *   screen_object        the compiled object: `nm -P` (symbols) and
 *                        `readelf -SW` (sections). */
#ifndef RACELAB_SCREEN_H
#define RACELAB_SCREEN_H

#include <stddef.h>

/* HEADERS: the names ("cache.h", ...) a quoted #include may name. */
char *screen_source(const char *code, size_t len, const char *const *headers,
                    size_t nheaders);
/* MAIN: the file name gcc was given ("cache.c"). */
char *screen_preprocessed(const char *text, const char *main);
/* LIBC_DEFINES(name): true when NAME is a C library function or object
 * (a module that defines one replaces it for the whole server). */
char *screen_object(const char *nm_out, const char *sections_out,
                    int (*libc_defines)(const char *name));

#endif
