//! Who calls: anonymous, or an account signed in with an application password over HTTP Basic
//! (`Authorization: Basic base64(email:token)`), as WordPress's application passwords work. A
//! Broadsheet personal access token is the application password; the account's role then
//! decides every read and write, as it does in the admin.

use axum::http::{HeaderMap, StatusCode, header};
use base64::Engine;

use super::error::WpError;
use crate::accounts::service::{self as accounts, User};
use crate::error::AppError;
use crate::state::AppState;

/// The account the request signs in as, `None` without credentials. Credentials that are sent
/// and wrong are refused, never treated as anonymous: a tool must learn its password is bad.
pub async fn caller(
    state: &AppState,
    headers: &HeaderMap,
    ip: &str,
) -> Result<Option<User>, WpError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Ok(None);
    };
    let refused = || {
        WpError::new(
            StatusCode::UNAUTHORIZED,
            "incorrect_password",
            "The email address and application password do not match an active account.",
        )
    };
    let credentials = value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|encoded| {
            base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
        })
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(refused)?;
    let (username, password) = credentials.split_once(':').ok_or_else(refused)?;
    match accounts::application_password_user(&state.db, &state.clock, username, password, ip).await
    {
        Ok(user) => Ok(Some(user)),
        Err(AppError::Unauthorized(_)) => Err(refused()),
        Err(e) => Err(e.into()),
    }
}
