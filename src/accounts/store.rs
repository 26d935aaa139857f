//! SQL for users, sessions, one-time links and failed sign-ins. Private to the accounts room.

use sqlx::FromRow;

use crate::db::{Db, Timestamp, Tx};
use crate::{with_db, with_tx};

#[derive(Debug, Clone, FromRow)]
pub struct UserRow {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: String,
    pub password_hash: Option<String>,
    pub disabled: bool,
    pub author_id: Option<i64>,
    pub created_at: Timestamp,
}

macro_rules! user_where {
    ($where:literal) => {
        concat!(
            "SELECT id, email, name, role, password_hash, disabled, author_id, created_at \
             FROM users ",
            $where
        )
    };
}

pub async fn user_by_email(db: &Db, email: &str) -> sqlx::Result<Option<UserRow>> {
    const SQL: &str = user_where!("WHERE email = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(email).fetch_optional(p).await)
}

pub async fn user_by_id(db: &Db, id: i64) -> sqlx::Result<Option<UserRow>> {
    const SQL: &str = user_where!("WHERE id = $1");
    with_db!(db, p => sqlx::query_as(SQL).bind(id).fetch_optional(p).await)
}

pub async fn users(db: &Db) -> sqlx::Result<Vec<UserRow>> {
    const SQL: &str = user_where!("ORDER BY lower(name), id");
    with_db!(db, p => sqlx::query_as(SQL).fetch_all(p).await)
}

pub async fn count_active_administrators(db: &Db) -> sqlx::Result<i64> {
    const SQL: &str =
        "SELECT COUNT(*) FROM users WHERE role = 'administrator' AND disabled = FALSE";
    with_db!(db, p => sqlx::query_scalar(SQL).fetch_one(p).await)
}

pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub password_hash: Option<&'a str>,
    pub author_id: Option<i64>,
}

pub async fn insert_user(tx: &mut Tx, u: &NewUser<'_>, now: Timestamp) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO users (email, name, role, password_hash, author_id, \
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL)
        .bind(u.email).bind(u.name).bind(u.role).bind(u.password_hash).bind(u.author_id).bind(now)
        .fetch_one(c).await)
}

pub async fn set_role(tx: &mut Tx, id: i64, role: &str, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE users SET role = $1, updated_at = $2 WHERE id = $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(role).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn set_author(
    tx: &mut Tx,
    id: i64,
    author_id: Option<i64>,
    now: Timestamp,
) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE users SET author_id = $1, updated_at = $2 WHERE id = $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(author_id).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn set_disabled(
    tx: &mut Tx,
    id: i64,
    disabled: bool,
    now: Timestamp,
) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE users SET disabled = $1, updated_at = $2 WHERE id = $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(disabled).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn set_password_hash(
    tx: &mut Tx,
    id: i64,
    hash: &str,
    now: Timestamp,
) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3";
    with_tx!(tx, c => sqlx::query(SQL).bind(hash).bind(now).bind(id)
        .execute(c).await.map(|r| r.rows_affected()))
}

#[derive(Debug, Clone, FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub csrf_token: String,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub expires_at: Timestamp,
    pub ip: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_session(tx: &mut Tx, s: &NewSession<'_>, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, \
         last_seen_at, expires_at, ip, user_agent) VALUES ($1, $2, $3, $4, $4, $5, $6, $7)";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(s.token_hash).bind(s.user_id).bind(s.csrf_token).bind(now).bind(s.expires_at)
        .bind(s.ip).bind(s.user_agent)
        .execute(c).await.map(|_| ()))
}

pub async fn session(db: &Db, token_hash: &str) -> sqlx::Result<Option<SessionRow>> {
    const SQL: &str = "SELECT user_id, csrf_token, last_seen_at, expires_at FROM sessions \
         WHERE token_hash = $1";
    with_db!(db, p => sqlx::query_as(SQL).bind(token_hash).fetch_optional(p).await)
}

pub async fn touch_session(db: &Db, token_hash: &str, now: Timestamp) -> sqlx::Result<()> {
    const SQL: &str = "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2";
    with_db!(db, p => sqlx::query(SQL).bind(now).bind(token_hash).execute(p).await.map(|_| ()))
}

pub async fn delete_session(db: &Db, token_hash: &str) -> sqlx::Result<()> {
    with_db!(db, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash).execute(p).await.map(|_| ()))
}

pub async fn delete_sessions_of(tx: &mut Tx, user_id: i64) -> sqlx::Result<u64> {
    with_tx!(tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id).execute(c).await.map(|r| r.rows_affected()))
}

