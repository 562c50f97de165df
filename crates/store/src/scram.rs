//! SCRAM-SHA-256 verifiers (RFC 5802 and RFC 7677) in the text form PostgreSQL stores
//! (RFC 5803): the desktop computes one from the officer's password and sends only that, so the
//! clear password never reaches the database or its logs (DESIGN.md decision 1).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::{Digest, Sha256};

/// PostgreSQL's default iteration count (`scram_iterations`), and RFC 7677's minimum.
pub const ITERATIONS: u32 = 4096;

/// `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` for a password and a fresh random
/// 16-byte salt.
pub fn verifier(password: &str) -> String {
    let mut salt = [0u8; 16];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    verifier_with(password, &salt, ITERATIONS)
}

/// The verifier for a given salt and iteration count (deterministic, for tests and the demo).
pub fn verifier_with(password: &str, salt: &[u8], iterations: u32) -> String {
    // RFC 5802 section 3: SaltedPassword := Hi(Normalize(password), salt, i), Hi being PBKDF2 with
    // HMAC as its pseudo-random function. PostgreSQL applies SASLprep; ASCII passwords pass
    // through it unchanged.
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password.as_bytes(), salt, iterations, &mut salted);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key = Sha256::digest(client_key);
    let server_key = hmac(&salted, b"Server Key");
    format!(
        "SCRAM-SHA-256${iterations}:{}${}:{}",
        STANDARD.encode(salt),
        STANDARD.encode(stored_key),
        STANDARD.encode(server_key)
    )
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("BUG: HMAC accepts any key length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_has_the_form_postgres_stores() {
        let v = verifier("correct horse");
        let (scheme, rest) = v.split_once('$').unwrap();
        assert_eq!(scheme, "SCRAM-SHA-256");
        let (params, keys) = rest.split_once('$').unwrap();
        let (iterations, salt) = params.split_once(':').unwrap();
        assert_eq!(iterations, "4096");
        assert_eq!(STANDARD.decode(salt).unwrap().len(), 16);
        let (stored, server) = keys.split_once(':').unwrap();
        assert_eq!(STANDARD.decode(stored).unwrap().len(), 32);
        assert_eq!(STANDARD.decode(server).unwrap().len(), 32);
    }

    #[test]
    fn two_verifiers_of_one_password_differ_by_their_salt() {
        assert_ne!(verifier("same"), verifier("same"));
    }

    #[test]
    fn a_known_salt_gives_a_known_verifier() {
        // Computed independently with Python's hashlib.pbkdf2_hmac and hmac for "pencil" and the
        // salt of sixteen 0x01 bytes.
        let v = verifier_with("pencil", &[1u8; 16], 4096);
        assert_eq!(v, include_str!("../tests/fixtures/pencil.scram").trim());
    }
}
