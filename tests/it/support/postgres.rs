//! Per-test PostgreSQL databases, cloned from one migrated template per test process, so no test
//! shares state and none needs to run serially. Databases left by crashed runs are dropped.

use sqlx::{Connection, Executor, PgConnection};
use tokio::sync::{Mutex, OnceCell};

static TEMPLATE: OnceCell<String> = OnceCell::const_new();
static CREATE_LOCK: Mutex<()> = Mutex::const_new(());
static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

pub fn server_url() -> Option<String> {
    let url = super::helpers::env_value("BROADSHEET_TEST_POSTGRES_URL");
    super::helpers::available(
        url.is_some(),
        "BROADSHEET_TEST_POSTGRES_URL must be set in CI: the PostgreSQL cases may not be skipped",
        "set BROADSHEET_TEST_POSTGRES_URL to run this test on PostgreSQL",
    );
    url
}

/// The URL of another database on the same server.
fn url_for(server: &str, database: &str) -> String {
    let (base, query) = server.split_once('?').unwrap_or((server, ""));
    let root = base.rsplit_once('/').map_or(base, |(r, _)| r);
    if query.is_empty() {
        format!("{root}/{database}")
    } else {
        format!("{root}/{database}?{query}")
    }
}

async fn admin(server: &str) -> PgConnection {
    PgConnection::connect(server)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test PostgreSQL server: {e}"))
}

async fn drop_stale(conn: &mut PgConnection) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'bs_t_%' OR datname LIKE 'bs_tpl_%'",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        let alive = pid.is_some_and(|p| std::path::Path::new(&format!("/proc/{p}")).exists());
        if !alive {
            let sql = format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
            conn.execute(sqlx::AssertSqlSafe(sql)).await.ok();
        }
    }
}

async fn template(server: &str) -> String {
    TEMPLATE
        .get_or_init(|| async {
            let name = format!("bs_tpl_{}", std::process::id());
            let mut conn = admin(server).await;
            drop_stale(&mut conn).await;
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .await
                .expect("create the template database");
            let db = broadsheet::db::connect(&url_for(server, &name), 1)
                .await
                .expect("connect to the template");
            broadsheet::db::migrate(&db)
                .await
                .expect("migrate the template");
            db.close().await;
            name
        })
        .await
        .clone()
}

pub async fn fresh_database() -> Option<(String, String)> {
    let server = server_url()?;
    let template = template(&server).await;
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("bs_t_{}_{n}", std::process::id());
    let _guard = CREATE_LOCK.lock().await;
    let mut conn = admin(&server).await;
    conn.execute(sqlx::AssertSqlSafe(format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\""
    )))
    .await
    .expect("clone the template database");
    conn.close().await.ok();
    Some((url_for(&server, &name), name))
}

/// An empty database (no schema at all), as a restore wants it: `(url, name)`.
pub async fn blank_database() -> Option<(String, String)> {
    let server = server_url()?;
    template(&server).await;
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("bs_t_{}_{n}", std::process::id());
    let mut conn = admin(&server).await;
    conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
        .await
        .expect("create a blank database");
    conn.close().await.ok();
    Some((url_for(&server, &name), name))
}

pub async fn drop_database(name: &str) {
    if let Ok(server) = std::env::var("BROADSHEET_TEST_POSTGRES_URL") {
        let mut conn = admin(&server).await;
        conn.execute(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
        )))
        .await
        .ok();
    }
}
