/* accesslog.h - one line per response in Common Log Format:
 *   127.0.0.1 - - [25/Nov/2026:16:49:01 +0000] "GET /index.html HTTP/1.1" 200 1024
 *
 * Called by every worker thread.  Lines must never interleave, and request
 * bytes are escaped (control bytes, quotes and backslashes as \xHH).
 */
#ifndef RACELAB_ACCESSLOG_H
#define RACELAB_ACCESSLOG_H

#include <stddef.h>
#include <netinet/in.h>

/* Opens PATH for appending ("-" is stdout).  NULL disables the log.
 * Returns 0 or -1 (errno set). */
int accesslog_open(const char *path);

void accesslog_write(const struct sockaddr_in *peer, const char *method,
                     const char *target, int version_minor, int status,
                     size_t body_bytes);

void accesslog_close(void);

#endif
