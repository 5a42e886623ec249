/* http_client.h - a minimal blocking HTTP/1.1 client: enough to drive the server
 * and to verify every response it sends. */
#ifndef RACELAB_HTTP_CLIENT_H
#define RACELAB_HTTP_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

struct http_conn {
    int fd;                     /* -1 when not connected */
    size_t off, len;            /* unread bytes are buf[off..len) */
    char buf[16384];
};

struct http_resp {
    int status;
    long content_length;        /* -1 if absent */
    bool close;                 /* Connection: close */
    char *body;                 /* malloc'd when a body was read */
    size_t body_len;
};

enum {
    HTTP_OK = 0,
    HTTP_ERR = -1,              /* transport or protocol error */
    HTTP_EOF = -2               /* peer closed before any response byte */
};

/* Connects to 127.0.0.1:PORT; I/O then times out after TIMEOUT seconds. */
int http_connect(struct http_conn *c, int port, double timeout,
                 char *err, size_t errlen);
void http_close(struct http_conn *c);
int http_send(struct http_conn *c, const char *req, size_t len,
              char *err, size_t errlen);
/* Reads one response; HEAD means no body follows. */
int http_read(struct http_conn *c, bool head, struct http_resp *r,
              char *err, size_t errlen);
void http_resp_free(struct http_resp *r);

/* One GET on a new connection.  Returns HTTP_OK with R filled. */
int http_get(int port, const char *path, double timeout,
             struct http_resp *r, char *err, size_t errlen);

/* Finds "NAME": NUMBER in a flat JSON object; false if absent. */
bool json_number(const char *json, const char *name, long long *out);

#endif
