//! The two signed tokens of the mobile push services, on `ring`: APNs' provider token (ES256
//! with the team's .p8 key, a PKCS#8 P-256 key) and the service-account assertion Google's
//! token endpoint exchanges for an FCM access token (RS256 with the account's PKCS#8 RSA key).
//! The keys stay inside [`Signer`], whose `Debug` does not show them.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_SHA256};
use serde_json::Value;

/// The DER inside a PEM `PRIVATE KEY` block (PKCS#8), or the whole text when it is bare base64
/// of the DER.
pub fn pkcs8_der(pem: &str) -> Result<Vec<u8>, String> {
    let body: String = match pem.find("-----BEGIN PRIVATE KEY-----") {
        Some(start) => {
            let rest = &pem[start + "-----BEGIN PRIVATE KEY-----".len()..];
            let end = rest.find("-----END PRIVATE KEY-----").ok_or("the PEM block has no END line")?;
            rest[..end].chars().filter(|c| !c.is_whitespace()).collect()
        }
        None if pem.contains("-----BEGIN") => {
            return Err("not a PKCS#8 key (a PEM block «BEGIN PRIVATE KEY» is expected)".into());
        }
        None => pem.chars().filter(|c| !c.is_whitespace()).collect(),
    };
    STANDARD.decode(body).map_err(|_| "the key is not valid base64".to_owned())
}

/// Why a key was refused, in words an operator acts on (`ring`'s own reasons are enum names
/// such as `WrongAlgorithm`). `expected` says which key the setting takes.
fn rejected(e: &ring::error::KeyRejected, expected: &str) -> String {
    let why = match e.to_string().as_str() {
        "WrongAlgorithm" | "UnsupportedAlgorithm" => "the file holds a key of another kind",
        "TooSmall" | "TooLarge" => "the key's size is not supported",
        "VersionNotSupported" => "this PKCS#8 version is not supported",
        _ => "the key data is damaged or is not a private key",
    };
    format!("{why}; expected {expected}")
}

enum Key {
    Es256(EcdsaKeyPair),
    Rs256(RsaKeyPair),
}

/// A private key that signs JWTs.
pub struct Signer {
    key: Key,
    rng: SystemRandom,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.key {
            Key::Es256(_) => "Signer(ES256)",
            Key::Rs256(_) => "Signer(RS256)",
        })
    }
}

impl Signer {
    /// An APNs token-signing key (the .p8 file's text).
    pub fn es256(pem: &str) -> Result<Self, String> {
        let rng = SystemRandom::new();
        let der = pkcs8_der(pem)?;
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der, &rng)
            .map_err(|e| rejected(&e, "an EC P-256 (ES256) key, as Apple's .p8 files hold"))?;
        Ok(Self { key: Key::Es256(pair), rng })
    }

    /// A service account's `private_key`.
    pub fn rs256(pem: &str) -> Result<Self, String> {
        let der = pkcs8_der(pem)?;
        let pair = RsaKeyPair::from_pkcs8(&der)
            .map_err(|e| rejected(&e, "an RSA key of 2048 to 8192 bits, as Google's service-account files hold"))?;
        Ok(Self { key: Key::Rs256(pair), rng: SystemRandom::new() })
    }

    fn alg(&self) -> &'static str {
        match self.key {
            Key::Es256(_) => "ES256",
            Key::Rs256(_) => "RS256",
        }
    }

    /// `header.claims.signature`, the header's `alg` set here (and `typ` for RS256, as
    /// Google's examples have it; Apple's header is `alg` and `kid` alone).
    pub fn sign(&self, mut header: Value, claims: &Value) -> Result<String, String> {
        if let Value::Object(map) = &mut header {
            map.insert("alg".into(), self.alg().into());
            if matches!(self.key, Key::Rs256(_)) {
                map.insert("typ".into(), "JWT".into());
            }
        }
        let input =
            format!("{}.{}", URL_SAFE_NO_PAD.encode(header.to_string()), URL_SAFE_NO_PAD.encode(claims.to_string()));
        let signature = match &self.key {
            Key::Es256(pair) => {
                pair.sign(&self.rng, input.as_bytes()).map_err(|_| "ES256 signing failed")?.as_ref().to_vec()
            }
            Key::Rs256(pair) => {
                let mut sig = vec![0; pair.public().modulus_len()];
                pair.sign(&RSA_PKCS1_SHA256, &self.rng, input.as_bytes(), &mut sig)
                    .map_err(|_| "RS256 signing failed")?;
                sig
            }
        };
        Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::signature::{UnparsedPublicKey, ECDSA_P256_SHA256_FIXED};

    #[test]
    fn an_es256_token_has_the_header_claims_and_a_signature_over_both() {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).expect("key");
        let pem = format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", STANDARD.encode(&pkcs8));
        let signer = Signer::es256(&pem).expect("signer");
        assert_eq!(format!("{signer:?}"), "Signer(ES256)");
        let jwt = signer
            .sign(serde_json::json!({"kid": "ABC123DEFG"}), &serde_json::json!({"iss": "TEAM", "iat": 1}))
            .expect("jwt");
        let parts: Vec<&str> = jwt.split('.').collect();
        let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).expect("b64")).expect("json");
        assert_eq!(header, serde_json::json!({"alg": "ES256", "kid": "ABC123DEFG"}));
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).expect("pair");
        use ring::signature::KeyPair;
        let public = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, pair.public_key().as_ref().to_vec());
        let sig = URL_SAFE_NO_PAD.decode(parts[2]).expect("sig");
        public.verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &sig).expect("valid signature");
        assert!(Signer::es256("-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----").is_err());
        let wrong = Signer::rs256(&pem).expect_err("a P-256 key is no RSA key");
        assert_eq!(
            wrong,
            "the file holds a key of another kind; expected an RSA key of 2048 to 8192 bits, as Google's service-account files hold"
        );
        let damaged = Signer::es256(&format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----",
            STANDARD.encode([48u8, 3, 2, 1, 0])
        ))
        .expect_err("not a key");
        assert!(damaged.starts_with("the key data is damaged"), "{damaged}");
    }
}
