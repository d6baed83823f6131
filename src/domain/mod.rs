//! Domain types parsed at the edge: ids, slugs, roles, emails, timestamps.

mod api_key_credential;
mod email;
mod ids;
mod role;
mod slug;
mod timestamp;

pub use api_key_credential::{credential_key_id, is_api_key_credential, mint_api_key, MintedApiKey, API_KEY_MAC_PURPOSE};
pub use email::Email;
pub use ids::{looks_like_id, new_id, IdKind};
pub use role::Role;
pub use slug::{personal_slug_base, Slug, SlugError};
pub use timestamp::rfc3339;
