//! The rules of newsletters and sign-up: validation, double opt-in with a signed, single-use,
//! expiring link, the preference page and unsubscribing, and the housekeeping that purges
//! unconfirmed sign-ups and old addresses. No answer here says whether an address is subscribed.

use serde::Serialize;

use super::store::{self, Consent, Fields};
use crate::articles::slug::slugify;
use crate::clock::Clock;
use crate::db::{Db, Timestamp, Tx};
use crate::error::{AppError, AppResult, FieldError};
use crate::jobs::{self, Job};
use crate::secrets;
use crate::site::settings;

/// What every sign-up form shows beside the button, recorded with each consent.
pub const CONSENT_TEXT: &str = "We will email you to confirm. You can unsubscribe at any time, \
     from a link in every newsletter.";
/// A confirmation link works this long.
pub const LINK_SECONDS: i64 = 48 * 3600;
/// Sign-ups never confirmed are deleted after this long.
pub const PENDING_SECONDS: i64 = 7 * 86_400;
/// Addresses that signed up are kept this long, then dropped.
pub const IP_SECONDS: i64 = 30 * 86_400;
/// Sign-ups per address per hour.
pub const HOURLY_PER_IP: i64 = 10;
/// Confirmation mails per email address per hour; more are not sent, silently.
pub const HOURLY_PER_EMAIL: i64 = 3;

pub const CADENCES: [&str; 4] = ["daily", "weekly", "publish", "manual"];

pub use store::NewsletterRow as Newsletter;

pub async fn all(db: &Db) -> AppResult<Vec<Newsletter>> {
    Ok(store::all(db).await?.into_iter().collect())
}

pub async fn active(db: &Db) -> AppResult<Vec<Newsletter>> {
    Ok(all(db).await?.into_iter().filter(|n| n.active).collect())
}

pub async fn get(db: &Db, id: i64) -> AppResult<Newsletter> {
    store::by_id(db, id)
        .await?
        .ok_or_else(|| AppError::not_found("there is no such newsletter"))
}

/// The newsletter an article promotes: the one it names, if active, else its section's default.
pub async fn promoted(
    db: &Db,
    named: Option<&str>,
    section_id: i64,
) -> AppResult<Option<Newsletter>> {
    if let Some(name) = named.filter(|n| !n.trim().is_empty())
        && let Some(n) = store::by_slug(db, &slugify(name))
            .await?
            .filter(|n| n.active)
    {
        return Ok(Some(n));
    }
    Ok(store::for_section(db, section_id).await?)
}

/// A newsletter as an editor submits it.
#[derive(Debug, Clone, Default)]
pub struct NewsletterInput {
    pub name: String,
    pub slug: String,
    pub description: String,
    pub sender_name: String,
    pub sender_email: String,
    pub reply_to: String,
    pub cadence: String,
    pub send_time: String,
    pub send_weekday: i64,
    pub active: bool,
    pub position: i64,
    pub section_ids: Vec<i64>,
    pub tag_ids: Vec<i64>,
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

fn validate(input: &mut NewsletterInput) -> AppResult<()> {
    input.name = input.name.trim().to_string();
    input.slug = slugify(if input.slug.trim().is_empty() {
        &input.name
    } else {
        &input.slug
    });
    let mut errors = Vec::new();
    if input.name.is_empty() || input.name.chars().count() > 120 {
        errors.push(field(
            "name",
            "give the newsletter a name of at most 120 characters",
        ));
    }
    if input.slug.is_empty() {
        errors.push(field("slug", "use letters or digits in the slug"));
    }
    for (name, value) in [
        ("sender_email", &input.sender_email),
        ("reply_to", &input.reply_to),
    ] {
        if !value.trim().is_empty() && value.trim().parse::<lettre::Address>().is_err() {
            errors.push(field(name, "use an email address such as news@example.com"));
        }
    }
    if !CADENCES.contains(&input.cadence.as_str()) {
        errors.push(field(
            "cadence",
            "choose daily, weekly, on publish or manual",
        ));
    }
    let time_ok = chrono::NaiveTime::parse_from_str(input.send_time.trim(), "%H:%M").is_ok();
    if !time_ok {
        errors.push(field("send_time", "use a 24-hour time such as 07:00"));
    }
    if !(1..=7).contains(&input.send_weekday) {
        errors.push(field("send_weekday", "choose a day of the week"));
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(errors))
    }
}

