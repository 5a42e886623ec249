/* net.h - listening TCP socket, a little less boring. */
#ifndef RACELAB_NET_H
#define RACELAB_NET_H

#include <stddef.h>

/* Binds HOST:PORT (IPv4; PORT 0 lets the kernel choose) and listens.
 * Returns the non-blocking listening fd and stores the bound port in
 * *BOUND_PORT, or -1 with ERR naming the failing call. */
int net_listen(const char *host, int port, int backlog, int *bound_port,
               char *err, size_t errlen);

#endif
