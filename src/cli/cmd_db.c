/* cmd_db.c — the database's life: `braid init`, `braid user add`, `braid token create`,
 * `braid backup`, `braid restore`. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "app/catalog_file.h"
#include "app/users.h"
#include "cli/cli_common.h"
#include "cli/commands.h"

#define PASSWORD_LINE_MAX 1100 /* a little over the longest password accepted */

enum { OPT_DB = 1000, OPT_CATALOG, OPT_EMAIL, OPT_NAME, OPT_ROLE, OPT_AGENCY, OPT_PASSWORD_STDIN,
       OPT_LABEL, OPT_CODE };

/* Parses the options every command here shares plus the ones it names; unknown → usage. */
struct db_options {
    const char *db;
    const char *catalog;
    const char *email;
    const char *name;
    const char *role;
    const char *agency;
    const char *label;
    const char *code;
    bool password_stdin;
    bool help;
};

static const struct option db_long_options[] = {
    {"db", required_argument, NULL, OPT_DB},
    {"catalog", required_argument, NULL, OPT_CATALOG},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"name", required_argument, NULL, OPT_NAME},
    {"role", required_argument, NULL, OPT_ROLE},
    {"agency", required_argument, NULL, OPT_AGENCY},
    {"label", required_argument, NULL, OPT_LABEL},
    {"code", required_argument, NULL, OPT_CODE},
    {"password-stdin", no_argument, NULL, OPT_PASSWORD_STDIN},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* allowed: the option codes this command accepts (0-terminated). */
static int
db_parse(int argc, char **argv, const int *allowed, struct db_options *o, const char *usage)
{
    int c;
    memset(o, 0, sizeof(*o));
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", db_long_options, NULL)) != -1) {
        bool ok = c == 'h';
        for (const int *a = allowed; *a && !ok; a++)
            ok = *a == c;
        if (!ok) {
            fprintf(stderr, "braid %s: unknown or incomplete option '%s'\n%s", argv[0],
                    argv[optind - 1], usage);
            return -1;
        }
        switch (c) {
        case 'h': o->help = true; break;
        case OPT_DB: o->db = optarg; break;
        case OPT_CATALOG: o->catalog = optarg; break;
        case OPT_EMAIL: o->email = optarg; break;
        case OPT_NAME: o->name = optarg; break;
        case OPT_ROLE: o->role = optarg; break;
        case OPT_AGENCY: o->agency = optarg; break;
        case OPT_LABEL: o->label = optarg; break;
        case OPT_CODE: o->code = optarg; break;
        case OPT_PASSWORD_STDIN: o->password_stdin = true; break;
        }
    }
    return 0;
}

/* ---- init ------------------------------------------------------------------------------------ */

static const char init_usage[] =
    "usage: braid init [--db PATH] [--catalog FILE]\n"
    "\n"
    "Creates the database (or migrates it to this braid's schema), saves the program and service\n"
    "catalog and the policy settings from FILE (default: data/catalog.json), and creates the key\n"
    "file PATH.key that encrypts SSNs and hashes tokens (keep it safe, and back it up apart from\n"
    "the database).  Running it again is harmless.  --db defaults to $BRAID_DB, then braid.db.\n";

int
cmd_init(int argc, char **argv)
{
    static const int allowed[] = {OPT_DB, OPT_CATALOG, 0};
    struct db_options o;
    char catalog_buf[4096];
    struct br_error err;

    if (db_parse(argc, argv, allowed, &o, init_usage) != 0)
        return CLI_USAGE;
    if (o.help) {
        fputs(init_usage, stdout);
        return CLI_OK;
    }
    if (optind < argc) {
        fprintf(stderr, "braid init: unexpected argument '%s'\n%s", argv[optind], init_usage);
        return CLI_USAGE;
    }
    const char *db = cli_db_path(o.db);
    const char *catalog = o.catalog ? o.catalog : catalog_file_find(catalog_buf,
                                                                    sizeof(catalog_buf));
    br_error_clear(&err);
    if (app_init_database(db, catalog, &err) != 0) {
        cli_print_error("init", &err);
        return CLI_USAGE;
    }
    printf("database %s is ready (schema version %d)\n", db, STORE_SCHEMA_VERSION);
    return CLI_OK;
}

/* ---- agency add ----------------------------------------------------------------------------- */

