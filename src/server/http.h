/* http.h - HTTP/1.1 request parsing and response heads (RFC 9112), as pure
 * functions over byte buffers so they can be unit-tested and fuzzed. */
#ifndef RACELAB_HTTP_H
#define RACELAB_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_limits {
    size_t max_request_line;    /* longer: 414 URI Too Long */
    size_t max_header_bytes;    /* request line + headers; larger: 431 */
    size_t max_body_bytes;      /* Content-Length above it: 413 */
};

enum http_method { HTTP_GET, HTTP_HEAD, HTTP_OTHER };

struct http_request {
    enum http_method method;
    const char *method_name;    /* points into the buffer, not terminated */
    size_t method_len;
    const char *target;         /* request-target, not NUL-terminated */
    size_t target_len;
    int version_minor;          /* 0 or 1 (HTTP/1.x only) */
    bool keep_alive;            /* after Connection and version rules */
    bool has_host;
    size_t content_length;      /* body bytes that follow the head */
    size_t head_len;            /* bytes of request line + headers + CRLF */
};

/* Parses the request head at the start of BUF.  Returns the head length
 * (> 0) when a complete head was parsed into REQ, 0 when more bytes are
 * needed, or a negative HTTP status when the request is invalid:
 * -400 malformed, -414 request line too long, -431 headers too large,
 * -413 body too large, -501 Transfer-Encoding, -505 not HTTP/1.x. */
int http_parse_request(const char *buf, size_t len,
                       const struct http_limits *lim, struct http_request *req);

/* Reason phrase for STATUS ("Not Found"), or "Unknown". */
const char *http_status_text(int status);

/* Content-Type for a file name by its extension, application/octet-stream
 * when unknown. */
const char *http_content_type(const char *path);

/* Formats a response head into BUF.  EXTRA is NULL or extra header lines,
 * each ending in CRLF.  Returns its length, or 0 if SIZE is too small. */
size_t http_format_head(char *buf, size_t size, int status,
                        const char *content_type, size_t content_length,
                        bool keep_alive, const char *extra);

#endif
