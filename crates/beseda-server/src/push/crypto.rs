//! The cryptography of Web Push, on `ring`: the VAPID key pair and its ES256 JWT (RFC 8292),
//! and the `aes128gcm` message encryption for a subscription's keys (RFC 8291 over RFC 8188).
//! The private key stays inside [`Vapid`], whose `Debug` does not show it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use beseda_store::VapidKey;
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use ring::{aead, agreement, hkdf};

/// Bytes of an uncompressed P-256 point.
pub const P256_POINT_LEN: usize = 65;
/// Bytes of a subscription's auth secret.
pub const AUTH_LEN: usize = 16;
/// The record size announced in the header. One record carries the whole message, so a
/// message may be at most this minus the tag and the delimiter (RFC 8291 §4: push services
/// take at least 4096 bytes of payload).
const RECORD_SIZE: u32 = 4096;
/// Longest plaintext one record takes.
pub const MAX_PLAINTEXT: usize = RECORD_SIZE as usize - 16 - 1 - 86;

/// A fresh key pair, as stored.
pub fn generate() -> Result<VapidKey, String> {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .map_err(|_| "cannot generate a P-256 key".to_owned())?;
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .map_err(|e| format!("generated key refused: {e}"))?;
    Ok(VapidKey {
        private_pkcs8: STANDARD.encode(pkcs8.as_ref()),
        public_key: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
    })
}

/// The server's VAPID identity, ready to sign.
pub struct Vapid {
    pair: EcdsaKeyPair,
    /// The public key, base64url: `k=` of the header and the browsers' `applicationServerKey`.
    pub public_key: String,
    rng: SystemRandom,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid").field("public_key", &self.public_key).finish_non_exhaustive()
    }
}

impl Vapid {
    pub fn from_stored(key: &VapidKey) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let der = STANDARD.decode(&key.private_pkcs8).map_err(|_| "stored VAPID key is not base64".to_owned())?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng)
            .map_err(|e| format!("stored VAPID key refused: {e}"))?;
        let public_key = URL_SAFE_NO_PAD.encode(pair.public_key().as_ref());
        if public_key != key.public_key {
            return Err("stored VAPID public key does not match its private key".into());
        }
        Ok(Self { pair, public_key, rng })
    }

    /// The `Authorization` header for a push to `audience` (the endpoint's origin), valid
    /// until `expires` (seconds since the epoch; RFC 8292 §2: at most 24 hours ahead).
    pub fn authorization(&self, audience: &str, expires: i64, subject: &str) -> Result<String, String> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
        let claims = serde_json::json!({"aud": audience, "exp": expires, "sub": subject});
        let claims = URL_SAFE_NO_PAD.encode(claims.to_string());
        let signed = format!("{header}.{claims}");
        let signature = self.pair.sign(&self.rng, signed.as_bytes()).map_err(|_| "signing failed".to_owned())?;
        Ok(format!("vapid t={signed}.{}, k={}", URL_SAFE_NO_PAD.encode(signature.as_ref()), self.public_key))
    }
}

/// Base64url, with or without padding (browsers give it without; some libraries pad).
pub fn base64url(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text.trim_end_matches('=')).ok()
}

/// Whether `point` is a P-256 public key (an uncompressed point on the curve): a trial
/// agreement with a throw-away key.
pub fn is_p256_point(point: &[u8]) -> bool {
    if point.len() != P256_POINT_LEN || point[0] != 4 {
        return false;
    }
    let rng = SystemRandom::new();
    let Ok(mine) = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng) else { return false };
    agreement::agree_ephemeral(mine, &agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, point), |_| ()).is_ok()
}

/// A length as HKDF output.
struct Len(usize);

impl hkdf::KeyType for Len {
    fn len(&self) -> usize {
        self.0
    }
}

fn hkdf_expand(prk: &hkdf::Prk, info: &[&[u8]], out: &mut [u8]) -> Result<(), String> {
    prk.expand(info, Len(out.len())).and_then(|okm| okm.fill(out)).map_err(|_| "HKDF failed".to_owned())
}