static const char agency_usage[] =
    "usage: braid agency add --code CODE --name NAME [--db PATH]\n"
    "\n"
    "Adds a partner agency (a job center, an adult school, a VR office ...).  Staff belong to an\n"
    "agency, and consent to share a person's record is given per agency.\n";

int
cmd_agency(int argc, char **argv)
{
    static const int allowed[] = {OPT_DB, OPT_CODE, OPT_NAME, 0};
    struct db_options o;
    struct br_error err;
    struct app app;
    int64_t id = 0;
    int status = CLI_OK;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(agency_usage, stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        fprintf(stderr, "braid agency: expected 'add'\n%s", agency_usage);
        return CLI_USAGE;
    }
    if (db_parse(argc - 1, argv + 1, allowed, &o, agency_usage) != 0)
        return CLI_USAGE;
    if (o.help) {
        fputs(agency_usage, stdout);
        return CLI_OK;
    }
    if (!o.code || !o.name) {
        fprintf(stderr, "braid agency add: --code and --name are required\n%s", agency_usage);
        return CLI_USAGE;
    }
    if (cli_open_app("agency add", cli_db_path(o.db), &app) != 0)
        return CLI_USAGE;
    br_error_clear(&err);
    if (app_agency_add(&app, &app_system_actor, o.code, o.name, &id, &err) != 0) {
        cli_print_error("agency add", &err);
        status = CLI_INPUT_FAILED;
    } else {
        printf("agency %s added (id %lld)\n", o.code, (long long)id);
    }
    app_close(&app);
    return status;
}

/* ---- user add -------------------------------------------------------------------------------- */

static const char user_usage[] =
    "usage: braid user add --email E --name N --role R --agency A --password-stdin [--db PATH]\n"
    "\n"
    "Adds a staff account.  R is one of case_manager, supervisor, partner_staff, analyst,\n"
    "auditor, admin; A is the agency code.  The password (12 characters or more) is read from\n"
    "the first line of standard input, never from the command line.\n";

/* Reads one line (the password) from stdin without its newline. */
static int
read_password(char *buf, size_t size)
{
    if (fgets(buf, (int)size, stdin) == NULL)
        return -1;
    size_t n = strcspn(buf, "\r\n");
    if (buf[n] == '\0' && n == size - 1)
        return -1; /* longer than any accepted password */
    buf[n] = '\0';
    return 0;
}

int
cmd_user(int argc, char **argv)
{
    static const int allowed[] = {OPT_DB, OPT_EMAIL, OPT_NAME, OPT_ROLE, OPT_AGENCY,
                                  OPT_PASSWORD_STDIN, 0};
    struct db_options o;
    char password[PASSWORD_LINE_MAX];
    struct br_error err;
    struct app app;
    int status = CLI_OK;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(user_usage, stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "add") != 0) {
        fprintf(stderr, "braid user: expected 'add'\n%s", user_usage);
        return CLI_USAGE;
    }
    if (db_parse(argc - 1, argv + 1, allowed, &o, user_usage) != 0)
        return CLI_USAGE;
    if (o.help) {
        fputs(user_usage, stdout);
        return CLI_OK;
    }
    if (!o.email || !o.name || !o.role || !o.agency || !o.password_stdin) {
        fprintf(stderr, "braid user add: --email, --name, --role, --agency and --password-stdin "
                        "are all required\n%s",
                user_usage);
        return CLI_USAGE;
    }
    if (read_password(password, sizeof(password)) != 0) {
        fprintf(stderr, "braid user add: no password on standard input (or longer than %d "
                        "bytes)\n",
                PASSWORD_LINE_MAX - 2);
        return CLI_USAGE;
    }
    if (cli_open_app("user add", cli_db_path(o.db), &app) != 0)
        return CLI_USAGE;

    struct user user = {0};
    snprintf(user.email, sizeof(user.email), "%s", o.email);
    snprintf(user.name, sizeof(user.name), "%s", o.name);
    snprintf(user.role, sizeof(user.role), "%s", o.role);
    snprintf(user.agency, sizeof(user.agency), "%s", o.agency);
    br_error_clear(&err);
    if (app_user_add(&app, &app_system_actor, &user, password, &err) != 0) {
        cli_print_error("user add", &err);
        status = CLI_INPUT_FAILED;
    } else {
        printf("user %s added (id %lld, role %s, agency %s)\n", user.email, (long long)user.id,
               user.role, user.agency);
    }
    memset(password, 0, sizeof(password));
    app_close(&app);
    return status;
}

