//! Content API keys: what Ghost front ends and apps send as `?key=`. A key only reads what
//! readers may read anyway, so it is public-safe — it lives in a site's JavaScript — and is kept
//! and shown as it is. It names the integration, so a key can be revoked when a tool leaves;
//! revoking one empties the page cache, where its answers are kept under its address.

use serde::Serialize;

use super::store;
use crate::accounts::roles::{Capability, allows};
use crate::accounts::service::User;
use crate::clock::Clock;
use crate::commands;
use crate::config::{Common, ContentKeyCommand};
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult, FieldError};
use crate::rate_limit::{self, Limit};

/// A key as the admin lists it.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ContentKey {
    pub id: i64,
    pub name: String,
    pub key: String,
    pub created_at: Timestamp,
}

/// Who asks: an account signed in to the admin, or the operator at the command line, who
/// holds the database anyway.
#[derive(Clone, Copy)]
pub enum Caller<'a> {
    Account(&'a User),
    Operator,
}

fn may_manage(caller: Caller) -> AppResult<()> {
    match caller {
        Caller::Operator => Ok(()),
        Caller::Account(user) if allows(user.role, Capability::ManageSettings) => Ok(()),
        Caller::Account(_) => Err(AppError::Forbidden(
            "only administrators manage Content API keys".into(),
        )),
    }
}

/// Makes a key for the integration `name`: 26 hex characters, as Ghost's clients check.
pub async fn create(
    db: &Db,
    clock: &Clock,
    caller: Caller<'_>,
    name: &str,
) -> AppResult<ContentKey> {
    may_manage(caller)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::Invalid(vec![FieldError {
            field: "name".into(),
            message: "name the integration (1 to 100 characters), e.g. \"Next.js front end\""
                .into(),
        }]));
    }
    let mut bytes = [0u8; 13];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let now = clock.now();
    let mut tx = db.begin().await?;
    let id = store::insert(&mut tx, name, &key, now).await?;
    tx.commit().await?;
    Ok(ContentKey {
        id,
        name: name.to_string(),
        key,
        created_at: now,
    })
}

pub async fn list(db: &Db, caller: Caller<'_>) -> AppResult<Vec<ContentKey>> {
    may_manage(caller)?;
    Ok(store::live(db).await?)
}

pub async fn revoke(db: &Db, clock: &Clock, caller: Caller<'_>, id: i64) -> AppResult<()> {
    may_manage(caller)?;
    let mut tx = db.begin().await?;
    if store::revoke(&mut tx, id, clock.now()).await? == 0 {
        return Err(AppError::not_found("no such Content API key"));
    }
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(())
}

/// Wrong keys one address may send in a quarter of an hour; right ones are not counted.
pub const MAX_KEY_FAILURES_PER_ADDRESS: i64 = 60;

/// Whether `key` is a live key. Right keys are never counted: a front end building its pages may
/// send many requests at once from one address. A wrong one counts against its sender's
/// address after the lookup, and an address past the limit is refused before any lookup, so
/// parallel guesses get past the limit by at most as many as are in flight, each costing one
/// indexed read against a 104-bit key space.
pub async fn is_live(db: &Db, clock: &Clock, key: &str, client_ip: &str) -> AppResult<bool> {
    let limits = [Limit::new(
        format!("content-key-address:{}", rate_limit::address_key(client_ip)),
        MAX_KEY_FAILURES_PER_ADDRESS,
        15 * 60,
    )];
    if rate_limit::reached(db, clock.now(), &limits).await? {
        return Err(AppError::RateLimited);
    }
    let well_formed = key.len() == 26 && key.bytes().all(|b| b.is_ascii_hexdigit());
    let live = well_formed && store::exists(db, key).await?;
    if !live {
        rate_limit::record(db, clock.now(), &limits).await?;
    }
    Ok(live)
}

/// `broadsheet content-key …`.
pub async fn command(common: &Common, command: ContentKeyCommand) -> anyhow::Result<()> {
    let (_, db) = commands::open(common).await?;
    let clock = Clock::System;
    let fail = |e: AppError| anyhow::anyhow!("{e}");
    let result = async {
        match command {
            ContentKeyCommand::Add { name } => {
                let key = create(&db, &clock, Caller::Operator, &name)
                    .await
                    .map_err(fail)?;
                println!("{}", key.key);
            }
            ContentKeyCommand::List => {
                for k in list(&db, Caller::Operator).await.map_err(fail)? {
                    println!("{:<6} {} {}", k.id, k.key, k.name);
                }
            }
            ContentKeyCommand::Revoke { id } => {
                revoke(&db, &clock, Caller::Operator, id)
                    .await
                    .map_err(fail)?;
                println!("Key {id} is revoked.");
            }
        }
        Ok(())
    }
    .await;
    db.close().await;
    result
}
