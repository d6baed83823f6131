//! A batch's rows as one JSON text, the way they cross from the runtime into wasm
//! (`src/shell/d1_batch.js` writes it): `[[columns, row, …], …]`, one entry per statement, each
//! its column names and then each row's values in that order; `[]` or the column names alone for
//! a statement that answered nothing. Column names once per statement, not once per row as D1's
//! objects have them.

use std::rc::Rc;

use serde::de::{Deserialize, Deserializer, Error as _, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeSeq, Serializer};
use serde_json::Value;

use super::{DatabaseError, Row};

/// Each statement's rows, read from the text.
pub fn rows_from_text(text: &[u8]) -> Result<Vec<Vec<Row>>, DatabaseError> {
    let statements: Vec<StatementRows> =
        serde_json::from_slice(text).map_err(|error| DatabaseError::new(format!("D1's answer: {error}")))?;
    Ok(statements.into_iter().map(|statement| statement.0).collect())
}

/// The text of each statement's rows (what [`rows_from_text`] reads back).
pub fn rows_text(statements: &[Vec<Row>]) -> String {
    let statements: Vec<StatementRowsText<'_>> = statements.iter().map(|rows| StatementRowsText(rows)).collect();
    serde_json::to_string(&statements).expect("rows are JSON values")
}

/// One statement's rows, read without a value per column name.
struct StatementRows(Vec<Row>);

impl<'de> Deserialize<'de> for StatementRows {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_seq(StatementRowsVisitor)
    }
}

struct StatementRowsVisitor;

impl<'de> Visitor<'de> for StatementRowsVisitor {
    type Value = StatementRows;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a statement's column names, then its rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<StatementRows, A::Error> {
        let Some(columns) = sequence.next_element::<Vec<String>>()? else { return Ok(StatementRows(Vec::new())) };
        let columns: Rc<[String]> = columns.into();
        let mut rows = Vec::new();
        while let Some(values) = sequence.next_element::<Vec<Value>>()? {
            rows.push(Row::new(Rc::clone(&columns), values).map_err(|error| A::Error::custom(error.message))?);
        }
        Ok(StatementRows(rows))
    }
}

/// One statement's rows as text: the first row's column names (every row of a statement has its
/// statement's), then each row's values.
struct StatementRowsText<'a>(&'a [Row]);

impl Serialize for StatementRowsText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Some(first) = self.0.first() else { return serializer.serialize_seq(Some(0))?.end() };
        let mut sequence = serializer.serialize_seq(Some(1 + self.0.len()))?;
        sequence.serialize_element(&**first.columns())?;
        for row in self.0 {
            sequence.serialize_element(row.values())?;
        }
        sequence.end()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::platform::RowExt;

    #[test]
    fn each_statements_rows_are_read_by_column_name() {
        let text = r#"[[["id","name","created_at","id"],["org_1","Ünïcødé \"q\"\n",1795305600123,"last"],["org_2",null,5.0,"x"]],[],[["n"]]]"#;
        let statements = rows_from_text(text.as_bytes()).unwrap();
        assert_eq!(statements.iter().map(Vec::len).collect::<Vec<_>>(), [2, 0, 0]);
        let [first, second] = &statements[0][..] else { panic!("two rows") };
        assert_eq!(first.text("name").unwrap(), "Ünïcødé \"q\"\n");
        assert_eq!(first.int("created_at").unwrap(), 1_795_305_600_123);
        assert_eq!(second.opt_text("name").unwrap(), None);
        assert_eq!(second.int("created_at").unwrap(), 5, "D1's integers arrive as doubles");
        assert_eq!(first.text("id").unwrap(), "last", "the last column of a name, as a map keeps it");
        assert!(first.opt_text("missing").is_err());
        assert!(Rc::ptr_eq(first.columns(), second.columns()), "a statement's rows share its column names");
    }

    #[test]
    fn rows_written_as_text_read_back_the_same() {
        let columns: Rc<[String]> = vec!["id".to_owned(), "n".to_owned()].into();
        let rows = vec![
            vec![
                Row::new(Rc::clone(&columns), vec![json!("a"), json!(1)]).unwrap(),
                Row::new(Rc::clone(&columns), vec![json!("b"), Value::Null]).unwrap(),
            ],
            vec![],
        ];
        let text = rows_text(&rows);
        assert_eq!(text, r#"[[["id","n"],["a",1],["b",null]],[]]"#);
        assert_eq!(rows_from_text(text.as_bytes()).unwrap(), rows);
    }

    #[test]
    fn an_answer_of_another_shape_is_a_database_error() {
        for text in [r#"[[["id"],["a","extra"]]]"#, r#"[[{"id":"a"}]]"#, r#"{"results":[]}"#, "[[[\"id\"],"] {
            let error = rows_from_text(text.as_bytes()).unwrap_err();
            assert_eq!(error.kind, crate::platform::DatabaseErrorKind::Internal, "{text}: {error}");
        }
    }
}
