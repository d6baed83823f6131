use super::ids::{looks_like_id, IdKind};
use super::slug::Slug;

/// How a path names a workspace: by id (`org_…`) or by slug. Slugs can never look like ids, so
/// the two cannot be confused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WorkspaceRef {
    /// `org_…`
    Id(String),
    /// A slug, lowercased.
    Slug(Slug),
    /// Neither: names no workspace (still looked up, so that the caller is checked first).
    Nothing,
}

impl WorkspaceRef {
    /// Reads a path segment.
    pub fn parse(segment: &str) -> Self {
        if looks_like_id(IdKind::Workspace, segment) {
            WorkspaceRef::Id(segment.to_owned())
        } else {
            Slug::parse(segment).map_or(WorkspaceRef::Nothing, WorkspaceRef::Slug)
        }
    }

    /// The id, when named by id.
    pub fn id(&self) -> Option<&str> {
        match self {
            WorkspaceRef::Id(id) => Some(id),
            _ => None,
        }
    }

    /// The slug, when named by slug.
    pub fn slug(&self) -> Option<&str> {
        match self {
            WorkspaceRef::Slug(slug) => Some(slug.as_str()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::new_id;

    #[test]
    fn ids_slugs_and_nothing() {
        let id = new_id(IdKind::Workspace);
        assert_eq!(WorkspaceRef::parse(&id), WorkspaceRef::Id(id.clone()));
        assert_eq!(WorkspaceRef::parse("Acme").slug(), Some("acme"));
        assert_eq!(WorkspaceRef::parse("a b"), WorkspaceRef::Nothing);
        assert_eq!(WorkspaceRef::parse("org_short"), WorkspaceRef::Nothing);
    }
}
