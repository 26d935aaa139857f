//! Both engines must end up with the same schema: the same migration files, tables, columns
//! with their types, nullability and defaults, keys, indexes and foreign keys.

use std::collections::BTreeSet;

use broadsheet::db::{MIGRATIONS_POSTGRES, MIGRATIONS_SQLITE};

use crate::support::TestApp;

fn names(dir: &include_dir::Dir<'_>) -> Vec<String> {
    let mut v: Vec<String> = dir
        .files()
        .map(|f| f.path().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn both_engines_have_the_same_migration_files() {
    let sqlite = names(&MIGRATIONS_SQLITE);
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names(&MIGRATIONS_POSTGRES));
}

/// A schema as both engines can describe it: each column with its type, nullability and
/// default; the primary keys; every other index by its columns, uniqueness and whether it is
/// partial (`ON CONFLICT` needs the same unique indexes on both); and the foreign keys with
/// their delete rule.
#[derive(Debug, Default)]
struct Schema {
    columns: BTreeSet<(String, String, String, bool, String)>,
    primary_keys: BTreeSet<(String, String)>,
    indexes: BTreeSet<(String, String, bool, bool)>,
    foreign_keys: BTreeSet<(String, String, String, String, String)>,
}

impl Schema {
    /// Adds foreign keys read as (table, column, referenced table, referenced column, rule).
    fn add_foreign_keys(&mut self, keys: Vec<(String, String, String, String, String)>) {
        for (table, from, target, to, on_delete) in keys {
            self.foreign_keys
                .insert((table, from, target, to, delete_rule(&on_delete)));
        }
    }
}

/// One word for a column type on either engine.
fn type_family(declared: &str) -> String {
    match declared.to_ascii_lowercase().as_str() {
        "integer" | "bigint" | "int" | "smallint" => "integer",
        "text" | "character varying" => "text",
        "boolean" => "boolean",
        "real" | "double precision" => "real",
        "blob" | "bytea" => "bytes",
        other => return other.to_string(),
    }
    .to_string()
}

/// A default as both engines can agree on it: no casts (`''::text`), booleans as words, no
/// sequence or identity defaults (SQLite's rowid needs none).
fn default_value(raw: Option<&str>, family: &str) -> String {
    let Some(raw) = raw else {
        return String::new();
    };
    if raw.starts_with("nextval(") {
        return String::new();
    }
    let bare = raw
        .split("::")
        .next()
        .unwrap_or(raw)
        .trim()
        .to_ascii_lowercase();
    match (family, bare.as_str()) {
        ("boolean", "1" | "true") => "true".into(),
        ("boolean", "0" | "false") => "false".into(),
        _ => bare,
    }
}

fn delete_rule(rule: &str) -> String {
    match rule.to_ascii_uppercase().as_str() {
        "C" | "CASCADE" => "cascade",
        "N" | "SET NULL" => "set null",
        "D" | "SET DEFAULT" => "set default",
        "R" | "RESTRICT" => "restrict",
        _ => "no action",
    }
    .to_string()
}

async fn sqlite_schema(app: &TestApp) -> Schema {
    let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(&app.url)
        .await
        .unwrap();
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, i64, Option<String>, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk \
         FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, column, declared, notnull, default, pk) in columns {
        let family = type_family(&declared);
        let default = default_value(default.as_deref(), &family);
        if pk > 0 {
            schema.primary_keys.insert((table.clone(), column.clone()));
        }
        schema
            .columns
            .insert((table, column, family, notnull == 1 || pk > 0, default));
    }
    let indexes: Vec<(String, String, i64, String, i64, String)> = sqlx::query_as(
        "SELECT m.name, l.name, l.\"unique\", l.origin, l.partial, \
         (SELECT group_concat(name, ',') FROM (SELECT i.name FROM pragma_index_info(l.name) i ORDER BY i.name)) \
         FROM sqlite_master m, pragma_index_list(m.name) l \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, _, unique, origin, partial, columns) in indexes {
        if origin != "pk" {
            schema
                .indexes
                .insert((table, columns, unique == 1, partial == 1));
        }
    }
    let keys: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT m.name, f.\"from\", f.\"table\", f.\"to\", f.on_delete \
         FROM sqlite_master m, pragma_foreign_key_list(m.name) f \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    schema.add_foreign_keys(keys);
    schema
}

