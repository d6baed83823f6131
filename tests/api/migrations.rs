//! Each migration applied to a database populated at the schema before it: every row survives,
//! with every value it had. The rows are written at the first schema, so each later migration
//! meets data that went through all the earlier ones. (A migration that adds a table should add
//! its rows to `SEED` with the migration that follows it.)

use std::collections::BTreeMap;

use rusqlite::types::Value as SqlValue;
use rusqlite::Connection;

use crate::helpers::migration_files;

/// A workspace with an owner, a member, two keys (one revoked), events and stored answers, as
/// the worker writes them at the first schema.
const SEED: &str = "
INSERT INTO users (id, email, created_at, last_seen_at) VALUES
  ('user_ada', 'ada@example.com', 1, 2), ('user_bob', 'Bob@Example.com', 3, 4);
INSERT INTO workspaces (id, name, slug, personal_owner_id, created_at, updated_at) VALUES
  ('org_ada', 'ada''s workspace', 'ada', 'user_ada', 1, 1), ('org_acme', 'Acme', 'acme', NULL, 5, 6);
INSERT INTO memberships (id, workspace_id, user_id, role, created_at, updated_at) VALUES
  ('mem_1', 'org_ada', 'user_ada', 'owner', 1, 1), ('mem_2', 'org_acme', 'user_ada', 'owner', 5, 5),
  ('mem_3', 'org_acme', 'user_bob', 'member', 7, 8);
INSERT INTO api_keys (id, workspace_id, name, prefix, scopes, secret_hmac, pepper_kid, created_by, is_default, created_at, last_used_at, revoked_at) VALUES
  ('key_1', 'org_ada', 'Default', 'eak_key_1', '[\"read\",\"write\"]', 'hmac1', 'p1', 'user_ada', 1, 1, 9, NULL),
  ('key_2', 'org_acme', 'ci', 'eak_key_2', '[\"keys\"]', 'hmac2', 'p1', NULL, 0, 5, NULL, 10);
INSERT INTO audit_events (id, workspace_id, actor_type, actor_id, action, target_type, target_id, detail, created_at) VALUES
  ('evt_1', 'org_ada', 'user', 'user_ada', 'workspace.created', 'workspace', 'org_ada', '{\"personal\":true}', 1),
  ('evt_2', 'org_acme', 'api_key', 'key_2', 'membership.created', 'membership', 'mem_3', '{}', 7);
INSERT INTO callback_replays (idempotency_key, user_id, status, body, sealed_body, seal_kid, expires_at) VALUES
  ('jti:a', 'user_ada', 201, NULL, 'sealed', 'p1', 100), ('jti:b', 'user_bob', 200, '{}', NULL, NULL, 100);
";

/// Every row of every table, as column → value.
fn rows(connection: &Connection) -> BTreeMap<String, Vec<BTreeMap<String, SqlValue>>> {
    let mut tables = connection
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap();
    let names: Vec<String> = tables.query_map([], |row| row.get(0)).unwrap().map(Result::unwrap).collect();
    names
        .into_iter()
        .map(|table| {
            let mut statement = connection.prepare(&format!("SELECT * FROM {table} ORDER BY rowid")).unwrap();
            let columns: Vec<String> = statement.column_names().iter().map(|c| c.to_string()).collect();
            let rows = statement
                .query_map([], |row| {
                    Ok(columns
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.clone(), row.get::<_, SqlValue>(i).unwrap()))
                        .collect())
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (table, rows)
        })
        .collect()
}

