//! The import's own table: where each thing of an export went, and the fingerprint of the
//! version of it that was imported.

use crate::db::{Db, Tx};
use crate::{with_db, with_tx};

/// A thing of the export already imported: the row it became and the fingerprint of the version
/// that was imported.
pub struct Mapped {
    pub local_id: i64,
    pub fingerprint: String,
}

pub async fn mapped_in(
    tx: &mut Tx,
    source: &str,
    kind: &str,
    source_id: &str,
) -> sqlx::Result<Option<Mapped>> {
    const SQL: &str = "SELECT local_id, fingerprint FROM import_map \
         WHERE source = $1 AND kind = $2 AND source_id = $3";
    let row: Option<(i64, String)> = with_tx!(tx, c => sqlx::query_as(SQL)
        .bind(source).bind(kind).bind(source_id).fetch_optional(c).await)?;
    Ok(row.map(|(local_id, fingerprint)| Mapped {
        local_id,
        fingerprint,
    }))
}

pub async fn remember_in(
    tx: &mut Tx,
    source: &str,
    kind: &str,
    source_id: &str,
    local_id: i64,
    fingerprint: &str,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO import_map (source, kind, source_id, local_id, fingerprint) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source, kind, source_id) \
         DO UPDATE SET local_id = $4, fingerprint = $5";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(source).bind(kind).bind(source_id).bind(local_id).bind(fingerprint)
        .execute(c).await.map(|_| ()))
}

/// Every thing of one kind imported from `source`: its id in the export and its row.
pub async fn all_of(db: &Db, source: &str, kind: &str) -> sqlx::Result<Vec<(String, i64)>> {
    const SQL: &str = "SELECT source_id, local_id FROM import_map WHERE source = $1 AND kind = $2";
    with_db!(db, p => sqlx::query_as(SQL).bind(source).bind(kind).fetch_all(p).await)
}
