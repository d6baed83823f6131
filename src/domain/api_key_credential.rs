use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};

use super::ids::{looks_like_id, new_id, IdKind, ID_BODY_LEN};
use crate::platform::random_bytes;

/// The prefix that tells secret scanners and humans "this is one of our API keys".
const CREDENTIAL_PREFIX: &str = "eak_";
/// 256 bits of secret, base64url: 43 characters.
const SECRET_BYTES: usize = 32;
const SECRET_CHARS: usize = 43;
/// The HMAC purpose under which credentials are hashed with the pepper.
pub const API_KEY_MAC_PURPOSE: &str = "api-key";

/// A freshly minted API key: the credential is shown once and only its HMAC is stored.
#[derive(Debug, Clone)]
pub struct MintedApiKey {
    /// `key_…`
    pub id: String,
    /// What a UI shows to tell keys apart (`eak_` + the id's first 8 characters).
    pub prefix: String,
    /// The whole credential, `eak_<id body>_<secret>`, usable as `Authorization: Bearer …`.
    pub credential: String,
}

/// Mints a new key.
pub fn mint_api_key() -> MintedApiKey {
    let id = new_id(IdKind::ApiKey);
    let body = &id[IdKind::ApiKey.prefix().len()..];
    let mut secret = [0u8; SECRET_BYTES];
    random_bytes(&mut secret);
    MintedApiKey {
        prefix: format!("{CREDENTIAL_PREFIX}{}", &body[..8]),
        credential: format!("{CREDENTIAL_PREFIX}{body}_{}", URL_SAFE_NO_PAD.encode(secret)),
        id,
    }
}

/// The key id a credential claims to belong to, if it has the shape of one of ours. Whether it
/// is genuine is for the stored HMAC to say.
pub fn credential_key_id(credential: &str) -> Option<String> {
    let rest = credential.strip_prefix(CREDENTIAL_PREFIX)?;
    if rest.len() != ID_BODY_LEN + 1 + SECRET_CHARS || rest.as_bytes()[ID_BODY_LEN] != b'_' {
        return None;
    }
    let id = format!("{}{}", IdKind::ApiKey.prefix(), &rest[..ID_BODY_LEN]);
    looks_like_id(IdKind::ApiKey, &id).then_some(id)
}

/// Whether a bearer credential is an API key rather than a JWT (JWTs contain dots).
pub fn is_api_key_credential(credential: &str) -> bool {
    credential.starts_with(CREDENTIAL_PREFIX) && !credential.contains('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minted_credential_names_its_key() {
        let minted = mint_api_key();
        assert_eq!(credential_key_id(&minted.credential).as_deref(), Some(minted.id.as_str()));
        assert!(minted.credential.starts_with(&minted.prefix));
        assert!(is_api_key_credential(&minted.credential));
    }

    #[test]
    fn malformed_credentials_name_no_key() {
        let minted = mint_api_key();
        assert_eq!(credential_key_id(&minted.credential[..minted.credential.len() - 1]), None);
        assert_eq!(credential_key_id("eak_short"), None);
        assert_eq!(credential_key_id(&minted.credential.replace("eak_", "xxx_")), None);
    }
}
