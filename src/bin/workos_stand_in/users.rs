//! The in-memory user directory behind `GET /user_management/users/<id>`.
//!
//! Users exist only because a dev endpoint created them (directly or by
//! minting a token with an email), which lets tests exercise both "known user"
//! and "user deleted / never existed at WorkOS" paths.

use serde::Serialize;
use std::collections::{HashMap, HashSet};

use super::ids;

/// Serialises to the WorkOS user object shape.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct User {
    pub object: &'static str,
    pub id: String,
    pub email: String,
    pub email_verified: bool,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub profile_picture_url: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Default)]
pub struct UserStore {
    by_id: HashMap<String, User>,
    /// Ids of deleted users: WorkOS never gives an id out again.
    deleted: HashSet<String>,
}

impl UserStore {
    pub fn get(&self, id: &str) -> Option<&User> {
        self.by_id.get(id)
    }

    /// Emails are matched case-insensitively, as WorkOS treats them, so
    /// `Ada@Example.com` and `ada@example.com` sign in the same person.
    pub fn find_by_email(&self, email: &str) -> Option<&User> {
        // With duplicates (possible only by forcing ids through the dev
        // endpoints) prefer the oldest user, so the answer is stable.
        self.by_id
            .values()
            .filter(|u| u.email.eq_ignore_ascii_case(email))
            .min_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)))
    }

    /// Creates the user, or changes its email (bumping `updated_at` only when
    /// the email actually changed, like a real profile update).
    pub fn upsert(&mut self, id: &str, email: &str) -> User {
        let now = edge_auth::domain::rfc3339(ids::now_unix_millis());
        let user = self.by_id.entry(id.to_string()).or_insert_with(|| User {
            object: "user",
            id: id.to_string(),
            email: email.to_string(),
            email_verified: true,
            first_name: None,
            last_name: None,
            profile_picture_url: None,
            created_at: now.clone(),
            updated_at: now.clone(),
        });
        if user.email != email {
            user.email = email.to_string();
            user.updated_at = now;
        }
        user.clone()
    }

    /// Sets the names and the verified flag (the user must exist).
    pub fn set_profile(
        &mut self,
        id: &str,
        first_name: Option<String>,
        last_name: Option<String>,
        email_verified: bool,
    ) -> User {
        let user = self.by_id.get_mut(id).expect("upserted first");
        user.first_name = first_name;
        user.last_name = last_name;
        user.email_verified = email_verified;
        user.clone()
    }

    /// Marks the user's email verified or not (the user must exist).
    pub fn set_email_verified(&mut self, id: &str, verified: bool) -> User {
        let user = self.by_id.get_mut(id).expect("upserted first");
        user.email_verified = verified;
        user.clone()
    }

    /// The id a sign-in with `email` should get: the existing user's, or the
    /// one this email gets in every run (see `ids::user_id_for_email`), unless
    /// a user deleted in this run had it: then a new one, as WorkOS gives a
    /// person who signs up again after being deleted. Does not register anything.
    pub fn id_for_email(&self, email: &str) -> String {
        if let Some(user) = self.find_by_email(email) {
            return user.id.clone();
        }
        let derived = ids::user_id_for_email(email);
        if self.deleted.contains(&derived) {
            return ids::prefixed("user");
        }
        derived
    }

    /// Deletes the user, for good; the user as they were.
    pub fn delete(&mut self, id: &str) -> Option<User> {
        let user = self.by_id.remove(id)?;
        self.deleted.insert(user.id.clone());
        Some(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upsert_creates_then_updates_email() {
        let mut store = UserStore::default();
        assert!(store.get("user_01X").is_none());
        let created = store.upsert("user_01X", "ada@example.com");
        assert_eq!(created.email, "ada@example.com");
        assert!(created.email_verified);
        assert_eq!(store.get("user_01X"), Some(&created));

        // Same email again: nothing changes.
        assert_eq!(store.upsert("user_01X", "ada@example.com"), created);

        let updated = store.upsert("user_01X", "ada@new.example");
        assert_eq!(updated.email, "ada@new.example");
        assert_eq!(updated.created_at, created.created_at);
        assert!(store.find_by_email("ada@example.com").is_none());
        assert_eq!(store.find_by_email("ADA@new.example").unwrap().id, "user_01X");
    }

    #[test]
    fn a_deleted_user_s_email_gets_a_new_id() {
        let mut store = UserStore::default();
        let id = store.id_for_email("ada@example.com");
        store.upsert(&id, "ada@example.com");
        assert_eq!(store.delete(&id).unwrap().id, id);
        assert!(store.get(&id).is_none());
        assert!(store.delete(&id).is_none());
        let again = store.id_for_email("ada@example.com");
        assert!(again.starts_with("user_01") && again != id, "{again}");
    }

    #[test]
    fn same_email_gets_same_id() {
        let mut store = UserStore::default();
        let id = store.id_for_email("grace@example.com");
        assert!(id.starts_with("user_01"));
        store.upsert(&id, "grace@example.com");
        assert_eq!(store.id_for_email("Grace@Example.com"), id);
        assert_ne!(store.id_for_email("someone@else.example"), id);
    }
}
