//! Ghost's identifiers: every item has a 24-hex `id` (a MongoDB ObjectId in Ghost) and a `uuid`.
//! Broadsheet's ids are numbers per table, so the kind of item goes into the id's first eight
//! hex digits — a post and a tag with the same number still get different ids — and the uuid
//! is derived from the site's secret, the kind and the number: stable for the item's life, and
//! different on every site.

use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Post,
    Page,
    Tag,
    Author,
    Tier,
    /// The site itself, for its `site_uuid`.
    Site,
}

impl Kind {
    fn code(self) -> u32 {
        match self {
            Kind::Post => 1,
            Kind::Page => 2,
            Kind::Tag => 3,
            Kind::Author => 4,
            Kind::Tier => 5,
            Kind::Site => 6,
        }
    }
}

/// The 24-hex id of an item.
pub fn encode(kind: Kind, id: i64) -> String {
    format!("{:08x}{:016x}", kind.code(), id)
}

/// The number behind a 24-hex id of `kind`; `None` for anything else, which is then simply not
/// found.
pub fn decode(kind: Kind, text: &str) -> Option<i64> {
    if text.len() != 24 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let (prefix, number) = text.split_at(8);
    if u32::from_str_radix(prefix, 16).ok()? != kind.code() {
        return None;
    }
    i64::from_str_radix(number, 16).ok().filter(|n| *n > 0)
}

/// The item's uuid (version 8, "custom"), from a digest of the site's secret, kind and number.
pub fn uuid(secret: &[u8], kind: Kind, id: i64) -> String {
    let mut digest = Sha256::new();
    digest.update(b"broadsheet-ghost-uuid\0");
    digest.update(secret);
    digest.update(kind.code().to_be_bytes());
    digest.update(id.to_be_bytes());
    let mut bytes: [u8; 16] = digest.finalize()[..16].try_into().unwrap_or([0; 16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_within_their_kind_only() {
        let id = encode(Kind::Post, 42);
        assert_eq!(id.len(), 24);
        assert_eq!(decode(Kind::Post, &id), Some(42));
        assert_eq!(decode(Kind::Tag, &id), None);
        assert_eq!(decode(Kind::Post, "zz0000010000000000000042"), None);
        assert_eq!(decode(Kind::Post, "0000000100000000000000"), None);
        assert_ne!(encode(Kind::Post, 7), encode(Kind::Page, 7));
    }

    #[test]
    fn uuids_are_stable_per_item_and_site() {
        let a = uuid(b"site one", Kind::Post, 1);
        assert_eq!(a, uuid(b"site one", Kind::Post, 1));
        assert_ne!(a, uuid(b"site two", Kind::Post, 1));
        assert_ne!(a, uuid(b"site one", Kind::Page, 1));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
    }
}
