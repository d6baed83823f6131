use super::{Cursor, Position};
use crate::crypto::pepper::PepperRing;
use crate::http::ErrorCode;
use crate::http::{ApiError, ApiRequest};

/// Page size when `limit` is not given.
pub const DEFAULT_LIMIT: usize = 20;
/// Largest page size.
pub const MAX_LIMIT: usize = 100;

/// The `limit` and `cursor` query parameters of a list request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageParams {
    /// Rows per page, 1 to [`MAX_LIMIT`].
    pub limit: usize,
    cursor: Option<Cursor>,
}

impl PageParams {
    /// Reads the query. A `limit` outside 1–100 or a cursor we did not sign is a 400.
    pub fn from_request(request: &ApiRequest, peppers: &PepperRing) -> Result<Self, ApiError> {
        let limit = match request.query_param("limit")? {
            None => DEFAULT_LIMIT,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|limit| (1..=MAX_LIMIT).contains(limit))
                .ok_or_else(|| ApiError::new(ErrorCode::LimitInvalid, "limit is an integer from 1 to 100"))?,
        };
        let cursor = match request.query_param("cursor")? {
            // `cursor=` is what many clients send for "no cursor".
            None => None,
            Some(text) if text.is_empty() => None,
            Some(text) => Some(Cursor::decode(&text, peppers).ok_or_else(cursor_invalid)?),
        };
        Ok(Self { limit, cursor })
    }

    /// What to query before the parameters may be reported on (a caller is identified and
    /// authorised before their query's errors are answered): the unchecked position, and how
    /// many rows to fetch — one more than the page, to tell whether more follow.
    pub fn query_hint(params: &Result<Self, ApiError>) -> (Option<&Position>, usize) {
        match params {
            Ok(params) => (params.unchecked_position(), params.limit + 1),
            Err(_) => (None, 1),
        }
    }

    /// The position to continue from, before the list's scope is known (to build the query in
    /// the same round trip that resolves the workspace). Check it with [`PageParams::position_in`]
    /// before answering.
    pub fn unchecked_position(&self) -> Option<&Position> {
        self.cursor.as_ref().map(|cursor| &cursor.position)
    }

    /// The position to continue from in the list `scope`; a cursor of another list is a 400.
    pub fn position_in(&self, scope: &str) -> Result<Option<&Position>, ApiError> {
        match &self.cursor {
            None => Ok(None),
            Some(cursor) if cursor.scope == scope => Ok(Some(&cursor.position)),
            Some(_) => Err(cursor_invalid()),
        }
    }
}

fn cursor_invalid() -> ApiError {
    ApiError::new(ErrorCode::CursorInvalid, "the cursor is not one this list returned")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::Method;

    fn ring() -> PepperRing {
        PepperRing::parse("p1:params-test-pepper-0123456789").unwrap()
    }

    fn params(query: &str) -> Result<PageParams, ApiError> {
        PageParams::from_request(&ApiRequest::new(Method::Get, &format!("/v1/orgs?{query}")), &ring())
    }

    #[test]
    fn limits_default_to_20_and_stay_within_1_to_100() {
        assert_eq!(params("").unwrap().limit, 20);
        assert_eq!(params("limit=1").unwrap().limit, 1);
        assert_eq!(params("limit=100").unwrap().limit, 100);
        for bad in
            ["limit=0", "limit=101", "limit=-1", "limit=abc", "limit=", "limit=1.5", "limit=99999999999999999999999"]
        {
            assert_eq!(params(bad).unwrap_err().code, "limit_invalid", "{bad}");
        }
    }

    #[test]
    fn a_cursor_is_checked_against_its_list() {
        let cursor = Cursor { scope: "events:org_1".into(), position: Position::Before { seq: 9 } };
        let text = cursor.encode(ring().current());
        let page = params(&format!("cursor={text}")).unwrap();
        assert_eq!(page.position_in("events:org_1").unwrap(), Some(&Position::Before { seq: 9 }));
        assert_eq!(page.position_in("events:org_2").unwrap_err().code, "cursor_invalid");
        assert_eq!(params("cursor=garbage").unwrap_err().code, "cursor_invalid");
        assert_eq!(params("cursor=").unwrap().unchecked_position(), None);
    }
}
