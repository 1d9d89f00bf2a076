/* migrations.h — the SQLite schema as an ordered list of migrations.
 *
 * Version N is applied once, in its own transaction, and recorded in schema_migrations
 * (version, applied_at), so an old database is brought forward step by step and a database newer
 * than this binary is recognised and refused (store.h, STORE_SCHEMA_VERSION).  The SQL stays
 * close to what PostgreSQL accepts; the PostgreSQL backend carries its own DDL. */
#ifndef BRAID_STORE_MIGRATIONS_H
#define BRAID_STORE_MIGRATIONS_H

#include <stddef.h>

/* The columns of an audit log: the database's audit_log (migration 1) and the log of reads
 * (sqlite_read_log.c) have the same. */
#define MIGRATIONS_AUDIT_COLUMNS                                                                    \
    "    id INTEGER PRIMARY KEY,\n"                                                                \
    "    at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,\n"                                            \
    "    user_id INTEGER,\n"                                                                       \
    "    person_id INTEGER,\n"                                                                     \
    "    action TEXT NOT NULL,\n"                                                                  \
    "    entity TEXT,\n"                                                                           \
    "    entity_id INTEGER,\n"                                                                     \
    "    reason TEXT,\n"                                                                           \
    "    before TEXT,\n"                                                                           \
    "    after TEXT\n"

struct migration {
    int version;      /* 1, 2, ... without gaps */
    const char *name; /* for messages: "initial schema" */
    const char *sql;  /* one or more statements, run as one script */
};

/* Creates schema_migrations itself when missing; run inside each migration's transaction. */
extern const char migrations_bootstrap_sql[];

/* The migrations in version order; *n receives how many (the last is STORE_SCHEMA_VERSION).
 * This function can't fail. */
const struct migration *migrations_list(size_t *n);

#endif
