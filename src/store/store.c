/* store.c — picks the backend a database name asks for (store.h).
 *
 * A file path is SQLite; a postgres:// or postgresql:// URL is PostgreSQL, which this build does
 * not have yet, so it is refused by name rather than created as a file called "postgres:...". */
#include "store/store.h"

#include <stdbool.h>
#include <string.h>

#include "store/sqlite.h"

static bool
is_postgres_url(const char *path)
{
    return strncmp(path, "postgres://", strlen("postgres://")) == 0 ||
           strncmp(path, "postgresql://", strlen("postgresql://")) == 0;
}

static int
check_path(const char *path, struct br_error *err)
{
    if (path == NULL || path[0] == '\0')
        return br_error_set(err, BR_EINVAL, "no database named");
    if (is_postgres_url(path))
        return br_error_set(err, BR_EINVAL, "PostgreSQL is not supported by this build yet");
    return 0;
}

int
store_open(const char *path, struct store **out, struct br_error *err)
{
    int rc;

    *out = NULL;
    if ((rc = check_path(path, err)) != 0)
        return rc;
    return store_sqlite_open(path, out, err);
}

int
store_open_current(const char *path, struct store **out, struct br_error *err)
{
    struct store *st = NULL;
    int rc;

    *out = NULL;
    if ((rc = store_open(path, &st, err)) != 0)
        goto out;
    /* migrate refuses a newer schema and does nothing to a current one. */
    if ((rc = st->ops->migrate(st, err)) != 0)
        goto out;
    *out = st;
    st = NULL;
out:
    if (st != NULL)
        st->ops->close(st);
    return rc;
}

int
store_restore(const char *path, const char *from, struct br_error *err)
{
    int rc;

    if ((rc = check_path(path, err)) != 0)
        return rc;
    if (from == NULL || from[0] == '\0')
        return br_error_set(err, BR_EINVAL, "no backup named");
    return store_sqlite_restore(path, from, err);
}