async fn postgres_schema(app: &TestApp) -> Schema {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&app.url)
        .await
        .unwrap();
    let mut schema = Schema::default();
    let columns: Vec<(String, String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text, is_nullable::text, \
         column_default::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, column, declared, nullable, default) in columns {
        let family = type_family(&declared);
        let default = default_value(default.as_deref(), &family);
        schema
            .columns
            .insert((table, column, family, nullable == "NO", default));
    }
    let indexes: Vec<(String, bool, bool, bool, String)> = sqlx::query_as(
        "SELECT t.relname::text, x.indisprimary, x.indisunique, x.indpred IS NOT NULL, \
         (SELECT string_agg(a.attname::text, ',' ORDER BY a.attname) FROM pg_attribute a \
          WHERE a.attrelid = t.oid AND a.attnum = ANY(x.indkey)) \
         FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = 'public' AND t.relname NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    for (table, primary, unique, partial, columns) in indexes {
        if primary {
            for column in columns.split(',') {
                schema
                    .primary_keys
                    .insert((table.clone(), column.to_string()));
            }
        } else {
            schema.indexes.insert((table, columns, unique, partial));
        }
    }
    let keys: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT c.conrelid::regclass::text, a.attname::text, c.confrelid::regclass::text, \
         r.attname::text, c.confdeltype::text \
         FROM pg_constraint c \
         JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] \
         JOIN pg_attribute r ON r.attrelid = c.confrelid AND r.attnum = c.confkey[1] \
         WHERE c.contype = 'f'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    schema.add_foreign_keys(keys);
    schema
}

/// What one set has that the other lacks, both ways, for a readable failure.
fn difference<T: Ord + std::fmt::Debug>(
    what: &str,
    sqlite: &BTreeSet<T>,
    pg: &BTreeSet<T>,
) -> Option<String> {
    let only_sqlite: Vec<_> = sqlite.difference(pg).collect();
    let only_pg: Vec<_> = pg.difference(sqlite).collect();
    (!only_sqlite.is_empty() || !only_pg.is_empty())
        .then(|| format!("{what}: only in SQLite {only_sqlite:?}; only in PostgreSQL {only_pg:?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_have_the_same_schema() {
    let sqlite = TestApp::sqlite().await;
    let schema = sqlite_schema(&sqlite).await;
    assert!(
        schema
            .columns
            .iter()
            .any(|(t, c, family, _, _)| t == "articles"
                && c == "published_at"
                && family == "integer")
    );
    assert!(
        schema
            .indexes
            .iter()
            .any(|(t, _, unique, _)| t == "media" && *unique),
        "the unique content hash is seen: {:?}",
        schema.indexes
    );
    assert!(!schema.foreign_keys.is_empty());
    let Some(pg) = TestApp::postgres().await else {
        sqlite.finish().await;
        return;
    };
    let pg_schema = postgres_schema(&pg).await;
    let differences: Vec<String> = [
        difference("columns", &schema.columns, &pg_schema.columns),
        difference(
            "primary keys",
            &schema.primary_keys,
            &pg_schema.primary_keys,
        ),
        difference("indexes", &schema.indexes, &pg_schema.indexes),
        difference(
            "foreign keys",
            &schema.foreign_keys,
            &pg_schema.foreign_keys,
        ),
    ]
    .into_iter()
    .flatten()
    .collect();
    assert!(
        differences.is_empty(),
        "schemas differ:\n{}",
        differences.join("\n")
    );
    sqlite.finish().await;
    pg.finish().await;
}
