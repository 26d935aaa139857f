//! WordPress's decision on a new comment, in its order, with our spam defence where WordPress
//! lets plugins hook in: privileged people are approved; then manual moderation, the link count,
//! moderation keywords and the previously-approved rule may hold a comment; disallowed keywords,
//! the honeypot, a forged or hurried form and the classifier may mark it as spam or hold it.
//! Pure, so every rule is tested without a database.

use super::policy::Policy;
use super::spam::Verdict;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Approved,
    Pending,
    Spam,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Approved => "approved",
            Status::Pending => "pending",
            Status::Spam => "spam",
        }
    }
}

/// What the form's signed time stamp said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stamp {
    /// No stamp: an old theme or a script posting straight to `wp-comments-post.php`.
    Missing,
    /// A stamp this site did not sign.
    Forged,
    /// Seconds since the form was shown.
    Age(i64),
}

pub struct Facts<'a> {
    pub policy: &'a Policy,
    /// A moderator, or one of the article's authors.
    pub privileged: bool,
    pub links: usize,
    /// Name, email, website, text, address and browser, searched for keywords.
    pub haystack: &'a [&'a str],
    pub has_approved_before: bool,
    pub honeypot_filled: bool,
    pub stamp: Stamp,
    pub verdict: Option<&'a Verdict>,
}

pub fn decide(f: &Facts<'_>) -> (Status, String) {
    if f.privileged {
        return (Status::Approved, String::new());
    }
    let p = f.policy;
    if f.honeypot_filled {
        return (
            Status::Spam,
            "the hidden honeypot field was filled in".into(),
        );
    }
    match f.stamp {
        Stamp::Forged => return (Status::Spam, "the form's time stamp was not ours".into()),
        Stamp::Age(age) if age < p.min_fill_seconds => {
            return (
                Status::Spam,
                format!(
                    "sent {age} s after the form was shown (the minimum is {} s)",
                    p.min_fill_seconds
                ),
            );
        }
        _ => {}
    }
    if let Some(key) = first_match(&p.disallowed_keys, f.haystack) {
        return (
            Status::Spam,
            format!("contains the disallowed word “{key}”"),
        );
    }
    if let Some(v) = f.verdict.filter(|v| v.percent() >= p.spam_score) {
        return (Status::Spam, v.explain());
    }
    let held = if p.manual_moderation {
        Some("every comment is held (manual moderation is on)".to_string())
    } else if p.max_links > 0 && f.links as i64 >= p.max_links {
        Some(format!(
            "{} links (comments with {} or more are held)",
            f.links, p.max_links
        ))
    } else if let Some(key) = first_match(&p.moderation_keys, f.haystack) {
        Some(format!("contains the moderation word “{key}”"))
    } else if let Some(v) = f.verdict.filter(|v| v.percent() >= p.hold_score) {
        Some(v.explain())
    } else if p.previously_approved && !f.has_approved_before {
        Some("first comment from this name and email".to_string())
    } else {
        None
    };
    match held {
        Some(reason) => (Status::Pending, reason),
        None => (Status::Approved, String::new()),
    }
}

/// The first keyword of `list` found, case-insensitively, anywhere in `haystack`.
fn first_match(list: &str, haystack: &[&str]) -> Option<String> {
    let lowered: Vec<String> = haystack.iter().map(|h| h.to_lowercase()).collect();
    Policy::keys(list).find(|key| lowered.iter().any(|h| h.contains(key.as_str())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts<'a>(policy: &'a Policy, haystack: &'a [&'a str]) -> Facts<'a> {
        Facts {
            policy,
            privileged: false,
            links: 0,
            haystack,
            has_approved_before: true,
            honeypot_filled: false,
            stamp: Stamp::Age(60),
            verdict: None,
        }
    }

    #[test]
    fn wordpress_order_and_defaults() {
        let p = Policy::default();
        let hay = [
            "Ann",
            "ann@example.com",
            "",
            "Nice piece",
            "10.0.0.1",
            "Firefox",
        ];
        assert_eq!(decide(&facts(&p, &hay)).0, Status::Approved);
        let first = Facts {
            has_approved_before: false,
            ..facts(&p, &hay)
        };
        assert_eq!(
            decide(&first),
            (
                Status::Pending,
                "first comment from this name and email".into()
            )
        );
        let links = Facts {
            links: 2,
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&links).0, Status::Pending);
        let one_link = Facts {
            links: 1,
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&one_link).0, Status::Approved);
        let privileged = Facts {
            privileged: true,
            honeypot_filled: true,
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&privileged).0, Status::Approved);
    }

    #[test]
    fn keywords_hold_or_mark_as_spam() {
        let p = Policy {
            moderation_keys: "\n  Piece \n".into(),
            disallowed_keys: "10.0.0.1".into(),
            ..Policy::default()
        };
        let hay = ["Ann", "ann@example.com", "", "Nice piece", "10.0.0.2", ""];
        assert_eq!(
            decide(&facts(&p, &hay)),
            (
                Status::Pending,
                "contains the moderation word “piece”".into()
            )
        );
        let hay = ["Ann", "ann@example.com", "", "Nice piece", "10.0.0.1", ""];
        assert_eq!(decide(&facts(&p, &hay)).0, Status::Spam);
    }

    #[test]
    fn honeypot_and_hurried_or_forged_forms_are_spam() {
        let p = Policy::default();
        let hay = ["Ann"];
        let honeypot = Facts {
            honeypot_filled: true,
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&honeypot).0, Status::Spam);
        let hurried = Facts {
            stamp: Stamp::Age(1),
            ..facts(&p, &hay)
        };
        assert_eq!(
            decide(&hurried).1,
            "sent 1 s after the form was shown (the minimum is 3 s)"
        );
        let forged = Facts {
            stamp: Stamp::Forged,
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&forged).0, Status::Spam);
        let missing = Facts {
            stamp: Stamp::Missing,
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&missing).0, Status::Approved);
    }

    #[test]
    fn the_classifier_holds_or_marks_by_its_thresholds() {
        let p = Policy::default();
        let hay = ["Ann"];
        let likely = Verdict {
            probability: 0.9,
            signs: vec![("w:casino".into(), 3.0)],
        };
        let certain = Verdict {
            probability: 0.995,
            signs: vec![],
        };
        let with = |v| Facts {
            verdict: Some(v),
            ..facts(&p, &hay)
        };
        assert_eq!(decide(&with(&likely)).0, Status::Pending);
        assert!(decide(&with(&likely)).1.contains("w:casino"));
        assert_eq!(decide(&with(&certain)).0, Status::Spam);
    }
}
