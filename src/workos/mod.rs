//! The WorkOS user management API: a user's canonical email and whether it is verified, cached
//! for a few minutes so that replays and repeated sign-ins do not spend the shared API key's
//! rate limit; the grants and session calls of hosted sign-in (`authenticate`); and what
//! session management asks: sign-up, identities, memberships, a user's sessions.

pub mod api;
pub mod authenticate;
pub mod identities;
pub mod memberships;
pub mod sign_up;
mod user;
mod user_cache;
pub mod user_sessions;
pub mod webhook_events;
pub mod webhook_signature;

pub use user::{canonical_email, UserEmail};
pub use user_cache::UserEmailCache;