/* ---- token create ---------------------------------------------------------------------------- */

static const char token_usage[] =
    "usage: braid token create --email E [--label TEXT] [--db PATH]\n"
    "\n"
    "Creates an API token for the user with e-mail E and prints it once; only its keyed hash is\n"
    "stored.  Systems send it as 'Authorization: Bearer TOKEN'.\n";

int
cmd_token(int argc, char **argv)
{
    static const int allowed[] = {OPT_DB, OPT_EMAIL, OPT_LABEL, 0};
    struct db_options o;
    char token[CRYPTO_TOKEN_SIZE];
    struct br_error err;
    struct app app;
    int status = CLI_OK;

    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        fputs(token_usage, stdout);
        return CLI_OK;
    }
    if (argc < 2 || strcmp(argv[1], "create") != 0) {
        fprintf(stderr, "braid token: expected 'create'\n%s", token_usage);
        return CLI_USAGE;
    }
    if (db_parse(argc - 1, argv + 1, allowed, &o, token_usage) != 0)
        return CLI_USAGE;
    if (o.help) {
        fputs(token_usage, stdout);
        return CLI_OK;
    }
    if (!o.email) {
        fprintf(stderr, "braid token create: --email is required\n%s", token_usage);
        return CLI_USAGE;
    }
    if (cli_open_app("token create", cli_db_path(o.db), &app) != 0)
        return CLI_USAGE;
    br_error_clear(&err);
    if (app_token_create(&app, &app_system_actor, o.email, o.label ? o.label : "", token,
                         &err) != 0) {
        cli_print_error("token create", &err);
        status = CLI_INPUT_FAILED;
    } else {
        printf("%s\n", token);
    }
    memset(token, 0, sizeof(token));
    app_close(&app);
    return status;
}

/* ---- backup / restore ------------------------------------------------------------------------ */

static const char backup_usage[] =
    "usage: braid backup FILE [--db PATH]\n"
    "\n"
    "Writes a consistent copy of the database to FILE, and of its log of reads (PATH-reads) to\n"
    "FILE-reads, while braid keeps running (SQLite online backup).  The key file (PATH.key) is\n"
    "not copied: back it up separately and keep it apart.\n";

static const char restore_usage[] =
    "usage: braid restore FILE [--db PATH]\n"
    "\n"
    "Replaces the database with the backup in FILE (and its log of reads with FILE-reads, when\n"
    "the backup has one).  Stop the server first.\n";

static int
backup_or_restore(int argc, char **argv, bool restore)
{
    static const int allowed[] = {OPT_DB, 0};
    const char *usage = restore ? restore_usage : backup_usage;
    const char *name = restore ? "restore" : "backup";
    struct db_options o;
    struct br_error err;

    if (db_parse(argc, argv, allowed, &o, usage) != 0)
        return CLI_USAGE;
    if (o.help) {
        fputs(usage, stdout);
        return CLI_OK;
    }
    if (optind + 1 != argc) {
        fprintf(stderr, "braid %s: name exactly one FILE\n%s", name, usage);
        return CLI_USAGE;
    }
    const char *file = argv[optind];
    const char *db = cli_db_path(o.db);
    br_error_clear(&err);
    if (restore) {
        if (store_restore(db, file, &err) != 0) {
            cli_print_error(name, &err);
            return CLI_INPUT_FAILED;
        }
        printf("database %s restored from %s\n", db, file);
        return CLI_OK;
    }
    if (access(db, F_OK) != 0) {
        fprintf(stderr, "braid backup: no database at %s\n", db);
        return CLI_USAGE;
    }
    struct store *st = NULL;
    int rc = store_open_current(db, &st, &err);
    if (rc == 0)
        rc = st->ops->backup(st, file, &err);
    if (st != NULL)
        st->ops->close(st);
    if (rc != 0) {
        cli_print_error(name, &err);
        return CLI_INPUT_FAILED;
    }
    printf("database %s backed up to %s\n", db, file);
    return CLI_OK;
}

int
cmd_backup(int argc, char **argv)
{
    return backup_or_restore(argc, argv, false);
}

int
cmd_restore(int argc, char **argv)
{
    return backup_or_restore(argc, argv, true);
}
