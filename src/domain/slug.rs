use super::ids::{looks_like_id, IdKind};

/// Slugs that would collide with routes, product pages or well-known names.
const RESERVED: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "administrator",
    "api",
    "app",
    "apps",
    "assets",
    "auth",
    "billing",
    "blog",
    "callback",
    "dashboard",
    "docs",
    "help",
    "home",
    "login",
    "logout",
    "me",
    "new",
    "null",
    "oauth",
    "org",
    "orgs",
    "organization",
    "organizations",
    "root",
    "settings",
    "signin",
    "signout",
    "signup",
    "static",
    "status",
    "support",
    "system",
    "undefined",
    "v1",
    "www",
    "workspace",
    "workspaces",
];

const MIN_LEN: usize = 3;
const MAX_LEN: usize = 48;

/// A workspace slug: 3–48 lowercase letters, digits and single hyphens, not starting or ending
/// with a hyphen, not reserved. Input is lowercased first, so uniqueness is case-insensitive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

/// Why a slug is refused; the message is shown to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlugError(pub &'static str);

impl Slug {
    /// Parses a slug.
    pub fn parse(text: &str) -> Result<Self, SlugError> {
        let slug = text.trim().to_ascii_lowercase();
        if slug.len() < MIN_LEN || slug.len() > MAX_LEN {
            return Err(SlugError("a slug is 3 to 48 characters long"));
        }
        if !slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            return Err(SlugError("a slug has only letters, digits and hyphens"));
        }
        if slug.starts_with('-') || slug.ends_with('-') {
            return Err(SlugError("a slug does not start or end with a hyphen"));
        }
        if slug.contains("--") {
            return Err(SlugError("a slug has no consecutive hyphens"));
        }
        if RESERVED.contains(&slug.as_str()) {
            return Err(SlugError("this slug is reserved"));
        }
        // Ids contain '_', which slugs cannot: this guards the invariant if either rule changes.
        if looks_like_id(IdKind::Workspace, &slug) {
            return Err(SlugError("a slug cannot look like a workspace id"));
        }
        Ok(Self(slug))
    }

    /// The slug.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The base of a personal workspace's slug, from an email's local part: lowercase alphanumerics
/// joined by single hyphens, padded or trimmed to fit, never reserved. The caller appends a
/// random suffix when the base is taken.
pub fn personal_slug_base(local_part: &str) -> String {
    let mut slug = String::new();
    for c in local_part.chars().map(|c| c.to_ascii_lowercase()) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    // Room for a "-xxxxxx" suffix.
    slug.truncate(MAX_LEN - 7);
    let mut slug = slug.trim_end_matches('-').to_owned();
    if slug.len() < MIN_LEN {
        // ("workspace" alone is reserved.)
        slug = if slug.is_empty() { "my-workspace".into() } else { format!("{slug}-workspace") };
    }
    if Slug::parse(&slug).is_err() {
        slug.push_str("-workspace");
    }
    slug
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_slugs_are_lowercased() {
        assert_eq!(Slug::parse("Acme-Corp").unwrap().as_str(), "acme-corp");
        assert_eq!(Slug::parse("a1b").unwrap().as_str(), "a1b");
    }

    #[test]
    fn invalid_slugs_say_why() {
        let cases = [
            ("ab", "a slug is 3 to 48 characters long"),
            (&"a".repeat(49), "a slug is 3 to 48 characters long"),
            ("-abc", "a slug does not start or end with a hyphen"),
            ("abc-", "a slug does not start or end with a hyphen"),
            ("a--b", "a slug has no consecutive hyphens"),
            ("a_b", "a slug has only letters, digits and hyphens"),
            ("héllo", "a slug has only letters, digits and hyphens"),
            ("admin", "this slug is reserved"),
            ("API", "this slug is reserved"),
            ("settings", "this slug is reserved"),
        ];
        for (input, reason) in cases {
            assert_eq!(Slug::parse(input).unwrap_err().0, reason, "{input}");
        }
    }

    #[test]
    fn personal_slug_bases_are_always_valid_slugs() {
        for local in ["ada", "Ada.Lovelace", "a", "", "__", "admin", "x.y", "ü", &"long".repeat(30), "a--b"] {
            let base = personal_slug_base(local);
            assert!(Slug::parse(&base).is_ok(), "{local:?} → {base:?}");
            assert!(Slug::parse(&format!("{base}-abc123")).is_ok(), "{local:?} → {base:?}");
        }
        assert_eq!(personal_slug_base("Ada.Lovelace"), "ada-lovelace");
        assert_eq!(personal_slug_base("a"), "a-workspace");
        assert_eq!(personal_slug_base("www"), "www-workspace");
        // A local part with nothing a slug can hold (日本@, -@) was "workspace-workspace".
        assert_eq!(personal_slug_base("日本"), "my-workspace");
        assert_eq!(personal_slug_base("-"), "my-workspace");
    }
}
