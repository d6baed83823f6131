//! The adapter checks the plan of every statement the tests run (`helpers::full_scans`); these
//! tests hold the checker itself to what it must catch.

use crate::helpers::*;

#[test]
fn the_checker_catches_a_comparison_that_cannot_use_the_case_insensitive_slug_index() {
    let db = SqliteDatabase::migrated();
    // The first sign-in's slug check as it was: the default collation, so a scan of `workspaces`.
    let before = "SELECT 1 FROM workspaces WHERE slug = ?1";
    let plan = full_scans(&db.connection, before).unwrap_err();
    assert!(plan.contains("SCAN workspaces"), "{plan}");
    assert_eq!(full_scans(&db.connection, "SELECT 1 FROM workspaces WHERE slug = ?1 COLLATE NOCASE"), Ok(()));
    let unindexed = "SELECT id FROM users u WHERE u.last_seen_at > ?1";
    assert!(full_scans(&db.connection, unindexed).is_err(), "an alias does not hide a scan");
}
