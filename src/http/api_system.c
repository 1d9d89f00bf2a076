/* api_system.c — the server's health and the catalogs (programs, service codes). */
#include <stdbool.h>

#include "app/people.h"
#include "http/errors.h"
#include "http/handlers.h"

void
api_healthz(struct http_request *req, struct http_response *res)
{
    struct br_error err;
    int version = 0;

    br_error_clear(&err);
    /* Asks the database, so "ok" means this worker can reach it. */
    if (app_schema_version(req->app, &version, &err) != 0) {
        http_error_reply(req, res, &err);
        return;
    }
    http_reply_json(res, 200, json_pack("{s:s, s:i}", "status", "ok", "schema_version", version));
}

void
api_catalog_programs(struct http_request *req, struct http_response *res)
{
    const struct catalog *catalog = &req->app->catalog;
    json_t *programs = json_array();

    for (size_t i = 0; i < catalog->n_programs; i++) {
        const struct program *p = &catalog->programs[i];
        json_array_append_new(programs, json_pack("{s:s, s:s, s:s, s:s, s:b, s:b}", "code", p->code,
                                                  "title", p->title, "agency", p->agency, "kind",
                                                  p->kind, "common_exit", p->common_exit,
                                                  "job_center", p->job_center));
    }
    http_reply_json(res, 200, json_pack("{s:o}", "programs", programs));
}

void
api_catalog_services(struct http_request *req, struct http_response *res)
{
    const struct catalog *catalog = &req->app->catalog;
    json_t *services = json_array();

    for (size_t i = 0; i < catalog->n_services; i++) {
        const struct service_code *c = &catalog->services[i];
        json_array_append_new(services,
                              json_pack("{s:s, s:s, s:s, s:b, s:b}", "code", c->code, "title",
                                        c->title, "category", service_category_name(c->category),
                                        "triggers_participation", c->triggers_participation,
                                        "prevents_exit", c->prevents_exit));
    }
    http_reply_json(res, 200, json_pack("{s:o}", "services", services));
}
