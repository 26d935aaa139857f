//! What every API call starts with: the token's account, and a JSON body whose mistakes become
//! our error envelope with the right status instead of the framework's plain text.

use std::marker::PhantomData;

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::accounts::can::{Permission, SignedIn};
use crate::accounts::service::{self as accounts, User};
use crate::error::AppError;
use crate::state::AppState;

/// The account behind `Authorization: Bearer <token>`, whose role passes `P`: a missing or
/// unknown token is a 401 and a role without the capability a 403, before the handler runs.
/// `ApiUser<ManageTaxonomy>` in a signature says who may call it.
pub struct ApiUser<P: Permission = SignedIn>(pub User, PhantomData<P>);

impl<P: Permission> FromRequestParts<AppState> for ApiUser<P> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let unauthorized = || {
            AppError::Unauthorized(
                "send a personal access token as `Authorization: Bearer bst_…`".into(),
            )
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        let user = accounts::api_token_user(&state.db, &state.clock, token.trim())
            .await?
            .ok_or_else(unauthorized)?;
        if !P::allows(user.role) {
            return Err(AppError::Forbidden(format!(
                "the token's account ({}) may not do this",
                user.role.as_str()
            )));
        }
        Ok(ApiUser(user, PhantomData))
    }
}

/// A JSON body; type errors and unknown fields are 422, broken JSON 400, too large 413.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        match axum::Json::<T>::from_request(request, state).await {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(match rejection {
                JsonRejection::JsonDataError(e) => {
                    AppError::Invalid(vec![crate::error::FieldError {
                        field: "body".into(),
                        message: e.body_text(),
                    }])
                }
                JsonRejection::JsonSyntaxError(e) => AppError::BadRequest(e.body_text()),
                JsonRejection::MissingJsonContentType(_) => {
                    AppError::BadRequest("send the body as application/json".into())
                }
                JsonRejection::BytesRejection(_) => AppError::TooLarge,
                other => AppError::BadRequest(other.body_text()),
            }),
        }
    }
}

/// Query parameters; a malformed one is a 400 in our envelope.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| ApiQuery(value))
            .map_err(|e| AppError::BadRequest(e.body_text()))
    }
}

/// A numeric id from the path; anything else is simply not found, in our envelope.
pub struct ApiId(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for ApiId {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| AppError::not_found("no such item"))?;
        raw.parse()
            .map(ApiId)
            .map_err(|_| AppError::not_found(format!("no such item: {raw:?} is not an id")))
    }
}

/// For fields that may be set to null: absent is `None`, `null` is `Some(None)`.
pub fn nullable<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: serde::Deserialize<'de>,
    D: serde::Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
