//! Partner API keys, made once and kept only as a hash: the `pocket partner` commands and the
//! desktop's administration screen both issue keys here, and the partner API checks them.
//!
//! A key reads `<prefix>.<secret>`: twelve letters or digits that find the row, a dot, and forty
//! more that only the partner knows. The database keeps the prefix and the SHA-256 of the whole
//! key, so a lost key is replaced, never recovered.

use pocket_store::partners;
use rand::Rng;
use rand::distributions::Alphanumeric;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

/// Letters and digits before the dot: the lookup part, not secret.
pub const PREFIX_LEN: usize = 12;
/// Letters and digits after the dot: the secret part.
pub const SECRET_LEN: usize = 40;

/// A newly made key: show `key` once, store `prefix` and `hash`.
#[derive(Clone, PartialEq, Eq)]
pub struct NewKey {
    pub key: String,
    pub prefix: String,
    pub hash: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// Makes a key from the operating system's random source.
pub fn generate_key() -> NewKey {
    let mut rng = rand::rngs::OsRng;
    let mut part = |n: usize| -> String {
        (&mut rng).sample_iter(&Alphanumeric).take(n).map(char::from).collect()
    };
    let prefix = part(PREFIX_LEN);
    let secret = part(SECRET_LEN);
    let key = format!("{prefix}.{secret}");
    let hash = hash_key(&key);
    NewKey { key, prefix, hash }
}

/// The stored form of a key: SHA-256 of the whole key, lowercase hex.
pub fn hash_key(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

/// The prefix of a presented key, when it has the shape of one.
pub fn key_prefix(key: &str) -> Option<&str> {
    let (prefix, secret) = key.split_once('.')?;
    let alnum = |s: &str| s.bytes().all(|b| b.is_ascii_alphanumeric());
    (prefix.len() == PREFIX_LEN && alnum(prefix) && secret.len() == SECRET_LEN && alnum(secret))
        .then_some(prefix)
}

/// Issues a new key for a partner and stores its prefix and hash; the returned key is the only
/// time anyone sees it.
pub async fn issue(
    conn: &mut PgConnection,
    partner_id: Uuid,
    label: &str,
) -> pocket_store::Result<(Uuid, NewKey)> {
    let key = generate_key();
    let id = partners::add_key(conn, partner_id, &key.prefix, &key.hash, label).await?;
    Ok((id, key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_has_the_shape_its_prefix_and_its_hash() {
        let k = generate_key();
        assert_eq!(key_prefix(&k.key), Some(k.prefix.as_str()));
        assert_eq!(k.hash, hash_key(&k.key));
        assert_eq!(k.hash.len(), 64);
        assert_ne!(generate_key().key, k.key);
        assert!(!format!("{k:?}").contains(&k.key));
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        for bad in ["", "abc", "abcdefghijkl", "abcdefghijkl.short", "abc'--fghijk.x", "a.b.c"] {
            assert_eq!(key_prefix(bad), None, "{bad}");
        }
    }
}
