//! Who is asking: the session cookie, the signed-in person, CSRF tokens for their forms, and the
//! same-origin check that protects public forms without per-visitor tokens.

use std::marker::PhantomData;

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::accounts::can::{Permission, SignedIn};
use crate::accounts::service::{self as accounts, ABSOLUTE_SECONDS, User};
use crate::error::{AppError, PageError};
use crate::secrets;
use crate::state::AppState;
use crate::web::form::FormFields;

/// The session cookie over http (a local or development site): browsers refuse the `__Host-`
/// prefix there.
pub const COOKIE: &str = "bs_session";
/// The session cookie of an https site. Browsers take a `__Host-` cookie only from this exact
/// host, over https, without a `Domain`, so a sibling subdomain cannot plant or shadow a session.
pub const HOST_COOKIE: &str = "__Host-bs_session";

fn cookie_name(secure: bool) -> &'static str {
    if secure { HOST_COOKIE } else { COOKIE }
}

/// Whether the site is served over https (its public address says so): its session cookie is
/// then `Secure` and `__Host-` prefixed, and only that cookie is read.
pub async fn secure_site(state: &AppState) -> Result<bool, AppError> {
    Ok(crate::site::layout::layout(state)
        .await?
        .site
        .base_url
        .starts_with("https://"))
}

/// The value of a cookie in a request.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// `Set-Cookie` for a new session: HttpOnly and SameSite=Lax always, Secure behind HTTPS.
pub fn session_cookie(token: &str, secure: bool) -> HeaderValue {
    let name = cookie_name(secure);
    let flag = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={ABSOLUTE_SECONDS}{flag}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static("bs_session=; Path=/"))
}

pub fn clear_session_cookie(secure: bool) -> HeaderValue {
    if secure {
        HeaderValue::from_static(
            "__Host-bs_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure",
        )
    } else {
        HeaderValue::from_static("bs_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
    }
}

/// A signed-in person. As an extractor it sends anyone else to the sign-in page.
pub struct CurrentUser {
    pub user: User,
    pub csrf_token: String,
    pub session_token: String,
}

impl CurrentUser {
    /// Refuses a form whose CSRF token is not this session's.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if secrets::constant_time_eq(submitted, &self.csrf_token) {
            Ok(())
        } else {
            Err(AppError::Forbidden(
                "this form has expired or did not come from this site; reload the page and try again"
                    .into(),
            ))
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let secure = secure_site(state)
            .await
            .map_err(|e| PageError(e).into_response())?;
        let token = cookie(&parts.headers, cookie_name(secure)).map(str::to_string);
        let found = match &token {
            Some(t) => accounts::signed_in(&state.db, &state.clock, t)
                .await
                .map_err(|e| PageError(e).into_response())?,
            None => None,
        };
        match (found, token) {
            (Some(signed_in), Some(session_token)) => Ok(CurrentUser {
                user: signed_in.user,
                csrf_token: signed_in.csrf_token,
                session_token,
            }),
            _ => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map_or("/admin", |pq| pq.as_str());
                let target = if parts.method == axum::http::Method::GET {
                    format!("/admin/login?next={}", urlencode(next))
                } else {
                    "/admin/login".to_string()
                };
                Err(Redirect::to(&target).into_response())
            }
        }
    }
}

/// A signed-in person whose role passes `P`: anyone else is sent to sign in, or refused with a
/// 403, before the handler runs. `Can<ManageNewsletters>` in a signature says who may call it.
pub struct Can<P: Permission = SignedIn> {
    pub me: CurrentUser,
    permission: PhantomData<P>,
}

impl<P: Permission> FromRequestParts<AppState> for Can<P> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let me = CurrentUser::from_request_parts(parts, state).await?;
        if !P::allows(me.user.role) {
            return Err(PageError(AppError::Forbidden(format!(
                "your role ({}) may not do this",
                me.user.role.as_str()
            )))
            .into_response());
        }
        Ok(Can {
            me,
            permission: PhantomData,
        })
    }
}

/// A form that a signed-in person whose role passes `P` posted from one of the admin's own
/// pages: the session, the role and the form's CSRF token are checked before the handler runs
/// (the role before the body is read), so a handler that takes one cannot forget a check. It
/// reads the body, so it is a handler's last argument.
pub struct SignedForm<P: Permission = SignedIn> {
    pub me: CurrentUser,
    pub form: FormFields,
    permission: PhantomData<P>,
}

impl<P: Permission> FromRequest<AppState> for SignedForm<P> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Response> {
        let (mut parts, body) = request.into_parts();
        let Can { me, .. } = Can::<P>::from_request_parts(&mut parts, state).await?;
        let form = FormFields::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(IntoResponse::into_response)?;
        me.check_csrf(form.get("_csrf"))
            .map_err(|e| PageError(e).into_response())?;
        Ok(SignedForm {
            me,
            form,
            permission: PhantomData,
        })
    }
}

/// The signed-in person behind a request, if any, for public routes that treat the newsroom's
/// own people differently (their comments are approved at once) but serve everyone.
pub async fn optional_user(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<User>, AppError> {
    match cookie(headers, cookie_name(secure_site(state).await?)) {
        Some(token) => Ok(accounts::signed_in(&state.db, &state.clock, token)
            .await?
            .map(|s| s.user)),
        None => Ok(None),
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Refuses a cross-site form post. Browsers send `Sec-Fetch-Site` (and `Origin` on POST); a
/// request that says it came from another site is refused, so public pages need no per-visitor
/// token and stay cacheable.
pub struct SameOrigin;

impl<S: Send + Sync> FromRequestParts<S> for SameOrigin {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, PageError> {
        let forbidden = || {
            PageError(AppError::Forbidden(
                "this form was sent from another site, so it was refused".into(),
            ))
        };
        if let Some(site) = parts
            .headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            && site != "same-origin"
            && site != "none"
        {
            return Err(forbidden());
        }
        if let Some(origin) = parts
            .headers
            .get(header::ORIGIN)
            .and_then(|v| v.to_str().ok())
        {
            let host = parts
                .headers
                .get(header::HOST)
                .and_then(|v| v.to_str().ok());
            let origin_host = origin.split("://").nth(1);
            if origin == "null" || origin_host.is_none() || origin_host != host {
                return Err(forbidden());
            }
        }
        Ok(SameOrigin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_found_by_name() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; bs_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "c"), None);
        let c = session_cookie("tok", true);
        let c = c.to_str().unwrap();
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(c.starts_with("__Host-bs_session=tok; Path=/;"), "{c}");
        assert!(!c.contains("Domain"));
        assert!(
            !session_cookie("tok", false)
                .to_str()
                .unwrap()
                .contains("Secure")
        );
    }
}
