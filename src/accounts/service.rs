//! Accounts: people and roles, passwords, sessions, one-time links and the sign-in rate limit.
//! No answer here reveals whether an address has an account.

use serde::Serialize;

use super::password;
use super::roles::Role;
use super::store::{self, NewSession, NewUser, UserRow};
use crate::clock::Clock;
use crate::db::{Db, Timestamp};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::{self, Job};
use crate::rate_limit::{self, Limit};
use crate::secrets;

/// A session ends after this long without a request...
pub const IDLE_SECONDS: i64 = 12 * 3600;
/// ...and after this long in any case.
pub const ABSOLUTE_SECONDS: i64 = 14 * 24 * 3600;
/// Setup and reset links expire after this long.
pub const LINK_SECONDS: i64 = 24 * 3600;
/// Sign-in attempts are counted over this window.
pub const SIGN_IN_WINDOW_SECONDS: i64 = 15 * 60;
/// Attempts on one account from one address (an IPv6 /64): the guesser's address is stopped
/// while the account's owner, signing in from anywhere else, is not locked out.
pub const MAX_SIGN_INS_PER_ACCOUNT_AND_ADDRESS: i64 = 5;
/// Attempts from one address on any accounts.
pub const MAX_SIGN_INS_PER_ADDRESS: i64 = 20;
/// Attempts on one account from all addresses together: only a guesser spread over many
/// addresses reaches it, and then the account waits rather than be guessed.
pub const MAX_SIGN_INS_PER_ACCOUNT: i64 = 100;
/// Password links asked for one address, and from one client address, per hour.
pub const MAX_LINK_REQUESTS_PER_EMAIL: i64 = 3;
pub const MAX_LINK_REQUESTS_PER_ADDRESS: i64 = 10;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub disabled: bool,
    pub has_password: bool,
    pub author_id: Option<i64>,
    pub created_at: Timestamp,
}

impl User {
    fn from_row(row: UserRow) -> AppResult<User> {
        let role = Role::parse(&row.role)
            .ok_or_else(|| anyhow::anyhow!("user {} has an unknown role {:?}", row.id, row.role))?;
        Ok(User {
            id: row.id,
            email: row.email,
            name: row.name,
            role,
            disabled: row.disabled,
            has_password: row.password_hash.is_some(),
            author_id: row.author_id,
            created_at: row.created_at,
        })
    }
}

/// Email addresses compare without regard to case or surrounding space.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

fn invalid(field: &str, message: impl Into<String>) -> AppError {
    AppError::Invalid(vec![FieldError {
        field: field.into(),
        message: message.into(),
    }])
}

fn check_email(email: &str) -> AppResult<()> {
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !email.contains(char::is_whitespace);
    if valid {
        Ok(())
    } else {
        Err(invalid(
            "email",
            "enter an email address such as name@example.com",
        ))
    }
}

pub struct NewAccount {
    pub email: String,
    pub name: String,
    pub role: Role,
    /// `None` creates the account without a password; give the person a setup link.
    pub password: Option<String>,
}

pub async fn create_user(db: &Db, clock: &Clock, account: NewAccount) -> AppResult<User> {
    let email = normalise_email(&account.email);
    check_email(&email)?;
    let name = account.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(invalid("name", "give a name of 1 to 200 characters"));
    }
    let hash = match &account.password {
        Some(pw) => {
            if let Some(why) = password::weakness(pw, &email) {
                return Err(invalid("password", why));
            }
            Some(password::hash(pw).await?)
        }
        None => None,
    };
    let mut tx = db.begin().await?;
    let id = store::insert_user(
        &mut tx,
        &NewUser {
            email: &email,
            name,
            role: account.role.as_str(),
            password_hash: hash.as_deref(),
            author_id: None,
        },
        clock.now(),
    )
    .await
    .map_err(|e| {
        if crate::db::is_unique_violation(&e) {
            AppError::Conflict {
                code: "email_taken",
                message: "an account with that email address already exists".into(),
            }
        } else {
            e.into()
        }
    })?;
    tx.commit().await?;
    user(db, id).await
}

