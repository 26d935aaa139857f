//! People: add accounts (with an emailed setup link), change roles, disable, send reset links.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Serialize;

use super::render::{self, Screen};
use crate::accounts::Role;
use crate::accounts::can::ManagePeople;
use crate::accounts::roles::TABLE;
use crate::accounts::service::{self as accounts, LinkPurpose, NewAccount, User};
use crate::articles::service as articles;
use crate::error::{AppError, PageResult};
use crate::state::AppState;
use crate::web::form::FormFields;
use crate::web::session::{Can, CurrentUser, SignedForm};

#[derive(Serialize)]
struct CapabilityRow {
    label: &'static str,
    roles: [bool; 4],
}

#[derive(Serialize)]
struct AuthorChoice {
    id: i64,
    name: String,
}

#[derive(Serialize)]
struct PeopleView {
    people: Vec<User>,
    roles: Vec<&'static str>,
    authors: Vec<AuthorChoice>,
    capabilities: Vec<CapabilityRow>,
}

async fn show(state: &AppState, me: &CurrentUser, notice: Option<&str>) -> PageResult<Response> {
    let view = PeopleView {
        people: accounts::users(&state.db).await?,
        authors: articles::authors(&state.db)
            .await?
            .into_iter()
            .map(|a| AuthorChoice {
                id: a.id,
                name: a.name,
            })
            .collect(),
        roles: Role::ALL.iter().map(|r| r.as_str()).collect(),
        capabilities: TABLE
            .iter()
            .map(|(_, label, roles)| CapabilityRow {
                label,
                roles: *roles,
            })
            .collect(),
    };
    let screen = Screen {
        notice,
        ..Screen::new("admin/people.html", "People", "people")
    };
    render::page(state, Some(me), screen, &view).await
}

pub async fn list(
    State(state): State<AppState>,
    Can { me, .. }: Can<ManagePeople>,
) -> PageResult<Response> {
    show(&state, &me, None).await
}

fn role_of(form: &FormFields) -> Result<Role, AppError> {
    Role::parse(form.get("role")).ok_or_else(|| {
        AppError::BadRequest("role must be administrator, editor, author or contributor".into())
    })
}

pub async fn add(
    State(state): State<AppState>,
    SignedForm { form, .. }: SignedForm<ManagePeople>,
) -> PageResult<Response> {
    let account = NewAccount {
        email: form.get("email").into(),
        name: form.get("name").into(),
        role: role_of(&form)?,
        password: None,
    };
    let user = accounts::create_user(&state.db, &state.clock, account).await?;
    accounts::send_link(&state.db, &state.clock, &user.email, LinkPurpose::Setup).await?;
    Ok(Redirect::to("/admin/people").into_response())
}

pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    SignedForm { me, form, .. }: SignedForm<ManagePeople>,
) -> PageResult<Response> {
    let (db, clock) = (&state.db, &state.clock);
    let notice = match form.get("action") {
        "role" => {
            accounts::set_role(db, clock, id, role_of(&form)?).await?;
            "Role changed."
        }
        "disable" => {
            accounts::set_disabled(db, clock, id, true).await?;
            "Account disabled; its sessions have ended."
        }
        "enable" => {
            accounts::set_disabled(db, clock, id, false).await?;
            "Account enabled."
        }
        "byline" => {
            let author = form.get("author_id").parse::<i64>().ok();
            accounts::set_author_profile(db, clock, id, author).await?;
            "Byline changed."
        }
        "reset" => {
            let user = accounts::user(db, id).await?;
            accounts::send_link(db, clock, &user.email, LinkPurpose::Reset).await?;
            "A password link is on its way."
        }
        other => {
            return Err(AppError::BadRequest(format!("unknown action {other:?}")).into());
        }
    };
    show(&state, &me, Some(notice)).await
}
