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

/* api_casefile.c */
void api_enrollments_list(struct http_request *req, struct http_response *res);
void api_enrollments_create(struct http_request *req, struct http_response *res);
void api_enrollment_patch(struct http_request *req, struct http_response *res);
void api_person_eligibility(struct http_request *req, struct http_response *res);
void api_services_list(struct http_request *req, struct http_response *res);
void api_services_create(struct http_request *req, struct http_response *res);
void api_service_get(struct http_request *req, struct http_response *res);
void api_service_patch(struct http_request *req, struct http_response *res);
void api_gaps_list(struct http_request *req, struct http_response *res);
void api_gaps_create(struct http_request *req, struct http_response *res);
void api_notes_list(struct http_request *req, struct http_response *res);
void api_notes_create(struct http_request *req, struct http_response *res);
void api_contacts_list(struct http_request *req, struct http_response *res);
void api_contacts_create(struct http_request *req, struct http_response *res);
void api_person_bundle(struct http_request *req, struct http_response *res);

/* api_declines.c */
void api_declines_list(struct http_request *req, struct http_response *res);
void api_declines_create(struct http_request *req, struct http_response *res);

/* api_records.c */
void api_consents_list(struct http_request *req, struct http_response *res);
void api_consents_create(struct http_request *req, struct http_response *res);
void api_consent_revoke(struct http_request *req, struct http_response *res);
void api_assessments_list(struct http_request *req, struct http_response *res);
void api_assessments_create(struct http_request *req, struct http_response *res);
void api_plans_list(struct http_request *req, struct http_response *res);
void api_plans_create(struct http_request *req, struct http_response *res);
void api_plan_goals_create(struct http_request *req, struct http_response *res);
void api_plan_goal_patch(struct http_request *req, struct http_response *res);
void api_plan_reviews_create(struct http_request *req, struct http_response *res);
void api_plan_sign(struct http_request *req, struct http_response *res);
void api_outcomes_list(struct http_request *req, struct http_response *res);
void api_outcomes_create(struct http_request *req, struct http_response *res);

/* api_admin.c */
void api_audit_list(struct http_request *req, struct http_response *res);
void api_admin_users_list(struct http_request *req, struct http_response *res);
void api_admin_users_create(struct http_request *req, struct http_response *res);
void api_admin_agencies_list(struct http_request *req, struct http_response *res);
void api_admin_agencies_create(struct http_request *req, struct http_response *res);
void api_admin_roles(struct http_request *req, struct http_response *res);
void api_admin_settings(struct http_request *req, struct http_response *res);

/* api_alerts.c */
void api_person_alerts(struct http_request *req, struct http_response *res);
void api_caseload(struct http_request *req, struct http_response *res);

#endif
