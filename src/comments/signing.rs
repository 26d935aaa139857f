//! Signed values the comment form and its links carry: the time the form was shown, the proof
//! that a held comment's author is looking at it, and the reply-mail unsubscribe link. All are
//! HMACs under the site's key, so no table is needed and any node can check them.

use super::rules::Stamp;
use crate::db::Timestamp;
use crate::secrets;

/// Hex digits of a signature kept in a URL or form: 128 bits.
const KEPT: usize = 32;

fn short(key: &str, message: &str) -> String {
    let mut sig = secrets::sign(key, message);
    sig.truncate(KEPT);
    sig
}

fn verify(key: &str, message: &str, signature: &str) -> bool {
    let expected = short(key, message);
    !expected.is_empty() && secrets::constant_time_eq(&expected, signature)
}

/// The form's time stamp: seconds since the epoch and their signature.
pub fn form_stamp(key: &str, now: Timestamp) -> String {
    let secs = now.micros().div_euclid(1_000_000);
    format!("{secs}.{}", short(key, &format!("comment-form:{secs}")))
}

pub fn read_form_stamp(key: &str, stamp: &str, now: Timestamp) -> Stamp {
    if stamp.trim().is_empty() {
        return Stamp::Missing;
    }
    let Some((secs, signature)) = stamp.trim().split_once('.') else {
        return Stamp::Forged;
    };
    match secs.parse::<i64>() {
        Ok(s) if verify(key, &format!("comment-form:{s}"), signature) => {
            Stamp::Age(now.micros().div_euclid(1_000_000) - s)
        }
        _ => Stamp::Forged,
    }
}

/// Lets the author of a held comment see it, and no one else.
pub fn held_hash(key: &str, comment_id: i64) -> String {
    short(key, &format!("comment-held:{comment_id}"))
}

pub fn held_hash_matches(key: &str, comment_id: i64, hash: &str) -> bool {
    verify(key, &format!("comment-held:{comment_id}"), hash)
}

/// Signs a reply-mail unsubscribe link for the commenter of `comment_id`.
pub fn unsubscribe(key: &str, comment_id: i64) -> String {
    short(key, &format!("comment-replies-off:{comment_id}"))
}

pub fn unsubscribe_matches(key: &str, comment_id: i64, signature: &str) -> bool {
    verify(key, &format!("comment-replies-off:{comment_id}"), signature)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_age_and_refuse_forgeries() {
        let at = Timestamp::from_micros(1_000_000_000_000);
        let stamp = form_stamp("k", at);
        assert_eq!(
            read_form_stamp("k", &stamp, at.plus_seconds(7)),
            Stamp::Age(7)
        );
        assert_eq!(read_form_stamp("other", &stamp, at), Stamp::Forged);
        assert_eq!(read_form_stamp("k", "999.abc", at), Stamp::Forged);
        assert_eq!(read_form_stamp("k", "nonsense", at), Stamp::Forged);
        assert_eq!(read_form_stamp("k", "", at), Stamp::Missing);
        assert!(held_hash_matches("k", 5, &held_hash("k", 5)));
        assert!(!held_hash_matches("k", 6, &held_hash("k", 5)));
        assert!(unsubscribe_matches("k", 5, &unsubscribe("k", 5)));
        assert!(!unsubscribe_matches("k", 5, &held_hash("k", 5)));
    }
}
