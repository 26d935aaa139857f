//! The confirmation mail of a double opt-in, sent by the job worker through the mail component.

use serde::Serialize;

use super::service;
use crate::error::AppResult;
use crate::jobs::Context;
use crate::mail;
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
pub async fn send(ctx: &Context, subscription_id: i64) -> AppResult<()> {
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
