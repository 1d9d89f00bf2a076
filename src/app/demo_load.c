#include "app/demo_load.h"

#include <stdio.h>
#include <string.h>

#include "app/person_write.h"
#include "app/users.h"
#include "core/mem.h"

#define DEMO_BATCH 1000 /* people per transaction */

struct demo_load {
    struct app *app;
    int64_t *agency_ids; /* by catalog program index */
    int64_t *staff_ids;  /* by the generator's staff number */
    size_t n_staff;
    long done, total;
    app_progress_fn progress;
    void *progress_ctx;
    struct br_error *err;
    struct case_note *notes; /* the person's notes with stored agency and author ids */
    size_t cap_notes;
    struct contact *contacts;
    size_t cap_contacts;
    int64_t *service_staff; /* the person's services' stored staff ids */
    size_t cap_service_staff;
};

/* One agency per program, named for the program, and DEMO_STAFF_PER_PROGRAM staff in each — all
 * with one unusable password hash (nobody signs in as them) — except that the demo login, a WP
 * case manager, is WP's staff number DEMO_LOGIN_STAFF: the people the seed gives that case
 * manager (their WP services, notes and contacts) are the login's caseload. */
static int
create_staff(struct demo_load *d, struct br_error *err)
{
    struct app *app = d->app;
    char code[CATALOG_CODE_SIZE], name[STORE_TEXT_SIZE];
    char unusable[crypto_pwhash_STRBYTES], random_password[CRYPTO_TOKEN_SIZE];
    int wp = catalog_program_index(&app->catalog, DEMO_LOGIN_PROGRAM);
    size_t login_number = 0;
    int rc;

    crypto_token_new(random_password);
    if ((rc = crypto_password_hash(random_password, unusable, err)) != 0)
        return rc;
    d->n_staff = app->catalog.n_programs * DEMO_STAFF_PER_PROGRAM;
    d->agency_ids = xcalloc(app->catalog.n_programs, sizeof(*d->agency_ids));
    d->staff_ids = xcalloc(d->n_staff + 1, sizeof(*d->staff_ids));

    if ((rc = app->store->ops->begin(app->store, err)) != 0)
        return rc;
    for (size_t p = 0; p < app->catalog.n_programs && rc == 0; p++) {
        const struct program *program = &app->catalog.programs[p];
        snprintf(code, sizeof(code), "%.20s_OFFICE", program->code);
        snprintf(name, sizeof(name), "%s office", program->title);
        rc = app->store->ops->agency_insert(app->store, code, name, &d->agency_ids[p], err);
        for (int k = 1; k <= DEMO_STAFF_PER_PROGRAM && rc == 0; k++) {
            struct user u = {.active = true};
            size_t number = p * DEMO_STAFF_PER_PROGRAM + (size_t)k;
            if ((int)p == wp && k == DEMO_LOGIN_STAFF) {
                login_number = number; /* the demo login, added below */
                continue;
            }
            snprintf(u.email, sizeof(u.email), "staff%zu@demo.braid.example", number);
            snprintf(u.name, sizeof(u.name), "%s staff %d", program->code, k);
            snprintf(u.role, sizeof(u.role), "%s", k == 1 ? "supervisor" : "case_manager");
            snprintf(u.agency, sizeof(u.agency), "%s", code);
            snprintf(u.password_hash, sizeof(u.password_hash), "%s", unusable);
            rc = app->store->ops->user_insert(app->store, &u, err);
            d->staff_ids[number] = u.id;
        }
    }
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    if ((rc = app->store->ops->commit(app->store, err)) != 0)
        return rc;

    struct user login = {0};
    snprintf(login.email, sizeof(login.email), "%s", DEMO_LOGIN_EMAIL);
    snprintf(login.name, sizeof(login.name), "Demo Case Manager");
    snprintf(login.role, sizeof(login.role), "case_manager");
    snprintf(login.agency, sizeof(login.agency), "%.20s_OFFICE", DEMO_LOGIN_PROGRAM);
    if ((rc = app_user_add(app, &app_system_actor, &login, DEMO_LOGIN_PASSWORD, err)) != 0)
        return rc;
    d->staff_ids[login_number] = login.id;
    return 0;
}

static int64_t
staff_id(const struct demo_load *d, int64_t number)
{
    return number > 0 && (size_t)number <= d->n_staff ? d->staff_ids[number] : 0;
}

static int
load_person(void *ctx, const struct demo_person *generated)
{
    struct demo_load *d = ctx;
    struct app *app = d->app;
    int rc;

    if (d->done % DEMO_BATCH == 0 && (rc = app->store->ops->begin(app->store, d->err)) != 0)
        return rc;

    /* The generator's agency and staff numbers become the stored ids. */
    xgrow(&d->notes, &d->cap_notes, generated->n_notes, sizeof(*d->notes));
    for (size_t i = 0; i < generated->n_notes; i++) {
        d->notes[i] = generated->notes[i];
        int64_t program = generated->notes[i].agency_id - 1;
        d->notes[i].agency_id =
            program >= 0 && (size_t)program < app->catalog.n_programs ? d->agency_ids[program] : 0;
        d->notes[i].author_id = staff_id(d, generated->notes[i].author_id);
    }
    xgrow(&d->contacts, &d->cap_contacts, generated->n_contacts, sizeof(*d->contacts));
    for (size_t i = 0; i < generated->n_contacts; i++) {
        d->contacts[i] = generated->contacts[i];
        d->contacts[i].staff_id = staff_id(d, generated->contacts[i].staff_id);
    }
    const struct person_record *record = &generated->record;
    xgrow(&d->service_staff, &d->cap_service_staff, record->n_services + 1,
          sizeof(*d->service_staff));
    for (size_t i = 0; i < record->n_services; i++)
        d->service_staff[i] = staff_id(d, generated->service_staff[i]);
    struct person_bundle bundle = {
        .person = generated->person,
        .ssn = generated->ssn,
        .record = &generated->record,
        .notes = d->notes,
        .n_notes = generated->n_notes,
        .contacts = d->contacts,
        .n_contacts = generated->n_contacts,
        .service_staff = d->service_staff,
    };
    rc = app_write_person(app, &app_system_actor, "person.demo", &bundle, d->err);
    if (rc != 0) {
        app->store->ops->rollback(app->store);
        return rc;
    }
    d->done++;
    if (d->done % DEMO_BATCH == 0 || d->done == d->total) {
        if ((rc = app->store->ops->commit(app->store, d->err)) != 0)
            return rc;
        if (d->progress)
            d->progress(d->progress_ctx, d->done, d->total);
    }
    return 0;
}

int
app_demo_load(struct app *app, const struct demo_options *options, app_progress_fn progress,
              void *progress_ctx, struct br_error *err)
{
    struct demo_load d = {
        .app = app,
        .total = options->people,
        .progress = progress,
        .progress_ctx = progress_ctx,
        .err = err,
    };
    int64_t existing = 0;
    int rc = app->store->ops->person_by_external_id(app->store, "DEMO-0", &existing, err);
    if (rc == 0) {
        rc = br_error_set(err, BR_ECONFLICT, "this database already holds the demo population; "
                                             "use a new --db");
        goto out;
    }
    if (rc != BR_ENOTFOUND)
        goto out;
    br_error_clear(err);
    if ((rc = create_staff(&d, err)) != 0)
        goto out;
    rc = demo_generate(&app->catalog, &app->policy, options, load_person, &d, err);
out:
    free(d.agency_ids);
    free(d.staff_ids);
    free(d.notes);
    free(d.contacts);
    free(d.service_staff);
    return rc;
}
