//! The article workflow through every door: each role × transition × publication time (past,
//! now, future) made through the admin editor and through `/api/v1`, which must both end where
//! the workflow module says; and bulk changes that stand or fall together.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use broadsheet::accounts::Role;
use broadsheet::accounts::service::{self as accounts, User};
use broadsheet::articles::service::{self as articles, Status};
use broadsheet::articles::workflow::{self, Outcome, Standing, Transition};
use broadsheet::db::Timestamp;

use crate::db_tests;
use crate::support::admin::Browser;
use crate::support::builders::{Newsroom, article, newsroom};
use crate::support::{START, TestApp, TestResponse};

/// How a door answered: done (with where the article ended), refused, or sent back to fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    Done(Status, Option<Timestamp>),
    Forbidden,
    Invalid,
}

/// The status a JSON client names for each transition (`None`: it leaves the status out).
fn wanted(transition: Transition) -> Option<&'static str> {
    match transition {
        Transition::Save => None,
        Transition::Submit => Some("review"),
        Transition::Publish => Some("published"),
        Transition::Schedule => Some("scheduled"),
        Transition::Unpublish => Some("draft"),
        Transition::Archive => Some("archived"),
    }
}

/// Where each transition starts, so that every one changes something: a published article to
/// unpublish or archive, a draft otherwise.
fn start_of(transition: Transition) -> Status {
    match transition {
        Transition::Unpublish | Transition::Archive => Status::Published,
        _ => Status::Draft,
    }
}

struct Writer {
    user: User,
    browser: Browser,
    token: String,
}

async fn writer(app: &TestApp, role: Role) -> Writer {
    let email = format!("{}@news.example", role.as_str());
    let user = app.add_user(&email, role).await;
    let browser = app.sign_in(&email).await;
    let token = accounts::create_api_token(&app.db, &app.clock, user.id, "workflow")
        .await
        .unwrap();
    Writer {
        user,
        browser,
        token,
    }
}

/// A fresh article owned by `owner`, in `status`.
async fn fresh(app: &TestApp, n: &Newsroom, owner: &User, status: Status, label: &str) -> i64 {
    let mut input = article(n, label);
    input.author_ids = Vec::new();
    input.created_by = Some(owner.id);
    input.status = status;
    input.published_at = (status == Status::Published).then(|| START.plus_seconds(-7200));
    articles::create_article(&app.db, &app.clock, input)
        .await
        .unwrap()
}

async fn stored(app: &TestApp, id: i64) -> (Status, Option<Timestamp>) {
    let a = articles::editable(&app.db, chrono_tz::UTC, id)
        .await
        .unwrap();
    (a.status, a.input.published_at)
}

async fn through_admin(
    app: &TestApp,
    n: &Newsroom,
    w: &Writer,
    id: i64,
    transition: Transition,
    at: Timestamp,
) -> Answer {
    let section = n.business.to_string();
    let local = at.to_datetime().format("%Y-%m-%dT%H:%M:%S").to_string();
    let headline = articles::editable(&app.db, chrono_tz::UTC, id)
        .await
        .unwrap()
        .input
        .headline;
    let fields = [
        ("headline", headline.as_str()),
        ("body", "Body."),
        ("section_id", section.as_str()),
        ("publish_at", local.as_str()),
        ("comments_open", "on"),
        ("action", transition.as_str()),
    ];
    let r = app
        .post_as(&format!("/admin/articles/{id}"), &w.browser, &fields)
        .await;
    answer(app, id, &r, StatusCode::SEE_OTHER).await
}

/// What a door's response says, with `done` its status for a change made.
async fn answer(app: &TestApp, id: i64, r: &TestResponse, done: StatusCode) -> Answer {
    match r.status {
        s if s == done => {
            let (status, published_at) = stored(app, id).await;
            Answer::Done(status, published_at)
        }
        StatusCode::FORBIDDEN => Answer::Forbidden,
        StatusCode::UNPROCESSABLE_ENTITY => Answer::Invalid,
        other => panic!("{other}: {}", r.text()),
    }
}

