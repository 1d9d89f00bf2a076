/* static.h — the web app's files (web/), served under "/" with their content types.  Only plain
 * files inside the web root are served: a path with an empty, "." or ".." segment, a hidden
 * name, or an odd character is refused, and a symbolic link that leads outside the root is
 * not followed. */
#ifndef BRAID_HTTP_STATIC_H
#define BRAID_HTTP_STATIC_H

#include "http/http.h"

/* The largest file served. */
#define HTTP_STATIC_MAX ((uint64_t)64 << 20)

/* Answers a GET or HEAD of req->path from web_root (404 when there is no such file). */
void http_static_serve(const struct http_request *req, struct http_response *res,
                       const char *web_root);

/* The content type of a file name, by its extension. */
const char *http_static_type(const char *name);

#endif
