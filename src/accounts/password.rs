//! Passwords: argon2id with OWASP's recommended parameters (19 MiB, 2 passes, 1 lane), at least
//! 12 characters, and never one of the passwords attackers try first.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use std::sync::OnceLock;

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 1024;

static COMMON: &str = include_str!("common_passwords.txt");

fn hasher() -> anyhow::Result<Argon2<'static>> {
    let params = Params::new(19 * 1024, 2, 1, None)
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Why a password is refused, in words for the person choosing it; `None` when it is fine.
pub fn weakness(password: &str, email: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!("use at least {MIN_LENGTH} characters"));
    }
    if length > MAX_LENGTH {
        return Some(format!("use at most {MAX_LENGTH} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.lines().any(|common| common == lower) {
        return Some("that password is on the list of the most common ones; choose another".into());
    }
    let mut chars = lower.chars();
    if let Some(first) = chars.next()
        && chars.all(|c| c == first)
    {
        return Some("a password of one repeated character is easy to guess".into());
    }
    let local = email.split('@').next().unwrap_or("").to_lowercase();
    if local.len() >= 4 && lower.contains(&local) {
        return Some("do not build the password from your email address".into());
    }
    None
}

/// Hashes a password with a fresh salt, on the CPU pool (see [`crate::cpu`]).
pub async fn hash(password: &str) -> anyhow::Result<String> {
    let password = password.to_owned();
    crate::cpu::run(move || hash_now(&password)).await?
}

fn hash_now(password: &str) -> anyhow::Result<String> {
    let mut salt_bytes = [0u8; 16];
    getrandom::fill(&mut salt_bytes)
        .map_err(|e| anyhow::anyhow!("no randomness available: {e}"))?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| anyhow::anyhow!("encoding a salt failed: {e}"))?;
    hasher()?
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password failed: {e}"))
}

/// Whether `password` matches the `stored` hash, checked on the CPU pool. Without a stored hash
/// (an unknown address, an account invited but without a password yet) it checks against a
/// dummy hash and answers `false`, so every answer costs one verification and its timing tells
/// nothing about which accounts exist.
pub async fn verify(password: &str, stored: Option<&str>) -> anyhow::Result<bool> {
    static DUMMY: OnceLock<Option<String>> = OnceLock::new();
    let (password, stored) = (password.to_owned(), stored.map(str::to_owned));
    crate::cpu::run(move || match stored {
        Some(stored) => verify_now(&password, &stored),
        None => {
            if let Some(dummy) = DUMMY.get_or_init(|| hash_now("not a real password at all").ok()) {
                verify_now(&password, dummy);
            }
            false
        }
    })
    .await
}

fn verify_now(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    hasher().is_ok_and(|h| h.verify_password(password.as_bytes(), &parsed).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_refuses_short_common_and_derived_passwords() {
        assert!(weakness("short", "a@b.c").is_some());
        assert!(
            weakness("Password1234", "a@b.c").is_some(),
            "common, any case"
        );
        assert!(weakness("aaaaaaaaaaaaaa", "a@b.c").is_some());
        assert!(weakness("margot-rocks-2026", "margot@news.example").is_some());
        assert!(weakness("plum orchard at dusk", "margot@news.example").is_none());
    }

    #[tokio::test]
    async fn hashes_are_argon2id_and_verify() {
        let h = hash("plum orchard at dusk").await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify("plum orchard at dusk", Some(&h)).await.unwrap());
        assert!(!verify("plum orchard at dawn", Some(&h)).await.unwrap());
        assert!(!verify("anything", Some("not a hash")).await.unwrap());
        assert!(!verify("not a real password at all", None).await.unwrap());
    }
}
