/* api_alerts.h — a person's alerts as every answer that carries them has them (api_alerts.c):
 * GET /api/v1/people/{id}/alerts, and the answers to changes that move the exit clock
 * (api_casefile.c). */
#ifndef BRAID_HTTP_API_ALERTS_H
#define BRAID_HTTP_API_ALERTS_H

#include <stdint.h>

#include <jansson.h>

#include "core/alerts.h"
#include "core/error.h"
#include "http/http.h"

/* Adds to body the alerts of the request's person (req->ids[0]) as of as_of, as "alerts", and
 * the areas withheld from the caller, whose alerts were not computed, as "withheld" ("case_notes",
 * ...): app_person_alerts reads them, access checked and audited.  0, or its error. */
int api_alerts_add(struct http_request *req, int32_t as_of, json_t *body, struct br_error *err);

/* Adds alerts already read ("alerts" and "withheld", as api_alerts_add has them) to body. */
void api_alerts_set(struct http_request *req, json_t *body, const struct alert_list *alerts,
                    unsigned withheld);

#endif
