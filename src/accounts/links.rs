//! The mail of a password link (a first password, or a reset), sent by the job worker: the
//! request that asked for it only queued the address, so it answered before anyone knew whether
//! an account has it, and no mail server's pace shows in its timing.

use serde::Serialize;

use super::service::{self, LinkPurpose};
use crate::error::{AppError, AppResult};
use crate::mail;
use crate::mail::MailRoom;
use crate::site::settings;

#[derive(Serialize)]
struct LinkMail<'a> {
    name: &'a str,
    site_name: &'a str,
    link: &'a str,
    purpose: &'a str,
}

/// The job behind [`crate::jobs::Job::PasswordLink`]: nothing when no active account has the
/// address.
pub async fn send(ctx: &MailRoom, email: &str, purpose: LinkPurpose) -> AppResult<()> {
    let user = match service::user_by_email(&ctx.db, email).await {
        Ok(user) if !user.disabled => user,
        Ok(_) | Err(AppError::NotFound(_)) => return Ok(()),
        Err(other) => return Err(other),
    };
    let token = service::issue_link(&ctx.db, &ctx.clock, user.id, purpose).await?;
    let site = settings::load(&ctx.db).await?;
    let link = purpose.url(&site.base_url, &token);
    let context = LinkMail {
        name: &user.name,
        site_name: &site.name,
        link: &link,
        purpose: purpose.as_str(),
    };
    let message = mail::compose(&ctx.templates, "password_link", &user.email, &context)?;
    ctx.mailer.send(message).await?;
    Ok(())
}