/// The message body for the subscription with key `ua_public` and secret `auth`: RFC 8291 §3.4
/// (key derivation) and §4 (one `aes128gcm` record, its header naming a fresh sender key).
pub fn encrypt(plaintext: &[u8], ua_public: &[u8], auth: &[u8]) -> Result<Vec<u8>, String> {
    if plaintext.len() > MAX_PLAINTEXT {
        return Err(format!("message of {} bytes is longer than {MAX_PLAINTEXT}", plaintext.len()));
    }
    let rng = SystemRandom::new();
    let mut salt = [0u8; 16];
    rng.fill(&mut salt).map_err(|_| "no randomness".to_owned())?;
    let mine = agreement::EphemeralPrivateKey::generate(&agreement::ECDH_P256, &rng)
        .map_err(|_| "cannot generate a P-256 key".to_owned())?;
    let as_public = mine.compute_public_key().map_err(|_| "cannot compute a public key".to_owned())?;
    let as_public = as_public.as_ref().to_vec();
    let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, ua_public);
    let ikm = agreement::agree_ephemeral(mine, &peer, |ecdh_secret| {
        // PRK_key = HKDF-Extract(auth_secret, ecdh_secret);
        // IKM = HKDF-Expand(PRK_key, "WebPush: info" || 0x00 || ua_public || as_public, 32).
        let prk_key = hkdf::Salt::new(hkdf::HKDF_SHA256, auth).extract(ecdh_secret);
        let mut ikm = [0u8; 32];
        hkdf_expand(&prk_key, &[b"WebPush: info\0", ua_public, &as_public], &mut ikm).map(|()| ikm)
    })
    .map_err(|_| "the subscription's key is not a P-256 point".to_owned())??;
    // RFC 8188 §2.2–2.3: PRK = HKDF-Extract(salt, IKM); CEK and NONCE from it.
    let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, &salt).extract(&ikm);
    let mut cek = [0u8; 16];
    hkdf_expand(&prk, &[b"Content-Encoding: aes128gcm\0"], &mut cek)?;
    let mut nonce = [0u8; 12];
    hkdf_expand(&prk, &[b"Content-Encoding: nonce\0"], &mut nonce)?;
    let key = aead::LessSafeKey::new(
        aead::UnboundKey::new(&aead::AES_128_GCM, &cek).map_err(|_| "AES key refused".to_owned())?,
    );
    // The last (only) record: the text, then the delimiter 0x02, no padding.
    let mut record = Vec::with_capacity(plaintext.len() + 17);
    record.extend_from_slice(plaintext);
    record.push(2);
    key.seal_in_place_append_tag(aead::Nonce::assume_unique_for_key(nonce), aead::Aad::empty(), &mut record)
        .map_err(|_| "encryption failed".to_owned())?;
    let mut body = Vec::with_capacity(16 + 4 + 1 + as_public.len() + record.len());
    body.extend_from_slice(&salt);
    body.extend_from_slice(&RECORD_SIZE.to_be_bytes());
    body.push(as_public.len() as u8);
    body.extend_from_slice(&as_public);
    body.extend_from_slice(&record);
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

    #[test]
    fn the_jwt_verifies_with_the_public_key_and_says_what_rfc_8292_asks() {
        let stored = generate().expect("key");
        assert!(!format!("{stored:?}").contains(&stored.private_pkcs8));
        let vapid = Vapid::from_stored(&stored).expect("vapid");
        assert!(!format!("{vapid:?}").contains(&stored.private_pkcs8));
        let header = vapid
            .authorization("https://push.example.net", 1_700_000_000, "mailto:ops@example.com")
            .expect("test value");
        let rest = header.strip_prefix("vapid t=").expect("scheme");
        let (token, k) = rest.split_once(", k=").expect("k");
        assert_eq!(k, stored.public_key);
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        let claims: serde_json::Value =
            serde_json::from_slice(&base64url(parts[1]).expect("test value")).expect("test value");
        assert_eq!(claims["aud"], "https://push.example.net");
        assert_eq!(claims["exp"], 1_700_000_000);
        let public = base64url(k).expect("test value");
        let signed = format!("{}.{}", parts[0], parts[1]);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &public)
            .verify(signed.as_bytes(), &base64url(parts[2]).expect("test value"))
            .expect("signature verifies");
        // A key pair that does not belong together is refused.
        let other = generate().expect("test value");
        assert!(Vapid::from_stored(&VapidKey { public_key: other.public_key, ..stored }).is_err());
    }

    #[test]
    fn the_body_is_one_aes128gcm_record_behind_the_header() {
        let ua = generate().expect("test value");
        let ua_public = base64url(&ua.public_key).expect("test value");
        assert!(is_p256_point(&ua_public));
        let mut off_curve = ua_public.clone();
        off_curve[64] ^= 1;
        assert!(!is_p256_point(&off_curve));
        assert!(!is_p256_point(&ua_public[1..]));
        let body = encrypt(b"{\"type\":\"message\"}", &ua_public, &[7u8; 16]).expect("test value");
        assert_eq!(&body[16..20], &4096u32.to_be_bytes());
        assert_eq!(body[20], 65);
        assert_eq!(body[21], 4);
        assert_eq!(body.len(), 16 + 4 + 1 + 65 + 18 + 1 + 16);
        assert!(encrypt(&vec![b'x'; MAX_PLAINTEXT + 1], &ua_public, &[7u8; 16]).is_err());
        assert!(encrypt(b"x", &off_curve, &[7u8; 16]).is_err());
    }
}
