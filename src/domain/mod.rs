//! Domain types parsed at the edge: ids, slugs, names, roles, scopes, actors, emails, timestamps,
//! and the identity a verified token speaks for.

mod actor;
mod api_key_credential;
mod email;
mod identity;
mod ids;
mod name;
mod role;
mod scope;
mod slug;
mod timestamp;
mod workspace_ref;

pub use actor::Actor;
pub use api_key_credential::{
    credential_key_id, is_api_key_credential, mint_api_key, MintedApiKey, API_KEY_MAC_PURPOSE,
};
pub use email::Email;
pub use identity::Identity;
pub use ids::{looks_like_id, new_id, random_base32, IdKind, IdSequence};
pub use name::{Name, NameError};
pub use role::Role;
pub use scope::{Scope, Scopes, ScopesError};
pub use slug::{personal_slug_base, Slug, SlugError};
pub use timestamp::{parse_rfc3339, rfc3339};
pub use workspace_ref::WorkspaceRef;
