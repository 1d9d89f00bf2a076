/* fuzz_bundle.c — libFuzzer target for the person bundle parser (`make fuzz`).
 *
 * Arbitrary bytes go to bundle_parse() exactly as one input line would; whatever parses is then
 * evaluated and encoded, so the exit engine and the encoder see every record the parser accepts.
 * The catalog is data/catalog.json (catalog_file_find), loaded once. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <jansson.h>

#include "app/bundle.h"
#include "app/catalog_file.h"
#include "core/date.h"
#include "core/exit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct catalog fuzz_catalog;
static struct policy fuzz_policy;
static struct person_record fuzz_record;
static struct exit_result fuzz_result;
static int fuzz_ready;

static void
fuzz_setup(void)
{
    char path[4096];
    struct br_error err;

    br_error_clear(&err);
    if (catalog_file_load(catalog_file_find(path, sizeof(path)), &fuzz_catalog, &fuzz_policy,
                          &err) != 0) {
        fprintf(stderr, "fuzz_bundle: catalog %s: %s\n", path, err.message);
        abort();
    }
    person_record_init(&fuzz_record);
    exit_result_init(&fuzz_result);
    fuzz_ready = 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct br_error err;
    json_t *id = NULL;
    json_t *out;
    char *text;
    int32_t as_of;

    if (!fuzz_ready)
        fuzz_setup();
    /* The same record and result serve every input, as in `braid exits`. */
    if (bundle_parse(&fuzz_catalog, &fuzz_policy, (const char *)data, size, &fuzz_record, &id,
                     &err) != 0) {
        out = bundle_encode_error(id, 1, &err);
    } else {
        /* The as-of date varies with the input, so both sides of every date get exercised. */
        as_of = date_from_ymd(2026, 11, 23) + (int32_t)(size % 4000) - 2000;
        exit_determine(&fuzz_catalog, &fuzz_policy, &fuzz_record, as_of, &fuzz_result);
        out = bundle_encode_exits(&fuzz_catalog, &fuzz_record, &fuzz_result, id);
    }
    text = json_dumps(out, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (text == NULL)
        abort(); /* every encoded object must serialize */
    free(text);
    json_decref(out);
    json_decref(id);
    return 0;
}
