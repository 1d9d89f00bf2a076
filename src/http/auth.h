/* auth.h — who is asking, for every route but the public ones: an API token
 * (Authorization: Bearer TOKEN) or the session cookie, which on a write must come with the
 * session's X-CSRF-Token.  The decisions are app_session_*'s (app/session.h); this file only
 * reads the headers and answers 401 or 403. */
#ifndef BRAID_HTTP_AUTH_H
#define BRAID_HTTP_AUTH_H

#include "http/http.h"

#define HTTP_SESSION_COOKIE "braid_session"
#define HTTP_CSRF_HEADER "X-CSRF-Token"

/* Sets req->principal, req->actor and req->authenticated, and returns 0; or answers res with
 * 401 (no or bad credentials) or 403 (a cookie write without the CSRF token) and returns the
 * BR_E* code. */
int http_authenticate(struct http_request *req, struct http_response *res);

#endif