/// Creates (`id` None) or updates a newsletter with its sources, in one transaction.
pub async fn save(
    db: &Db,
    clock: &Clock,
    id: Option<i64>,
    input: NewsletterInput,
) -> AppResult<i64> {
    let mut tx = db.begin().await?;
    let saved = save_in(&mut tx, clock.now(), id, input).await?;
    tx.bump_content_version().await?;
    tx.commit().await?;
    Ok(saved)
}

/// [`save`] inside the caller's transaction.
pub async fn save_in(
    tx: &mut Tx,
    now: Timestamp,
    id: Option<i64>,
    mut input: NewsletterInput,
) -> AppResult<i64> {
    validate(&mut input)?;
    let fields = Fields {
        name: &input.name,
        slug: &input.slug,
        description: input.description.trim(),
        sender_name: input.sender_name.trim(),
        sender_email: input.sender_email.trim(),
        reply_to: input.reply_to.trim(),
        cadence: &input.cadence,
        send_time: input.send_time.trim(),
        send_weekday: input.send_weekday,
        active: input.active,
        position: input.position,
    };
    let saved = match id {
        Some(id) => {
            if store::update(tx, id, &fields, now).await? == 0 {
                return Err(AppError::not_found("there is no such newsletter"));
            }
            id
        }
        None => store::insert(tx, &fields, now).await?,
    };
    store::set_sources(tx, saved, &input.section_ids, &input.tag_ids).await?;
    tx.bump_content_version().await?;
    Ok(saved)
}

/// Whether `email` is an address sign-ups and imports accept; it comes back normalised.
pub fn normalise_email(email: &str) -> Option<String> {
    let email = email.trim().to_lowercase();
    (!email.is_empty() && email.chars().count() <= 254 && email.parse::<lettre::Address>().is_ok())
        .then_some(email)
}

/// Imports readers who consented on another platform into newsletter `slug`, all in one
/// transaction: (added, already there).
pub async fn import(
    db: &Db,
    clock: &Clock,
    slug: &str,
    emails: &[String],
    source: &str,
) -> AppResult<(u64, u64)> {
    let newsletter = store::by_slug(db, slug)
        .await?
        .ok_or_else(|| AppError::not_found(format!("there is no newsletter {slug:?}")))?;
    let now = clock.now();
    let text = format!("Imported from {source}");
    let (mut added, mut already) = (0, 0);
    let mut tx = db.begin().await?;
    for email in emails {
        let email = normalise_email(email).ok_or_else(|| {
            AppError::Invalid(vec![field(
                "email",
                &format!("{email:?} is not an email address"),
            )])
        })?;
        let subscriber = store::subscriber_id(&mut tx, &email, now).await?;
        if store::import(&mut tx, subscriber, newsletter.id, &text, now).await? {
            added += 1;
        } else {
            already += 1;
        }
    }
    tx.commit().await?;
    Ok((added, already))
}

/// Removes every newsletter and its readers, when the demo newsroom replaces all content.
pub async fn delete_all_in(tx: &mut Tx) -> AppResult<()> {
    Ok(store::delete_all(tx).await?)
}

pub async fn sources(db: &Db, id: i64) -> AppResult<(Vec<i64>, Vec<i64>)> {
    Ok(store::sources(db, id).await?)
}

