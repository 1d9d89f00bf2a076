/* api_alerts.c — the case-management alerts of RULES.md §8:
 *   GET /api/v1/people/{id}/alerts?as_of=YYYY-MM-DD
 *   GET /api/v1/caseload?as_of=YYYY-MM-DD&limit=&offset=
 * as_of defaults to today.  Thin: parse, app/alerts_app.c, encode. */
#include <string.h>

#include "app/alerts_app.h"
#include "core/date.h"
#include "http/api_alerts.h"
#include "http/api_page.h"
#include "http/errors.h"
#include "http/handlers.h"

/* as_of from the query (today when absent); a field error when it is not a date. */
static int32_t
query_as_of(const struct http_request *req, struct br_error *err)
{
    const char *text = http_query_get(req, "as_of");
    int32_t as_of = req->app->today;

    if (text != NULL && date_parse(text, &as_of) != 0) {
        br_error_field(err, "as_of", "must be a date as YYYY-MM-DD");
        return DATE_NONE;
    }
    return as_of;
}

static json_t *
day_json(int32_t day)
{
    char text[DATE_TEXT_SIZE];
    return json_string(date_format(day, text));
}

void
api_alerts_set(struct http_request *req, json_t *body, const struct alert_list *alerts,
               unsigned withheld)
{
    json_object_set_new(body, "alerts", app_alerts_json(req->app, alerts->items, alerts->n));
    json_object_set_new(body, "withheld", app_alerts_withheld_json(withheld));
}

int
api_alerts_add(struct http_request *req, int32_t as_of, json_t *body, struct br_error *err)
{
    struct alert_list alerts;
    unsigned withheld = 0;

    alert_list_init(&alerts);
    int rc = app_person_alerts(req->app, &req->actor, req->ids[0], as_of, &alerts, &withheld, err);
    if (rc == 0)
        api_alerts_set(req, body, &alerts, withheld);
    alert_list_cleanup(&alerts);
    return rc;
}

void
api_person_alerts(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"as_of", NULL};
    struct br_error err;

    br_error_clear(&err);
    http_query_check(req, allowed, &err);
    int32_t as_of = query_as_of(req, &err);
    if (err.n_fields > 0) {
        br_error_set(&err, BR_EINVAL, "the alerts cannot be computed");
        http_error_reply(req, res, &err);
        return;
    }
    json_t *body =
        json_pack("{s:I, s:o}", "person_id", (json_int_t)req->ids[0], "as_of", day_json(as_of));
    if (api_alerts_add(req, as_of, body, &err) != 0) {
        json_decref(body);
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, body);
}

void
api_caseload(struct http_request *req, struct http_response *res)
{
    static const char *const allowed[] = {"as_of", "limit", "offset", NULL};
    struct caseload caseload;
    struct api_page page;
    struct br_error err;

    br_error_clear(&err);
    memset(&caseload, 0, sizeof(caseload));
    http_query_check(req, allowed, &err);
    int32_t as_of = query_as_of(req, &err);
    api_page_parse(req, &page, &err);
    if (err.n_fields > 0) {
        br_error_set(&err, BR_EINVAL, "the caseload cannot be read");
        http_error_reply(req, res, &err);
        return;
    }
    if (app_caseload(req->app, &req->actor, as_of, page.limit, page.offset, &caseload, &err) != 0) {
        http_error_reply(req, res, &err);
        goto out;
    }
    json_t *people = json_array();
    for (size_t i = 0; i < caseload.n_people; i++) {
        const struct caseload_person *p = &caseload.people[i];
        json_array_append_new(
            people, json_pack("{s:I, s:s, s:s, s:o}", "id", (json_int_t)p->person_id, "first_name",
                              p->first_name, "last_name", p->last_name, "alerts",
                              app_alerts_json(req->app, &caseload.alerts.items[p->first_alert],
                                              p->n_alerts)));
    }
    json_t *body = api_page_json("people", people, caseload.n_people, caseload.total, &page);
    json_object_set_new(body, "as_of", day_json(as_of));
    json_object_set_new(body, "agency_id", json_integer((json_int_t)req->actor.agency_id));
    json_object_set_new(body, "withheld", app_alerts_withheld_json(caseload.withheld));
    http_reply_json(res, 200, body);
out:
    app_caseload_cleanup(&caseload);
}
