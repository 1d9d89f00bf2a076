/* auth.c — credentials from the request, and the session resource (auth.h). */
#include "http/auth.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "http/errors.h"
#include "http/handlers.h"
#include "http/router.h"
#include "http/server.h"

#define BEARER "Bearer"

/* The token of an "Authorization: Bearer TOKEN" header, or NULL when the header is another
 * scheme. */
static const char *
bearer_token(const char *authorization)
{
    size_t n = strlen(BEARER);
    if (strncasecmp(authorization, BEARER, n) != 0 || authorization[n] != ' ')
        return NULL;
    const char *token = authorization + n;
    while (*token == ' ')
        token++;
    return token;
}

int
http_authenticate(struct http_request *req, struct http_response *res)
{
    const char *authorization = http_header_get(req, "Authorization");
    const char *cookie = http_cookie_get(req, HTTP_SESSION_COOKIE);
    struct br_error err;
    int rc;

    br_error_clear(&err);
    if (authorization != NULL) {
        const char *token = bearer_token(authorization);
        rc = token != NULL
                 ? app_actor_from_token(req->app, token, &req->principal, &err)
                 : br_error_set(&err, BR_EAUTH, "the Authorization header must be 'Bearer TOKEN'");
    } else if (cookie != NULL) {
        rc = app_session_lookup(req->app, cookie, http_header_get(req, HTTP_CSRF_HEADER),
                                http_method_writes(req->method), req->now, &req->principal, &err);
    } else {
        rc = br_error_set(&err, BR_EAUTH,
                          "sign in first (POST /api/v1/session), or send an API token");
    }
    if (rc != 0) {
        http_error_reply(req, res, &err);
        return rc;
    }
    req->actor = app_principal_actor(&req->principal);
    req->authenticated = true;
    return 0;
}

static json_t *
user_json(const struct app_principal *p)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s}", "id", (json_int_t)p->user.id, "email",
                     p->user.email, "name", p->user.name, "role", p->user.role, "agency",
                     p->user.agency);
}

/* A string member of the body; a field error when it is missing or not a string. */
static const char *
body_string(json_t *body, const char *key, struct br_error *err)
{
    json_t *value = json_object_get(body, key);
    if (!json_is_string(value)) {
        br_error_field(err, key, value == NULL ? "is required" : "must be a string");
        return NULL;
    }
    if (strlen(json_string_value(value)) != json_string_length(value)) {
        br_error_field(err, key, "must not contain a NUL character");
        return NULL;
    }
    return json_string_value(value);
}

void
api_session_create(struct http_request *req, struct http_response *res)
{
    struct app_login login;
    struct br_error err;
    int64_t retry_after = 0;
    const char *key;
    json_t *value;

    br_error_clear(&err);
    const char *email = body_string(req->json, "email", &err);
    const char *password = body_string(req->json, "password", &err);
    json_object_foreach(req->json, key, value)
    {
        if (strcmp(key, "email") != 0 && strcmp(key, "password") != 0)
            br_error_field(&err, key, "is not a field of a sign-in");
    }
    if (err.n_fields > 0) {
        br_error_set(&err, BR_EINVAL, "a sign-in needs an e-mail and a password");
        http_error_reply(req, res, &err);
        return;
    }
    if (app_session_login(req->app, http_server_login_limits(req->server), email, password,
                          req->client, req->now, &login, &retry_after, &err) != 0) {
        http_error_reply(req, res, &err);
        if (err.code == BR_ELIMIT)
            http_header_add(res, "Retry-After", "%lld", (long long)retry_after);
        return;
    }
    /* HttpOnly: scripts never see the session; SameSite=Strict: other sites never send it. */
    http_header_add(res, "Set-Cookie", "%s=%s; HttpOnly; SameSite=Strict; Path=/; Max-Age=%d",
                    HTTP_SESSION_COOKIE, login.token, SESSION_TTL_SECONDS);
    http_reply_json(res, 200,
                    json_pack("{s:o, s:s, s:I}", "user", user_json(&login.principal), "csrf_token",
                              login.principal.csrf_token, "expires_in",
                              (json_int_t)SESSION_TTL_SECONDS));
    sodium_memzero(login.token, sizeof(login.token));
}

void
api_session_get(struct http_request *req, struct http_response *res)
{
    json_t *body = json_pack("{s:o}", "user", user_json(&req->principal));
    if (req->principal.by_session)
        json_object_set_new(body, "csrf_token", json_string(req->principal.csrf_token));
    http_reply_json(res, 200, body);
}

void
api_session_delete(struct http_request *req, struct http_response *res)
{
    struct br_error err;

    br_error_clear(&err);
    if (!req->principal.by_session) {
        br_error_set(&err, BR_EINVAL, "this request came with an API token, not a session");
        http_error_reply(req, res, &err);
        return;
    }
    if (app_session_end(req->app, &req->actor, http_cookie_get(req, HTTP_SESSION_COOKIE), &err) !=
        0) {
        http_error_reply(req, res, &err);
        return;
    }
    res->status = 204;
    http_header_add(res, "Set-Cookie", "%s=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0",
                    HTTP_SESSION_COOKIE);
}