/// Subscribers of each newsletter: (newsletter id, pending, active, unsubscribed).
pub async fn audience(db: &Db) -> AppResult<Vec<(i64, i64, i64, i64)>> {
    let mut out: Vec<(i64, i64, i64, i64)> = Vec::new();
    for (id, status, n) in store::counts(db).await? {
        let entry = match out.iter_mut().find(|e| e.0 == id) {
            Some(e) => e,
            None => {
                out.push((id, 0, 0, 0));
                out.last_mut().expect("just pushed")
            }
        };
        match status.as_str() {
            "pending" => entry.1 += n,
            "active" => entry.2 += n,
            _ => entry.3 += n,
        }
    }
    Ok(out)
}

/// A sign-up as a form sent it.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub email: String,
    pub newsletter: String,
    pub ip: String,
    /// Which form: "article", "section" or "newsletters".
    pub form: String,
    pub honeypot: String,
}

/// Takes a sign-up. The answer is the same whatever happens next (a new sign-up, one already
/// confirmed, a robot caught by the honeypot, too many mails to one address), so the form never
/// tells anyone whether an address is subscribed. A confirmation mail is queued in the same
/// transaction as the pending sign-up.
pub async fn sign_up(db: &Db, clock: &Clock, s: SignUp) -> AppResult<()> {
    let Some(email) = normalise_email(&s.email) else {
        return Err(AppError::Invalid(vec![field(
            "email",
            "Please enter a valid email address.",
        )]));
    };
    let newsletter = store::by_slug(db, s.newsletter.trim())
        .await?
        .filter(|n| n.active)
        .ok_or_else(|| AppError::not_found("there is no such newsletter to sign up for"))?;
    let now = clock.now();
    let hour_ago = now.plus_seconds(-3600);
    if !s.ip.is_empty()
        && store::requests_from_ip_since(db, &s.ip, hour_ago).await? >= HOURLY_PER_IP
    {
        return Err(AppError::RateLimited);
    }
    if !s.honeypot.trim().is_empty()
        || store::requests_for_email_since(db, &email, hour_ago).await? >= HOURLY_PER_EMAIL
    {
        return Ok(());
    }
    let form = match s.form.as_str() {
        "article" | "section" | "newsletters" => s.form.as_str(),
        _ => "unknown",
    };
    let mut tx = db.begin().await?;
    let subscriber = store::subscriber_id(&mut tx, &email, now).await?;
    let consent = Consent {
        ip: &s.ip,
        form,
        text: CONSENT_TEXT,
    };
    if let Some((id, _)) = store::request(&mut tx, subscriber, newsletter.id, &consent, now).await?
    {
        let job = Job::ConfirmSubscription {
            subscription_id: id,
        };
        jobs::enqueue_in(
            &mut tx,
            &job,
            now,
            Some(&format!("confirm-subscription-{id}")),
            now,
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

fn confirm_message(id: i64, requested_at: Timestamp) -> String {
    format!("newsletter-confirm:{id}:{}", requested_at.micros())
}

/// The query of a confirmation link: the sign-up and a signature over it and the time it was
/// requested, so a newer sign-up voids older links.
pub fn confirmation_query(key: &str, id: i64, requested_at: Timestamp) -> String {
    let sig = secrets::sign(key, &confirm_message(id, requested_at));
    format!("s={id}&sig={}", &sig[..32.min(sig.len())])
}

/// What the confirmation page shows.
#[derive(Debug, Serialize)]
pub struct Confirmation {
    pub newsletter: String,
    pub preferences_query: String,
}

/// Uses a confirmation link: the subscription starts. A link is good once, for 48 hours.
pub async fn confirm(db: &Db, clock: &Clock, id: i64, sig: &str) -> AppResult<Confirmation> {
    let invalid = || {
        AppError::Gone(
            "this confirmation link has expired or was already used; sign up again for a new one"
                .into(),
        )
    };
    let key = settings::signing_key(db).await?;
    let row = store::subscription(db, id).await?.ok_or_else(invalid)?;
    let expected = confirmation_query(&key, id, row.requested_at);
    let given = format!("s={id}&sig={sig}");
    if !secrets::constant_time_eq(&expected, &given) {
        return Err(invalid());
    }
    let now = clock.now();
    if row.requested_at.plus_seconds(LINK_SECONDS) < now || !store::confirm(db, id, now).await? {
        return Err(invalid());
    }
    let newsletter = get(db, row.newsletter_id).await?;
    Ok(Confirmation {
        newsletter: newsletter.name,
        preferences_query: preferences_query(&key, row.subscriber_id),
    })
}

/// Whether a confirmation link is still good, for the page that asks to press the button.
pub async fn confirmation_pending(db: &Db, clock: &Clock, id: i64, sig: &str) -> AppResult<String> {
    let key = settings::signing_key(db).await?;
    let row = store::subscription(db, id)
        .await?
        .filter(|r| r.status == "pending" && !r.link_used)
        .filter(|r| r.requested_at.plus_seconds(LINK_SECONDS) >= clock.now())
        .filter(|r| {
            secrets::constant_time_eq(
                &confirmation_query(&key, id, r.requested_at),
                &format!("s={id}&sig={sig}"),
            )
        })
        .ok_or_else(|| {
            AppError::Gone(
                "this confirmation link has expired or was already used; sign up again for a new one"
                    .into(),
            )
        })?;
    Ok(get(db, row.newsletter_id).await?.name)
}

/// The query of a reader's preference link: their id, signed.
pub fn preferences_query(key: &str, subscriber: i64) -> String {
    let sig = secrets::sign(key, &format!("newsletter-preferences:{subscriber}"));
    format!("r={subscriber}&sig={}", &sig[..32.min(sig.len())])
}

/// The query of a one-click unsubscribe link for one newsletter, from issue `issue` (0 when the
/// link is not in an issue).
pub fn unsubscribe_query(key: &str, subscriber: i64, newsletter: i64, issue: i64) -> String {
    let sig = secrets::sign(
        key,
        &format!("newsletter-unsubscribe:{subscriber}:{newsletter}:{issue}"),
    );
    format!(
        "r={subscriber}&n={newsletter}&i={issue}&sig={}",
        &sig[..32.min(sig.len())]
    )
}

fn check(expected: &str, given: &str) -> AppResult<()> {
    if secrets::constant_time_eq(expected, given) {
        Ok(())
    } else {
        Err(AppError::Gone(
            "this link is not valid; use the link in the latest newsletter".into(),
        ))
    }
}

#[derive(Debug, Serialize)]
pub struct Choice {
    pub id: i64,
    pub name: String,
    pub description: String,
    pub subscribed: bool,
}

#[derive(Debug, Serialize)]
pub struct Preferences {
    pub email: String,
    pub choices: Vec<Choice>,
    pub subscriber: i64,
    pub sig: String,
}

pub async fn preferences(db: &Db, subscriber: i64, sig: &str) -> AppResult<Preferences> {
    let key = settings::signing_key(db).await?;
    let query = preferences_query(&key, subscriber);
    check(&query, &format!("r={subscriber}&sig={sig}"))?;
    let email = store::subscriber_email(db, subscriber)
        .await?
        .ok_or_else(|| AppError::Gone("this reader is no longer on our lists".into()))?;
    let subscribed = store::subscriptions_of(db, subscriber).await?;
    let choices = active(db)
        .await?
        .into_iter()
        .map(|n| Choice {
            subscribed: subscribed
                .iter()
                .any(|s| s.newsletter_id == n.id && s.status == "active"),
            id: n.id,
            name: n.name,
            description: n.description,
        })
        .collect();
    Ok(Preferences {
        email,
        choices,
        subscriber,
        sig: sig.to_string(),
    })
}

/// Saves a reader's choices: `wanted` on, every other newsletter off. All in one transaction.
pub async fn save_preferences(
    db: &Db,
    clock: &Clock,
    subscriber: i64,
    sig: &str,
    wanted: &[i64],
) -> AppResult<()> {
    let current = preferences(db, subscriber, sig).await?;
    let now = clock.now();
    let mut tx = db.begin().await?;
    for c in &current.choices {
        let on = wanted.contains(&c.id);
        if on != c.subscribed {
            store::set_choice(&mut tx, subscriber, c.id, on, now).await?;
        }
    }
    tx.commit().await?;
    Ok(())
}

/// Which link an unsubscribe came from: the reader, the newsletter, the issue (0 for none) and
/// the signature over them.
pub struct UnsubscribeLink<'a> {
    pub subscriber: i64,
    pub newsletter: i64,
    pub issue: i64,
    pub sig: &'a str,
}

/// One-click unsubscribe (RFC 8058): the link alone names the reader and the newsletter. The
/// reader gets a mail saying so, with a way back, queued in the same transaction.
pub async fn unsubscribe(
    db: &Db,
    clock: &Clock,
    link: &UnsubscribeLink<'_>,
) -> AppResult<Newsletter> {
    let key = settings::signing_key(db).await?;
    let (r, n, i) = (link.subscriber, link.newsletter, link.issue);
    check(
        &unsubscribe_query(&key, r, n, i),
        &format!("r={r}&n={n}&i={i}&sig={}", link.sig),
    )?;
    let newsletter = get(db, n).await?;
    let now = clock.now();
    let mut tx = db.begin().await?;
    if store::unsubscribe(&mut tx, r, n, (i > 0).then_some(i), now).await? {
        let job = Job::AnnounceUnsubscribe {
            subscriber_id: r,
            newsletter_id: n,
        };
        jobs::enqueue_in(&mut tx, &job, now, None, now).await?;
    }
    tx.commit().await?;
    Ok(newsletter)
}

/// What the mail confirming an unsubscribe needs: the address, the newsletter, and the
/// reader's preference link to sign up again.
pub struct Unsubscribed {
    pub email: String,
    pub newsletter: Newsletter,
    pub preferences_query: String,
}

/// The unsubscribe to confirm, or `None` if the reader has since subscribed again or is gone.
pub async fn unsubscribed(
    db: &Db,
    subscriber: i64,
    newsletter: i64,
) -> AppResult<Option<Unsubscribed>> {
    let Some(email) = store::subscriber_email(db, subscriber).await? else {
        return Ok(None);
    };
    let still = store::subscriptions_of(db, subscriber)
        .await?
        .iter()
        .any(|s| s.newsletter_id == newsletter && s.status == "unsubscribed");
    if !still {
        return Ok(None);
    }
    let key = settings::signing_key(db).await?;
    Ok(Some(Unsubscribed {
        email,
        newsletter: get(db, newsletter).await?,
        preferences_query: preferences_query(&key, subscriber),
    }))
}

/// What a confirmation mail needs.
pub struct ToConfirm {
    pub email: String,
    pub newsletter: Newsletter,
    pub query: String,
}

/// The pending sign-up a confirmation job mails, or `None` once it is no longer pending.
pub async fn to_confirm(db: &Db, id: i64) -> AppResult<Option<ToConfirm>> {
    let Some(row) = store::subscription(db, id).await? else {
        return Ok(None);
    };
    if row.status != "pending" {
        return Ok(None);
    }
    let key = settings::signing_key(db).await?;
    Ok(Some(ToConfirm {
        email: row.email,
        newsletter: get(db, row.newsletter_id).await?,
        query: confirmation_query(&key, id, row.requested_at),
    }))
}

/// Housekeeping, safe on every node: unconfirmed sign-ups go after 7 days, addresses after 30.
pub async fn purge(db: &Db, now: Timestamp) -> AppResult<u64> {
    let mut tx = db.begin().await?;
    let purged = store::purge_pending(&mut tx, now.plus_seconds(-PENDING_SECONDS)).await?;
    tx.commit().await?;
    store::drop_addresses_before(db, now.plus_seconds(-IP_SECONDS)).await?;
    Ok(purged)
}
