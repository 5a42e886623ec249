/* path.h - from a request-target to a file that can never lie outside the
 * document root. */
#ifndef RACELAB_PATH_H
#define RACELAB_PATH_H

#include <stddef.h>

/* Decodes the path of TARGET (percent-decoding once, dropping the query
 * and fragment) and normalizes it into OUT as a relative path without a
 * leading slash ("" is the root itself; "." segments and empty segments
 * are dropped).  Returns 0, or the HTTP status to answer: 400 for a target
 * that is not origin-form, bad percent-encoding, an encoded NUL or a path
 * longer than OUTSIZE; 403 for any ".." segment. */
int path_from_target(const char *target, size_t len, char *out, size_t outsize);

/* Opens REL beneath the directory ROOTFD, refusing to resolve any
 * component (symlinks and ".." included) outside it.  Returns an fd or
 * -errno (-EXDEV or -ELOOP when the path would escape). */
int path_open_beneath(int rootfd, const char *rel, int flags);

#endif
