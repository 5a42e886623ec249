/* docroot.h - the deterministic static files the server serves.
 *
 * File /f/N.html has docroot_size(N) bytes whose content is a pure
 * function of N, so the load generator can verify every body it receives
 * without reading the files.  Files 0..DOCROOT_SMALL-1 are small (the
 * `hits` profile); the rest range from 200 B to 64 KiB.
 */
#ifndef RACELAB_DOCROOT_H
#define RACELAB_DOCROOT_H

#include <stddef.h>

#define DOCROOT_SMALL 8
#define DOCROOT_MIN_FILES 200
#define DOCROOT_MAX_FILES 4000

size_t docroot_size(unsigned n);
/* Writes the LEN bytes of file N into BUF. */
void docroot_fill(unsigned n, char *buf, size_t len);
/* The body of /index.html (malloc'd). */
char *docroot_index(unsigned nfiles, size_t *len);
/* How many files make the docroot at least twice CACHE_MB. */
unsigned docroot_files_for_cache(long cache_mb);
/* Creates DIR/index.html and DIR/f/0..NFILES-1.html.  Returns 0, or -1
 * with ERR naming the failing call. */
int docroot_create(const char *dir, unsigned nfiles, char *err, size_t errlen);

#endif
