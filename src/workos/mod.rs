//! The WorkOS user management API: a user's canonical email and whether it is verified, cached
//! for a few minutes so that replays and repeated sign-ins do not spend the shared API key's
//! rate limit; and the grants and session calls of hosted sign-in (`authenticate`).

pub mod authenticate;
mod user;
mod user_cache;

pub use user::{canonical_email, UserEmail};
pub use user_cache::UserEmailCache;
