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

/// The statements inside a trigger's `BEGIN … END`, each with its `NEW.column` references turned
/// into parameters, so that SQLite can plan them on their own. (`EXPLAIN QUERY PLAN` of the
/// statement that fires a trigger shows nothing of the trigger's own statements, so the adapter's
/// check cannot see them.)
fn trigger_statements(create_trigger: &str) -> Vec<String> {
    let uncommented: String =
        create_trigger.lines().map(|line| line.split("--").next().unwrap()).collect::<Vec<_>>().join("\n");
    let is_word_at = |at: usize, word: &str| {
        let space = |c: Option<char>| c.is_none_or(char::is_whitespace);
        space(uncommented[..at].chars().next_back()) && space(uncommented[at + word.len()..].chars().next())
    };
    let (begin, _) =
        uncommented.match_indices("BEGIN").find(|(at, _)| is_word_at(*at, "BEGIN")).expect("a trigger body");
    let body_start = begin + "BEGIN".len();
    let body_end = uncommented.rfind("END").expect("the end of a trigger body");
    let mut statements = Vec::new();
    for statement in uncommented[body_start..body_end].split(';') {
        let mut parameterised = String::new();
        let mut rest = statement;
        while let Some(at) = rest.find("NEW.") {
            parameterised.push_str(&rest[..at]);
            parameterised.push('?');
            rest = rest[at + "NEW.".len()..].trim_start_matches(|c: char| c.is_ascii_alphanumeric() || c == '_');
        }
        parameterised.push_str(rest);
        if !parameterised.trim().is_empty() {
            statements.push(parameterised);
        }
    }
    statements
}

fn triggers(db: &SqliteDatabase) -> Vec<(String, String)> {
    let mut query = db.connection.prepare("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").unwrap();
    query.query_map([], |row| Ok((row.get(0)?, row.get(1)?))).unwrap().map(Result::unwrap).collect()
}

#[test]
fn every_statement_inside_the_migrations_triggers_uses_an_index() {
    let db = SqliteDatabase::migrated();
    let triggers = triggers(&db);
    assert!(triggers.iter().any(|(name, _)| name == "web_sign_in"), "{triggers:?}");
    for (name, sql) in triggers {
        let statements = trigger_statements(&sql);
        assert!(!statements.is_empty(), "{name}");
        // A bare `SELECT RAISE(…)` reads no table (and cannot be planned outside a trigger).
        for statement in statements.into_iter().filter(|statement| !statement.trim_start().starts_with("SELECT RAISE("))
        {
            record_for_workerd_plans(&statement);
            if let Err(plan) = full_scans(&db.connection, &statement) {
                panic!("trigger {name} has a statement that scans a whole table:\n{statement}\n{plan}");
            }
        }
    }
}

#[test]
fn the_trigger_check_sees_a_scan_inside_a_trigger() {
    let db = SqliteDatabase::migrated();
    db.connection
        .execute_batch(
            "CREATE TRIGGER scanning AFTER INSERT ON users BEGIN
                 UPDATE workspaces SET name = NEW.email WHERE slug = NEW.id; -- the default collation
             END;",
        )
        .unwrap();
    let (_, sql) = triggers(&db).into_iter().find(|(name, _)| name == "scanning").unwrap();
    let statements = trigger_statements(&sql);
    assert_eq!(statements.len(), 1, "{statements:?}");
    let plan = full_scans(&db.connection, &statements[0]).unwrap_err();
    assert!(plan.contains("SCAN workspaces"), "{plan}");
}

#[test]
fn the_checker_catches_a_parameter_the_planner_would_read() {
    let join = "SELECT u.id FROM users u JOIN workspaces w ON w.id = ?2 WHERE u.id = +?1";
    assert_eq!(parameters_hidden_from_the_planner(join), Err("?2".to_owned()));
    let limit = "SELECT id FROM users WHERE id > ?1 ORDER BY id LIMIT ?12";
    assert_eq!(parameters_hidden_from_the_planner(limit), Err("?12".to_owned()), "a LIMIT's, even without a join");
    let hidden = "SELECT u.id FROM users u JOIN workspaces w ON w.id = +?2 WHERE u.id = +?1 LIMIT +?3";
    assert_eq!(parameters_hidden_from_the_planner(hidden), Ok(()));
    assert_eq!(parameters_hidden_from_the_planner("SELECT id FROM users WHERE id = ?1"), Ok(()), "one table: bare");
}
