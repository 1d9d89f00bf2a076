/* policy.c — the policy defaults of RULES.md, stated once.
 *
 * Everything else reads these numbers from a struct policy (loaded from data/catalog.json "policy"
 * or the settings table); no other C file repeats them. */
#include "core/policy.h"

#include <string.h>

#include "core/error.h"

static const char *const open_service_policy_names[] = {
    [OPEN_SERVICE_ENDS_AT_PROJECTED_END] = "ends_at_projected_end",
    [OPEN_SERVICE_STAYS_OPEN] = "stays_open",
};

#define OPEN_SERVICE_POLICY_COUNT                                                                  \
    (sizeof(open_service_policy_names) / sizeof(open_service_policy_names[0]))

void
policy_defaults(struct policy *policy)
{
    memset(policy, 0, sizeof(*policy));
    policy->exit_after_days = 90; /* §4: 90 complete service-free days */
    policy->gap_min_days = 91;    /* §5: a planned gap is more than 90 days ... */
    policy->gap_max_days = 179;   /* ... and less than 180 */
    policy->gap_review_count = 3; /* §5: three or more gaps in a period: review */
    policy->open_service_past_projected_end = OPEN_SERVICE_ENDS_AT_PROJECTED_END; /* §4, seed 003 */
    policy->late_note_business_days = 3; /* §8, seed 003 */
    policy->exit_countdown_days = 30;    /* §8, seed 004 exiter alert */
    policy->disengaged_days = 30;        /* §8, seed 004 */
    policy->plan_review_days = 90;       /* §8, seed 004: at least quarterly */
    policy->follow_up_months = 12;       /* §8, seed 004 */
    policy->follow_up_interval_months = 3; /* §8: a follow-up each quarter */
    /* §9, seed 000: common assessments are shared, and one still current is not repeated. */
    policy->assessment_current_days = 365;
}

/* Returns "unknown" for a value outside the enum.  This function can't fail. */
const char *
open_service_policy_name(enum open_service_policy value)
{
    if ((size_t)value >= OPEN_SERVICE_POLICY_COUNT)
        return "unknown";
    return open_service_policy_names[value];
}

int
open_service_policy_parse(const char *name, enum open_service_policy *out)
{
    if (name == NULL)
        return BR_EINVAL;
    for (size_t i = 0; i < OPEN_SERVICE_POLICY_COUNT; i++) {
        if (strcmp(open_service_policy_names[i], name) == 0) {
            *out = (enum open_service_policy)i;
            return 0;
        }
    }
    return BR_EINVAL;
}
