//! Both engines must end up with the same schema: the same migration files, tables, columns and
//! nullability.

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

type Schema = BTreeSet<(String, String, bool)>;

async fn sqlite_schema(app: &TestApp) -> Schema {
    let url = app.url.trim_start_matches("sqlite://");
    let mut conn =
        <sqlx::SqliteConnection as sqlx::Connection>::connect(&format!("sqlite://{url}"))
            .await
            .unwrap();
    let rows: Vec<(String, String, i64, i64)> = sqlx::query_as(
        "SELECT m.name, p.name, p.\"notnull\", p.pk FROM sqlite_master m, pragma_table_info(m.name) p \
         WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(t, c, notnull, pk)| (t, c, notnull == 1 || pk > 0))
        .collect()
}

async fn postgres_schema(app: &TestApp) -> Schema {
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(&app.url)
        .await
        .unwrap();
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, is_nullable::text FROM information_schema.columns \
         WHERE table_schema = 'public' AND table_name NOT LIKE '_sqlx%'",
    )
    .fetch_all(&mut conn)
    .await
    .unwrap();
    rows.into_iter()
        .map(|(t, c, nullable)| (t, c, nullable == "NO"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_engines_have_the_same_schema() {
    let sqlite = TestApp::sqlite().await;
    let schema = sqlite_schema(&sqlite).await;
    assert!(
        schema
            .iter()
            .any(|(t, c, _)| t == "articles" && c == "published_at")
    );
    let Some(pg) = TestApp::postgres().await else {
        sqlite.finish().await;
        return;
    };
    let pg_schema = postgres_schema(&pg).await;
    let only_sqlite: Vec<_> = schema.difference(&pg_schema).collect();
    let only_pg: Vec<_> = pg_schema.difference(&schema).collect();
    assert!(
        only_sqlite.is_empty() && only_pg.is_empty(),
        "schemas differ: only in SQLite {only_sqlite:?}; only in PostgreSQL {only_pg:?}"
    );
    sqlite.finish().await;
    pg.finish().await;
}
