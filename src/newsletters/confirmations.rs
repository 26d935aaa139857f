//! The mails that confirm what a reader did — the double opt-in link of a sign-up, and word that
//! an unsubscribe worked — sent by the job worker through the mail component.

use serde::Serialize;

use super::service;
use crate::error::AppResult;
use crate::mail;
use crate::mail::MailRoom;
use crate::site::settings;

#[derive(Serialize)]
struct ConfirmMail<'a> {
    site_name: &'a str,
    newsletter: &'a str,
    description: &'a str,
    link: String,
    hours: i64,
}

/// The job behind [`crate::jobs::Job::ConfirmSubscription`]; nothing once the sign-up is no
/// longer pending.
pub async fn send(ctx: &MailRoom, subscription_id: i64) -> AppResult<()> {
    let Some(pending) = service::to_confirm(&ctx.db, subscription_id).await? else {
        return Ok(());
    };
    let site = settings::load(&ctx.db).await?;
    let c = ConfirmMail {
        site_name: &site.name,
        newsletter: &pending.newsletter.name,
        description: &pending.newsletter.description,
        link: format!(
            "{}/newsletters/confirm?{}",
            site.base_url.trim_end_matches('/'),
            pending.query
        ),
        hours: service::LINK_SECONDS / 3600,
    };
    let message = mail::compose(&ctx.templates, "newsletter_confirm", &pending.email, &c)?;
    ctx.mailer.send(message).await?;
    Ok(())
}

#[derive(Serialize)]
struct UnsubscribedMail<'a> {
    site_name: &'a str,
    newsletter: &'a str,
    preferences: String,
}

/// The job behind [`crate::jobs::Job::AnnounceUnsubscribe`]: tells the reader the unsubscribe
/// worked and how to come back. Nothing if they have since come back.
pub async fn send_unsubscribed(ctx: &MailRoom, subscriber: i64, newsletter: i64) -> AppResult<()> {
    let Some(gone) = service::unsubscribed(&ctx.db, subscriber, newsletter).await? else {
        return Ok(());
    };
    let site = settings::load(&ctx.db).await?;
    let c = UnsubscribedMail {
        site_name: &site.name,
        newsletter: &gone.newsletter.name,
        preferences: format!(
            "{}/newsletters/preferences?{}",
            site.base_url.trim_end_matches('/'),
            gone.preferences_query
        ),
    };
    let message = mail::compose(&ctx.templates, "newsletter_unsubscribed", &gone.email, &c)?;
    ctx.mailer.send(message).await?;
    Ok(())
}
