/* declines.c — co-enrollment declines (declines.h; RULES.md §6). */
#include "app/declines.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/access.h"
#include "core/coenroll.h"
#include "core/date.h"

/* Appends to buf the ids of the rules whose declinable flag is `declinable`, comma-separated. */
static void
rule_ids(const struct coenroll_config *config, bool declinable, char *buf, size_t size)
{
    buf[0] = '\0';
    for (size_t i = 0; i < config->n_rules; i++) {
        if (config->rules[i].declinable != declinable)
            continue;
        size_t used = strlen(buf);
        snprintf(buf + used, size - used, "%s%s", used > 0 ? ", " : "", config->rules[i].id);
    }
}

/* Whether err names field already (the request's shape was wrong there). */
static bool
named(const struct br_error *err, const char *field)
{
    for (size_t i = 0; i < err->n_fields; i++)
        if (strcmp(err->fields[i].field, field) == 0)
            return true;
    return false;
}

/* Checks every field of in into out (person_id and recorded_by set by the caller), naming each
 * bad one that err does not name yet. */
static void
decline_check(const struct app *app, const struct decline_input *in, struct coenroll_decline *out,
              struct br_error *err)
{
    struct coenroll_config config;
    char ids[256], day[DATE_TEXT_SIZE];

    coenroll_config_defaults(&config);
    const struct coenroll_rule *rule = coenroll_rule_find(&config, in->rule);
    if (named(err, "rule")) {
        /* already refused for its shape */
    } else if (in->rule == NULL || in->rule[0] == '\0') {
        rule_ids(&config, true, ids, sizeof(ids));
        br_error_field(err, "rule", "is required: the co-enrollment rule declined (%s)", ids);
    } else if (rule == NULL) {
        rule_ids(&config, true, ids, sizeof(ids));
        br_error_field(err, "rule", "is not a co-enrollment rule (a person may decline %s)", ids);
    } else if (!rule->declinable) {
        /* RULES.md §6: only the rule's own text lets a person decline (TAA_REQUIRES_DW). */
        rule_ids(&config, true, ids, sizeof(ids));
        br_error_field(err, "rule",
                       "%s cannot be declined: it is required, not offered (RULES.md §6 lets a "
                       "person decline only %s)",
                       rule->id, ids);
    } else {
        snprintf(out->rule, sizeof(out->rule), "%s", rule->id);
    }

    out->declined_on = app->today;
    if (in->declined_on != NULL && !named(err, "declined_on")) {
        int rc = date_parse(in->declined_on, &out->declined_on);
        if (rc == BR_EPARSE)
            br_error_field(err, "declined_on", "must be a date as YYYY-MM-DD");
        else if (rc != 0)
            br_error_field(err, "declined_on", "is not a date that exists");
        else if (out->declined_on > app->today)
            br_error_field(err, "declined_on",
                           "is after today (%s): a decline is recorded "
                           "once made",
                           date_format(app->today, day));
    }

    if (in->note != NULL && strlen(in->note) >= sizeof(out->note))
        br_error_field(err, "note", "is longer than %zu bytes", sizeof(out->note) - 1);
    else if (in->note != NULL)
        snprintf(out->note, sizeof(out->note), "%s", in->note);
}

int
app_record_decline(struct app *app, const struct actor *actor, int64_t person_id,
                   const struct decline_input *in, struct coenroll_decline *out,
                   struct br_error *err)
{
    struct decline_list existing = {0};
    struct stored_person person;
    char day[DATE_TEXT_SIZE];
    int rc;

    memset(out, 0, sizeof(*out));
    out->person_id = person_id;
    out->recorded_by = actor->user_id;
    decline_check(app, in, out, err);
    if (br_error_field_count(err) > 0)
        return br_error_set(err, BR_EINVAL, "the decline cannot be recorded");

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, person_id, &person, err)) != 0)
        goto out;
    if ((rc = access_require(app, actor, person_id, ACCESS_CASE_FILE, ACCESS_WRITE, NULL, err)) !=
        0) {
        if (access_keep_refusal(app, rc))
            goto done;
        goto out;
    }
    if ((rc = app->store->ops->declines_load(app->store, person_id, &existing.items, &existing.n,
                                             &existing.cap, err)) != 0)
        goto out;
    for (size_t i = 0; i < existing.n; i++) {
        if (strcmp(existing.items[i].rule, out->rule) == 0) {
            rc = br_error_set(err, BR_ECONFLICT, "person %lld declined %s on %s already",
                              (long long)person_id, out->rule,
                              date_format(existing.items[i].declined_on, day));
            goto out;
        }
    }
    if ((rc = app->store->ops->decline_insert(app->store, out, err)) != 0)
        goto out;
    rc = access_audit_append(
        app, actor, person_id, "coenrollment.decline", "coenrollment_decline", out->id, NULL,
        json_pack("{s:s, s:s, s:b}", "rule", out->rule, "declined_on",
                  date_format(out->declined_on, day), "note", out->note[0] != '\0'),
        err);
out:
    if (rc == 0)
        rc = app->store->ops->commit(app->store, err);
    else
        app->store->ops->rollback(app->store);
done:
    free(existing.items);
    return rc;
}

int
app_list_declines(struct app *app, const struct actor *actor, int64_t person_id,
                  struct decline_list *out, struct br_error *err)
{
    struct stored_person person;
    struct br_error ignored;
    int rc;

    out->n = 0;
    if ((rc = app->store->ops->begin_read(app->store, err)) != 0)
        return rc;
    if ((rc = app_person_load(app, person_id, &person, err)) == 0 &&
        (rc = access_require(app, actor, person_id, ACCESS_CASE_FILE, ACCESS_READ, NULL, err)) == 0)
        rc = app->store->ops->declines_load(app->store, person_id, &out->items, &out->n, &out->cap,
                                            err);
    if (rc == 0)
        return app->store->ops->commit(app->store, err);
    /* A read writes only audit entries: a refusal's stays on the record (RULES.md §11). */
    out->n = 0;
    br_error_clear(&ignored);
    if (app->store->ops->commit(app->store, &ignored) != 0)
        app->store->ops->rollback(app->store);
    return rc;
}
