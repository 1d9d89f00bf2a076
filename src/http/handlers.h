/* handlers.h — the handlers of the API's routes (router.c), one file per resource. */
#ifndef BRAID_HTTP_HANDLERS_H
#define BRAID_HTTP_HANDLERS_H

#include "http/http.h"

/* api_system.c */
void api_healthz(struct http_request *req, struct http_response *res);
void api_catalog_programs(struct http_request *req, struct http_response *res);
void api_catalog_services(struct http_request *req, struct http_response *res);

/* auth.c */
void api_session_create(struct http_request *req, struct http_response *res);
void api_session_get(struct http_request *req, struct http_response *res);
void api_session_delete(struct http_request *req, struct http_response *res);

/* api_people.c */
void api_people_create(struct http_request *req, struct http_response *res);
void api_people_search(struct http_request *req, struct http_response *res);
void api_person_get(struct http_request *req, struct http_response *res);
void api_person_patch(struct http_request *req, struct http_response *res);
void api_person_exit(struct http_request *req, struct http_response *res);

#endif
