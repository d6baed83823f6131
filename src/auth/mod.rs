//! Who is calling and what they may do: the bearer credential (a WorkOS access token or an API
//! key), the caller it resolves to, and the caller's standing in a workspace.

mod caller;
mod credential;
mod grant;
mod lookup;
mod permission;
mod refresh_rescue;
pub mod session_cookie;
pub mod session_refresh;
pub mod session_sealing;
mod standing;

pub use caller::{user_deleted, Caller};
pub use credential::{session_cookie_credential, session_invalid, Credential, PresentedApiKey, PresentedSession};
pub use grant::Grant;
pub use lookup::{CallerLookup, WorkspaceLookup, WorkspaceLookupResult};
pub use permission::Permission;
pub use standing::Standing;