async fn through_api(
    app: &TestApp,
    w: &Writer,
    id: i64,
    transition: Transition,
    at: Timestamp,
) -> Answer {
    let mut body = serde_json::json!({ "published_at": at.to_datetime().to_rfc3339() });
    if let Some(status) = wanted(transition) {
        body["status"] = status.into();
    }
    let request = Request::patch(format!("/api/v1/articles/{id}"))
        .header("authorization", format!("Bearer {}", w.token))
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    let r = app.request(request).await;
    answer(app, id, &r, StatusCode::OK).await
}

fn expected(user: &User, start: &Standing, transition: Transition, at: Timestamp) -> Answer {
    match workflow::decide(user, Some(start), transition, Some(at), START) {
        Ok(Outcome {
            status,
            published_at,
        }) => Answer::Done(status, published_at),
        Err(e) if e.code() == "forbidden" => Answer::Forbidden,
        Err(_) => Answer::Invalid,
    }
}

db_tests! {
    async fn every_role_transition_and_time_ends_alike_through_the_admin_and_the_api(app) {
        let n = newsroom(app).await;
        let times = [START.plus_seconds(-3600), START, START.plus_seconds(3600)];
        let mut outcomes = Vec::new();
        for role in Role::ALL {
            let w = writer(app, role).await;
            for transition in Transition::ALL {
                for at in times {
                    let status = start_of(transition);
                    let label = |door: &str| format!("{} {} {} {}", role.as_str(), transition.as_str(), at.micros(), door);
                    let by_form = fresh(app, &n, &w.user, status, &label("form")).await;
                    let by_api = fresh(app, &n, &w.user, status, &label("api")).await;
                    let start = Standing {
                        created_by: Some(w.user.id),
                        status,
                        published_at: stored(app, by_form).await.1,
                    };
                    let want = expected(&w.user, &start, transition, at);
                    let form = through_admin(app, &n, &w, by_form, transition, at).await;
                    let api = through_api(app, &w, by_api, transition, at).await;
                    let case = format!("{} {} at {:+} s", role.as_str(), transition.as_str(), (at.micros() - START.micros()) / 1_000_000);
                    assert_eq!(form, want, "admin: {case}");
                    assert_eq!(api, want, "API: {case}");
                    outcomes.push(want);
                }
            }
        }
        assert_eq!(outcomes.len(), 4 * 6 * 3);
        for kind in [Answer::Forbidden, Answer::Invalid] {
            assert!(outcomes.contains(&kind), "the table reaches {kind:?}");
        }
        assert!(outcomes.contains(&Answer::Done(Status::Scheduled, Some(times[2]))));
        assert!(outcomes.contains(&Answer::Done(Status::Published, Some(START))), "a future publish is now");
    }

    async fn bulk_changes_stand_or_fall_together(app) {
        let n = newsroom(app).await;
        let author = writer(app, Role::Author).await;
        let colleague = app.add_user("colleague@news.example", Role::Author).await;
        let own = fresh(app, &n, &author.user, Status::Draft, "Own draft").await;
        let theirs = fresh(app, &n, &colleague, Status::Draft, "Their draft").await;
        let ids = |list: &[i64]| list.iter().map(|id| ("ids", id.to_string())).collect::<Vec<_>>();
        let post = |list: Vec<(&'static str, String)>| {
            let browser = &author.browser;
            async move {
                let mut fields: Vec<(&str, &str)> = list.iter().map(|(k, v)| (*k, v.as_str())).collect();
                fields.push(("action", "publish"));
                app.post_as("/admin/articles/bulk", browser, &fields).await.status
            }
        };
        assert_eq!(post(ids(&[own, theirs])).await, StatusCode::FORBIDDEN);
        assert_eq!(stored(app, own).await.0, Status::Draft, "nothing changed, not even the allowed one");
        assert_eq!(post(ids(&[own])).await, StatusCode::SEE_OTHER);
        assert_eq!(stored(app, own).await, (Status::Published, Some(START)));
    }
}
