//! Rows written with the ids they had elsewhere: an import keeps WordPress's post, page, term,
//! author and comment ids where they are free, so the links partners stored (`/?p=123`,
//! `/wp-json/wp/v2/posts/123`) still name the same things.

use std::borrow::Cow;

use super::{Tx, TxConn};

/// The tables whose rows may be given an id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyed {
    Articles,
    Pages,
    Comments,
    Sections,
    Tags,
    Authors,
}

impl Keyed {
    fn table(self) -> &'static str {
        match self {
            Keyed::Articles => "articles",
            Keyed::Pages => "pages",
            Keyed::Comments => "comments",
            Keyed::Sections => "sections",
            Keyed::Tags => "tags",
            Keyed::Authors => "authors",
        }
    }
}

/// `sql`, an `INSERT INTO t (columns) VALUES (values) …` of fixed text, writing `id` as well,
/// bound at `$placeholder`; unchanged without an id.
pub fn with_id<'a>(sql: &'a str, id: Option<i64>, placeholder: usize) -> Cow<'a, str> {
    if id.is_none() {
        return Cow::Borrowed(sql);
    }
    Cow::Owned(sql.replacen(" (", " (id, ", 1).replacen(
        "VALUES (",
        &format!("VALUES (${placeholder}, "),
        1,
    ))
}

impl Tx {
    /// Whether no row of `table` has `id`.
    pub async fn id_is_free(&mut self, table: Keyed, id: i64) -> sqlx::Result<bool> {
        let sql = format!("SELECT COUNT(*) FROM {} WHERE id = $1", table.table());
        let taken: i64 = crate::with_tx!(self, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(id).fetch_one(c).await)?;
        Ok(taken == 0)
    }

    /// After a row was written with an id of its own (`written`), the ids given by default move
    /// past it: PostgreSQL's identity sequence is set to the largest id (a dialect fork: SQLite
    /// takes the largest id + 1 by itself). Nothing to do for a row numbered by default.
    pub async fn keep_ids_ahead(&mut self, table: Keyed, written: Option<i64>) -> sqlx::Result<()> {
        let (Some(_), TxConn::Postgres(conn)) = (written, &mut self.conn) else {
            return Ok(());
        };
        let t = table.table();
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{t}', 'id'), \
             GREATEST((SELECT MAX(id) FROM {t}), 1))"
        );
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut **conn)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_insert_gains_the_id_column_only_when_given_one() {
        let sql = "INSERT INTO tags (name, slug) VALUES ($1, $2) RETURNING id";
        assert_eq!(with_id(sql, None, 3), sql);
        assert_eq!(
            with_id(sql, Some(7), 3),
            "INSERT INTO tags (id, name, slug) VALUES ($3, $1, $2) RETURNING id"
        );
    }
}