pub async fn user(db: &Db, id: i64) -> AppResult<User> {
    let row = store::user_by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("no such account"))?;
    User::from_row(row)
}

pub async fn user_by_email(db: &Db, email: &str) -> AppResult<User> {
    let row = store::user_by_email(db, &normalise_email(email))
        .await?
        .ok_or_else(|| AppError::not_found(format!("no account has the address {email}")))?;
    User::from_row(row)
}

pub async fn users(db: &Db) -> AppResult<Vec<User>> {
    store::users(db)
        .await?
        .into_iter()
        .map(User::from_row)
        .collect()
}

pub async fn count_active_administrators(db: &Db) -> AppResult<i64> {
    Ok(store::count_active_administrators(db).await?)
}

/// Changes a role; the last active administrator cannot be demoted.
pub async fn set_role(db: &Db, clock: &Clock, id: i64, role: Role) -> AppResult<()> {
    let current = user(db, id).await?;
    if current.role == Role::Administrator
        && role != Role::Administrator
        && !current.disabled
        && count_active_administrators(db).await? <= 1
    {
        return Err(AppError::Conflict {
            code: "last_administrator",
            message: "the site needs at least one active administrator".into(),
        });
    }
    let mut tx = db.begin().await?;
    store::set_role(&mut tx, id, role.as_str(), clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Links an account to the author profile whose byline it writes under (or to none): below
/// the editors, people may credit only that profile on their articles.
pub async fn set_author_profile(
    db: &Db,
    clock: &Clock,
    id: i64,
    author_id: Option<i64>,
) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if store::set_author(&mut tx, id, author_id, clock.now()).await? == 0 {
        return Err(AppError::not_found("no such account"));
    }
    tx.commit().await?;
    Ok(())
}

/// Disables (or re-enables) an account; disabling ends its sessions at once.
pub async fn set_disabled(db: &Db, clock: &Clock, id: i64, disabled: bool) -> AppResult<()> {
    let current = user(db, id).await?;
    if disabled
        && current.role == Role::Administrator
        && !current.disabled
        && count_active_administrators(db).await? <= 1
    {
        return Err(AppError::Conflict {
            code: "last_administrator",
            message: "the site needs at least one active administrator".into(),
        });
    }
    let mut tx = db.begin().await?;
    store::set_disabled(&mut tx, id, disabled, clock.now()).await?;
    if disabled {
        store::delete_sessions_of(&mut tx, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Sets a new password and ends every session of the account.
pub async fn set_password(db: &Db, clock: &Clock, id: i64, new_password: &str) -> AppResult<()> {
    let account = user(db, id).await?;
    if let Some(why) = password::weakness(new_password, &account.email) {
        return Err(invalid("password", why));
    }
    let hash = password::hash(new_password).await?;
    let mut tx = db.begin().await?;
    store::set_password_hash(&mut tx, id, &hash, clock.now()).await?;
    store::delete_sessions_of(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkPurpose {
    Setup,
    Reset,
}

impl LinkPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkPurpose::Setup => "setup",
            LinkPurpose::Reset => "reset",
        }
    }

    pub fn parse(segment: &str) -> Option<LinkPurpose> {
        match segment {
            "setup" => Some(LinkPurpose::Setup),
            "reset" => Some(LinkPurpose::Reset),
            _ => None,
        }
    }

    /// The absolute address of a link with this purpose.
    pub fn url(self, base_url: &str, token: &str) -> String {
        format!(
            "{}/admin/password/{}/{token}",
            base_url.trim_end_matches('/'),
            self.as_str()
        )
    }
}

/// Queues the mail of a password link to `email`, if an active account has that address; the
/// job worker looks the account up and sends it (see [`super::links`]). Nothing here depends on
/// whether the account exists, so neither the answer nor its timing tells.
pub async fn send_link(db: &Db, clock: &Clock, email: &str, purpose: LinkPurpose) -> AppResult<()> {
    let now = clock.now();
    let mut tx = db.begin().await?;
    jobs::enqueue_in(
        &mut tx,
        &Job::PasswordLink {
            email: normalise_email(email),
            purpose,
        },
        now,
        None,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// A reader of the sign-in page asks for a reset link: limited per address asked for and per
/// client address (each counted whether or not an account has the address), then queued.
pub async fn request_reset(db: &Db, clock: &Clock, email: &str, client_ip: &str) -> AppResult<()> {
    let email = normalise_email(email);
    if email.is_empty() || email.len() > 254 {
        return Err(invalid("email", "enter the email address of your account"));
    }
    let limits = [
        Limit::new(
            format!("reset-email:{email}"),
            MAX_LINK_REQUESTS_PER_EMAIL,
            3600,
        ),
        Limit::new(
            format!("reset-address:{}", rate_limit::address_key(client_ip)),
            MAX_LINK_REQUESTS_PER_ADDRESS,
            3600,
        ),
    ];
    if rate_limit::reserve(db, clock.now(), &limits)
        .await?
        .is_err()
    {
        return Err(AppError::TooFast(
            "Too many password links were asked for; try again in an hour.".into(),
        ));
    }
    send_link(db, clock, &email, LinkPurpose::Reset).await
}

/// Issues a single-use link token for `purpose`; only its digest is stored.
pub async fn issue_link(
    db: &Db,
    clock: &Clock,
    id: i64,
    purpose: LinkPurpose,
) -> AppResult<String> {
    let token = secrets::random_token()?;
    let now = clock.now();
    let mut tx = db.begin().await?;
    store::insert_link(
        &mut tx,
        &secrets::sha256_hex(&token),
        id,
        purpose.as_str(),
        now,
        now.plus_seconds(LINK_SECONDS),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn link_is_usable(
    db: &Db,
    clock: &Clock,
    token: &str,
    purpose: LinkPurpose,
) -> AppResult<bool> {
    Ok(store::link_is_usable(
        db,
        &secrets::sha256_hex(token),
        purpose.as_str(),
        clock.now(),
    )
    .await?)
}

/// Uses a link to set a password: the link works once, and only before it expires. Redeeming
/// one voids every other link of the account and ends its sessions; `revoke_api_tokens` also
/// revokes its API tokens, for someone who fears the account was taken over.
pub async fn redeem_link(
    db: &Db,
    clock: &Clock,
    token: &str,
    purpose: LinkPurpose,
    new_password: &str,
    revoke_api_tokens: bool,
) -> AppResult<User> {
    let now = clock.now();
    let gone = || {
        AppError::Gone("this link has expired or has already been used; ask for a new one".into())
    };
    let hash_of_token = secrets::sha256_hex(token);
    if !store::link_is_usable(db, &hash_of_token, purpose.as_str(), now).await? {
        return Err(gone());
    }
    let id = store::link_owner(db, &hash_of_token)
        .await?
        .ok_or_else(gone)?;
    let account = user(db, id).await.map_err(|_| gone())?;
    if let Some(why) = password::weakness(new_password, &account.email) {
        return Err(invalid("password", why));
    }
    let hash = password::hash(new_password).await?;
    let mut tx = db.begin().await?;
    store::use_link(&mut tx, &hash_of_token, purpose.as_str(), now)
        .await?
        .ok_or_else(gone)?;
    store::void_links_of(&mut tx, id, now).await?;
    store::set_password_hash(&mut tx, id, &hash, now).await?;
    store::delete_sessions_of(&mut tx, id).await?;
    if revoke_api_tokens {
        store::revoke_api_tokens_of(&mut tx, id, now).await?;
    }
    tx.commit().await?;
    Ok(account)
}

/// A signed-in session: the cookie value goes to the browser, never to the database.
pub struct Session {
    pub token: String,
    pub user: User,
}

pub struct Visitor<'a> {
    pub ip: &'a str,
    pub user_agent: &'a str,
}

/// Checks a password and opens a session. Wrong address, wrong password, an account without a
/// password and a disabled account all get the same answer after the same work. The attempt is
/// counted before the password is checked, so parallel guesses meet the limits as serial ones do;
/// past a limit the answer is a 429 without a check.
pub async fn sign_in(
    db: &Db,
    clock: &Clock,
    email: &str,
    password_text: &str,
    visitor: &Visitor<'_>,
) -> AppResult<Session> {
    let now = clock.now();
    let email = normalise_email(email);
    let address = rate_limit::address_key(visitor.ip);
    let limits = [
        Limit::new(
            format!("signin:{email}|{address}"),
            MAX_SIGN_INS_PER_ACCOUNT_AND_ADDRESS,
            SIGN_IN_WINDOW_SECONDS,
        ),
        Limit::new(
            format!("signin-address:{address}"),
            MAX_SIGN_INS_PER_ADDRESS,
            SIGN_IN_WINDOW_SECONDS,
        ),
        Limit::new(
            format!("signin-account:{email}"),
            MAX_SIGN_INS_PER_ACCOUNT,
            SIGN_IN_WINDOW_SECONDS,
        ),
    ];
    let Ok(reservation) = rate_limit::reserve(db, now, &limits).await? else {
        return Err(AppError::RateLimited);
    };
    let row = store::user_by_email(db, &email).await?;
    let stored = row.as_ref().and_then(|r| r.password_hash.as_deref());
    let verified = password::verify(password_text, stored).await?;
    let Some(row) = row.filter(|r| verified && !r.disabled) else {
        return Err(AppError::Unauthorized(
            "that email address and password do not match an active account".into(),
        ));
    };
    rate_limit::release(db, reservation).await?;
    rate_limit::clear(db, &limits[0].scope).await?;
    let token = secrets::random_token()?;
    let csrf = secrets::random_token()?;
    let mut tx = db.begin().await?;
    store::insert_session(
        &mut tx,
        &NewSession {
            token_hash: &secrets::sha256_hex(&token),
            user_id: row.id,
            csrf_token: &csrf,
            expires_at: now.plus_seconds(ABSOLUTE_SECONDS),
            ip: visitor.ip,
            user_agent: &visitor.user_agent.chars().take(300).collect::<String>(),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(Session {
        token,
        user: User::from_row(row)?,
    })
}

/// The person behind a session cookie, with the session's CSRF token.
pub struct SignedIn {
    pub user: User,
    pub csrf_token: String,
}

/// Finds a live session; idle or expired sessions end here.
pub async fn signed_in(db: &Db, clock: &Clock, token: &str) -> AppResult<Option<SignedIn>> {
    let now = clock.now();
    let digest = secrets::sha256_hex(token);
    let Some(session) = store::session(db, &digest).await? else {
        return Ok(None);
    };
    if session.expires_at <= now || session.last_seen_at.plus_seconds(IDLE_SECONDS) <= now {
        store::delete_session(db, &digest).await?;
        return Ok(None);
    }
    let Some(row) = store::user_by_id(db, session.user_id).await? else {
        return Ok(None);
    };
    if row.disabled {
        return Ok(None);
    }
    if session.last_seen_at.plus_seconds(60) <= now {
        store::touch_session(db, &digest, now).await?;
    }
    Ok(Some(SignedIn {
        user: User::from_row(row)?,
        csrf_token: session.csrf_token,
    }))
}

pub async fn sign_out(db: &Db, token: &str) -> AppResult<()> {
    Ok(store::delete_session(db, &secrets::sha256_hex(token)).await?)
}

/// Ends every session of the account, on every device.
pub async fn sign_out_everywhere(db: &Db, id: i64) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let n = store::delete_sessions_of(&mut tx, id).await?;
    tx.commit().await?;
    Ok(n)
}

/// Forgets expired sessions and links.
pub async fn prune(db: &Db, now: Timestamp) -> AppResult<()> {
    Ok(store::prune(db, now.plus_seconds(-LINK_SECONDS), now).await?)
}

pub use store::ApiTokenRow as ApiToken;

/// Prefix of personal access tokens, so a leaked one is recognisable in logs and scanners.
pub const API_TOKEN_PREFIX: &str = "bst_";

/// Creates a personal access token for the account; the token itself is returned once and
/// only its digest is kept.
pub async fn create_api_token(
    db: &Db,
    clock: &Clock,
    user_id: i64,
    name: &str,
) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(invalid(
            "name",
            "name the token (1 to 100 characters), e.g. after the tool that uses it",
        ));
    }
    let token = format!("{API_TOKEN_PREFIX}{}", secrets::random_token()?);
    let mut tx = db.begin().await?;
    store::insert_api_token(
        &mut tx,
        user_id,
        name,
        &secrets::sha256_hex(&token),
        clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(token)
}

pub async fn api_tokens(db: &Db, user_id: i64) -> AppResult<Vec<ApiToken>> {
    Ok(store::api_tokens_of(db, user_id).await?)
}

pub async fn revoke_api_token(db: &Db, clock: &Clock, user_id: i64, id: i64) -> AppResult<()> {
    let mut tx = db.begin().await?;
    if store::revoke_api_token(&mut tx, id, user_id, clock.now()).await? == 0 {
        return Err(AppError::not_found("no such token"));
    }
    tx.commit().await?;
    Ok(())
}

/// The active account a token acts for, with that account's role.
pub async fn api_token_user(db: &Db, clock: &Clock, token: &str) -> AppResult<Option<User>> {
    if !token.starts_with(API_TOKEN_PREFIX) {
        return Ok(None);
    }
    let Some(user_id) =
        store::api_token_owner(db, &secrets::sha256_hex(token), clock.now()).await?
    else {
        return Ok(None);
    };
    let account = user(db, user_id).await?;
    Ok((!account.disabled).then_some(account))
}

/// Wrong application passwords one address may send in [`SIGN_IN_WINDOW_SECONDS`]; right ones
/// are not counted.
pub const MAX_TOKEN_FAILURES_PER_ADDRESS: i64 = 20;

/// The account behind a WordPress application password: `username` is the account's email
/// address and `password` one of its personal access tokens (WordPress shows application
/// passwords in groups of four; spaces are ignored). Every mismatch gets the same answer. Right
/// passwords are never counted — a tool may send many requests at once — and wrong ones count
/// against the sender's address after the lookup; an address past the limit is refused before
/// any lookup, so parallel guesses get past it by at most as many as are in flight, each one
/// indexed read of a token's digest.
pub async fn application_password_user(
    db: &Db,
    clock: &Clock,
    username: &str,
    password: &str,
    client_ip: &str,
) -> AppResult<User> {
    let limits = [Limit::new(
        format!(
            "app-password-address:{}",
            rate_limit::address_key(client_ip)
        ),
        MAX_TOKEN_FAILURES_PER_ADDRESS,
        SIGN_IN_WINDOW_SECONDS,
    )];
    if rate_limit::reached(db, clock.now(), &limits).await? {
        return Err(AppError::RateLimited);
    }
    let token: String = password.chars().filter(|c| !c.is_whitespace()).collect();
    let user = api_token_user(db, clock, &token)
        .await?
        .filter(|u| u.email == normalise_email(username));
    match user {
        Some(user) => Ok(user),
        None => {
            rate_limit::record(db, clock.now(), &limits).await?;
            Err(AppError::Unauthorized(
                "that email address and application password do not match an active account".into(),
            ))
        }
    }
}

/// Writes one account may make through the APIs in an hour.
pub const MAX_API_WRITES_PER_HOUR: i64 = 600;

/// Counts one write by `user_id` through an API, refusing it past the hourly limit: a leaked
/// token cannot flood the newsroom.
pub async fn count_api_write(db: &Db, clock: &Clock, user_id: i64) -> AppResult<()> {
    let limits = [Limit::new(
        format!("api-write:{user_id}"),
        MAX_API_WRITES_PER_HOUR,
        3600,
    )];
    match rate_limit::reserve(db, clock.now(), &limits).await? {
        Ok(_) => Ok(()),
        Err(_) => Err(AppError::RateLimited),
    }
}