#[test]
fn every_migration_keeps_every_row_of_the_schema_before_it() {
    let migrations = migration_files();
    assert!(migrations.len() >= 3, "{migrations:?}");
    let connection = Connection::open_in_memory().unwrap();
    connection.execute_batch("PRAGMA foreign_keys = ON;").unwrap();
    connection.execute_batch(&std::fs::read_to_string(&migrations[0]).unwrap()).unwrap();
    connection.execute_batch(SEED).unwrap();
    for migration in &migrations[1..] {
        let before = rows(&connection);
        connection.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
        let after = rows(&connection);
        for (table, old_rows) in &before {
            let new_rows = after.get(table).unwrap_or_else(|| panic!("{migration:?} dropped {table}"));
            assert_eq!(new_rows.len(), old_rows.len(), "{migration:?}: rows of {table}");
            for (old, new) in old_rows.iter().zip(new_rows) {
                for (column, value) in old {
                    assert_eq!(new.get(column), Some(value), "{migration:?}: {table}.{column}");
                }
            }
        }
    }
    // What the newest schema added has its documented default on the old rows.
    let verified: Vec<i64> = connection
        .prepare("SELECT email_verified FROM users ORDER BY id")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(verified, [0, 0], "users who signed in before 0003 count as unverified");
}

#[test]
fn the_sign_in_keeps_a_webhook_s_email_for_as_long_as_a_cached_one_can_be_older() {
    // The trigger in force is the one the newest migration that makes it made (0011 made it so).
    let sql = migration_files()
        .into_iter()
        .map(|path| std::fs::read_to_string(path).unwrap())
        .rfind(|sql| sql.contains("CREATE TRIGGER web_sign_in INSTEAD OF INSERT"))
        .expect("a migration makes the sign-in's trigger");
    let window = format!("workos_updated_at > NEW.now - {}", edge_auth::config::WORKOS_USER_CACHE_MAX_SECONDS * 1000);
    assert_eq!(sql.matches(&window).count(), 2, "the window of both columns is the cache's longest lifetime");
}

/// The sign-in as the code before 0012 inserts it (the whole answer sealed, per slug) and as the
/// code since does (a template per slug and the secret sealed): a deploy applies the migration
/// before the code, so the old code signs users in on the new schema for a while.
#[test]
fn the_sign_in_stores_both_the_old_codes_sealed_answer_and_the_new_codes_template() {
    let connection = Connection::open_in_memory().unwrap();
    for migration in migration_files() {
        connection.execute_batch(&std::fs::read_to_string(migration).unwrap()).unwrap();
    }
    let sign_in = |user: &str, answers: &str, values: &str| {
        connection
            .execute_batch(&format!(
                "INSERT INTO web_sign_ins (user_id, email, email_verified, workspace_id, workspace_name, slug,
                   fallback_slug, membership_id, api_key_id, api_key_name, api_key_prefix, api_key_scopes,
                   api_key_hmac, pepper_kid, workspace_event_id, workspace_event_detail, membership_event_id,
                   membership_event_detail, api_key_event_id, api_key_event_detail, {answers},
                   idempotency_key, expires_at, now)
                 VALUES ('{user}', '{user}@example.com', 1, 'org_{user}', 'w', 'slug-{user}', 'slug-{user}-x',
                   'mem_{user}', 'key_{user}', 'Default', 'eak_{user}', '[]', 'hmac', 'p1', 'evt_{user}_1', '{{}}',
                   'evt_{user}_2', '{{}}', 'evt_{user}_3', '{{}}', {values}, 'jti:{user}', 100, 1)"
            ))
            .unwrap();
        connection
            .query_row(
                &format!("SELECT sealed_body, answer_template FROM callback_replays WHERE user_id = '{user}'"),
                [],
                |row| Ok((row.get::<_, String>(0)?, row.get::<_, Option<String>>(1)?)),
            )
            .unwrap()
    };
    assert_eq!(
        sign_in("old", "sealed_answer, fallback_sealed_answer", "'sealed whole', 'sealed whole, fallback'"),
        ("sealed whole".to_owned(), None),
        "the code before 0012: its whole answer, sealed"
    );
    assert_eq!(
        sign_in(
            "new",
            "answer_template, fallback_answer_template, sealed_secret",
            "'{\"secret\":\"\"}', '{\"secret\":\"\",\"fallback\":true}', 'sealed secret'"
        ),
        ("sealed secret".to_owned(), Some("{\"secret\":\"\"}".to_owned())),
        "the code since: the template for the slug it got, beside the sealed secret"
    );
}
