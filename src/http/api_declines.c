/* api_declines.c — a person's co-enrollment declines (RULES.md §6 TAA_REQUIRES_DW):
 *   GET  /api/v1/people/{id}/coenrollment-declines?limit=&offset=
 *   POST /api/v1/people/{id}/coenrollment-declines  {"rule", "declined_on", "note"}
 * A recorded decline satisfies its rule, so the answer to a POST carries the person's alerts as
 * of today, as GET /api/v1/people/{id}/alerts has them.  Thin: parse, app/declines.c, encode. */
#include <stdlib.h>

#include "app/admin.h"
#include "app/declines.h"
#include "core/date.h"
#include "http/api_alerts.h"
#include "http/api_body.h"
#include "http/api_page.h"
#include "http/errors.h"
#include "http/handlers.h"

static json_t *
decline_json(const struct coenroll_decline *d)
{
    char day[DATE_TEXT_SIZE];
    return json_pack("{s:I, s:I, s:s, s:s, s:o, s:o}", "id", (json_int_t)d->id, "person_id",
                     (json_int_t)d->person_id, "rule", d->rule, "declined_on",
                     date_format(d->declined_on, day), "note",
                     d->note[0] != '\0' ? json_string(d->note) : json_null(), "recorded_by",
                     d->recorded_by != 0 ? json_integer((json_int_t)d->recorded_by) : json_null());
}

void
api_declines_list(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"limit", "offset", NULL};
    struct decline_list list = {0};
    struct api_page page;
    struct br_error err;
    size_t count;

    br_error_clear(&err);
    http_query_check(req, allowed, &err);
    api_page_parse(req, &page, &err);
    app_page_check(page.limit, page.offset, &err);
    if (http_error_fields(req, res, &err, "the list cannot be read"))
        return;
    if (app_list_declines(req->app, &req->actor, req->ids[0], &list, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *items = json_array();
    size_t first = api_page_slice(&page, list.n, &count);
    for (size_t i = first; i < first + count; i++)
        json_array_append_new(items, decline_json(&list.items[i]));
    http_reply_json(res, 200,
                    api_page_json("coenrollment_declines", items, count, (int64_t)list.n, &page));
out:
    free(list.items);
}

void
api_declines_create(struct http_request *req, struct http_response *res)
{
    static const char *const known[] = {"rule", "declined_on", "note", NULL};
    struct decline_input in = {0};
    struct coenroll_decline decline;
    struct br_error err;

    br_error_clear(&err);
    api_body_known(req->json, known, "a co-enrollment decline", &err);
    in.rule = api_body_string(req->json, "rule", &err);
    in.declined_on = api_body_string(req->json, "declined_on", &err);
    in.note = api_body_string(req->json, "note", &err);
    /* The use case names its own bad fields along with these: one 400 names them all. */
    if (app_record_decline(req->app, &req->actor, req->ids[0], &in, &decline, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    json_t *body = json_pack("{s:o}", "coenrollment_decline", decline_json(&decline));
    if (api_alerts_add(req, req->app->today, body, &err) != 0) {
        /* The decline is recorded; only its answer failed. */
        json_decref(body);
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 201, body);
}