pub async fn insert_link(
    tx: &mut Tx,
    token_hash: &str,
    user_id: i64,
    purpose: &str,
    now: Timestamp,
    expires_at: Timestamp,
) -> sqlx::Result<()> {
    const SQL: &str = "INSERT INTO user_tokens (token_hash, user_id, purpose, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5)";
    with_tx!(tx, c => sqlx::query(SQL)
        .bind(token_hash).bind(user_id).bind(purpose).bind(now).bind(expires_at)
        .execute(c).await.map(|_| ()))
}

/// Marks a valid, unused link used and returns its user, atomically: a link works once.
pub async fn use_link(
    tx: &mut Tx,
    token_hash: &str,
    purpose: &str,
    now: Timestamp,
) -> sqlx::Result<Option<i64>> {
    const SQL: &str = "UPDATE user_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 \
         AND used_at IS NULL AND expires_at > $1 RETURNING user_id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(now).bind(token_hash).bind(purpose)
        .fetch_optional(c).await)
}

/// The account a link belongs to, used or not.
pub async fn link_owner(db: &Db, token_hash: &str) -> sqlx::Result<Option<i64>> {
    const SQL: &str = "SELECT user_id FROM user_tokens WHERE token_hash = $1";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(token_hash).fetch_optional(p).await)
}

/// Ends every unused link of an account, so a reset link still in a mailbox dies with the one
/// that was used.
pub async fn void_links_of(tx: &mut Tx, user_id: i64, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE user_tokens SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(user_id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn link_is_usable(
    db: &Db,
    token_hash: &str,
    purpose: &str,
    now: Timestamp,
) -> sqlx::Result<bool> {
    const SQL: &str = "SELECT COUNT(*) FROM user_tokens WHERE token_hash = $1 AND purpose = $2 \
         AND used_at IS NULL AND expires_at > $3";
    let n: i64 = with_db!(db, p => sqlx::query_scalar(SQL).bind(token_hash).bind(purpose).bind(now)
        .fetch_one(p).await)?;
    Ok(n > 0)
}

/// Forgets expired sessions, and links expired before `before`, so the tables stay small.
pub async fn prune(db: &Db, before: Timestamp, now: Timestamp) -> sqlx::Result<()> {
    with_db!(db, p => {
        sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now).execute(p).await?;
        sqlx::query("DELETE FROM user_tokens WHERE expires_at < $1").bind(before).execute(p).await?;
        Ok(())
    })
}

#[derive(Debug, Clone, FromRow)]
pub struct ApiTokenRow {
    pub id: i64,
    pub name: String,
    pub created_at: Timestamp,
    pub last_used_at: Option<Timestamp>,
}

pub async fn insert_api_token(
    tx: &mut Tx,
    user_id: i64,
    name: &str,
    token_hash: &str,
    now: Timestamp,
) -> sqlx::Result<i64> {
    const SQL: &str = "INSERT INTO api_tokens (user_id, name, token_hash, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING id";
    with_tx!(tx, c => sqlx::query_scalar(SQL).bind(user_id).bind(name).bind(token_hash).bind(now)
        .fetch_one(c).await)
}

pub async fn api_tokens_of(db: &Db, user_id: i64) -> sqlx::Result<Vec<ApiTokenRow>> {
    const SQL: &str = "SELECT id, name, created_at, last_used_at FROM api_tokens \
         WHERE user_id = $1 AND revoked_at IS NULL ORDER BY created_at DESC, id DESC";
    with_db!(db, p => sqlx::query_as(SQL).bind(user_id).fetch_all(p).await)
}

pub async fn revoke_api_token(
    tx: &mut Tx,
    id: i64,
    user_id: i64,
    now: Timestamp,
) -> sqlx::Result<u64> {
    const SQL: &str = "UPDATE api_tokens SET revoked_at = $1 \
         WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(id).bind(user_id)
        .execute(c).await.map(|r| r.rows_affected()))
}

pub async fn revoke_api_tokens_of(tx: &mut Tx, user_id: i64, now: Timestamp) -> sqlx::Result<u64> {
    const SQL: &str =
        "UPDATE api_tokens SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL";
    with_tx!(tx, c => sqlx::query(SQL).bind(now).bind(user_id)
        .execute(c).await.map(|r| r.rows_affected()))
}

/// The owner of a live token, marking it used.
pub async fn api_token_owner(
    db: &Db,
    token_hash: &str,
    now: Timestamp,
) -> sqlx::Result<Option<i64>> {
    const SQL: &str = "UPDATE api_tokens SET last_used_at = $1 \
         WHERE token_hash = $2 AND revoked_at IS NULL RETURNING user_id";
    with_db!(db, p => sqlx::query_scalar(SQL).bind(now).bind(token_hash).fetch_optional(p).await)
}
