//! Reading a request body without trusting its headers.

use crate::http::ErrorCode;
use futures::{Stream, StreamExt};

use super::ApiError;

/// Reads a body chunk by chunk and refuses it (413) as soon as it grows past `cap`, so a body
/// sent without `Content-Length` (chunked) is never held in memory beyond one chunk past the
/// cap; the rest is never read. A body that cannot be read (the client went away) is a 400.
pub async fn read_capped<S, E>(mut chunks: S, cap: usize) -> Result<Vec<u8>, ApiError>
where
    S: Stream<Item = Result<Vec<u8>, E>> + Unpin,
{
    let mut body = Vec::new();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(ErrorCode::InvalidBody, "the request body could not be read"))?;
        if body.len() + chunk.len() > cap {
            return Err(ApiError::payload_too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use futures::executor::block_on;
    use futures::stream;

    use super::*;

    /// An endless body of 1 KB chunks that counts how many were read.
    fn endless(pulled: &Cell<usize>) -> impl Stream<Item = Result<Vec<u8>, ()>> + Unpin + '_ {
        stream::repeat_with(move || {
            pulled.set(pulled.get() + 1);
            Ok(vec![b'x'; 1024])
        })
    }

    #[test]
    fn an_endless_body_is_refused_once_past_the_cap_and_read_no_further() {
        let pulled = Cell::new(0);
        let error = block_on(read_capped(endless(&pulled), 16 * 1024)).unwrap_err();
        assert_eq!((error.status, error.code.as_str()), (413, "payload_too_large"));
        assert_eq!(pulled.get(), 17, "16 chunks fit, the 17th crosses the cap, none after it");
    }

    #[test]
    fn a_body_of_exactly_the_cap_is_read_whole() {
        let chunks = stream::iter(vec![Ok::<_, ()>(vec![1; 10]), Ok(vec![2; 6])]);
        assert_eq!(block_on(read_capped(chunks, 16)).unwrap().len(), 16);
        let over = stream::iter(vec![Ok::<_, ()>(vec![1; 10]), Ok(vec![2; 7])]);
        assert_eq!(block_on(read_capped(over, 16)).unwrap_err().status, 413);
    }

    #[test]
    fn one_oversized_chunk_is_refused_and_an_empty_body_is_empty() {
        let big = stream::iter(vec![Ok::<_, ()>(vec![0; 100_000])]);
        assert_eq!(block_on(read_capped(big, 16)).unwrap_err().status, 413);
        assert_eq!(block_on(read_capped(stream::empty::<Result<Vec<u8>, ()>>(), 16)).unwrap(), Vec::<u8>::new());
    }

    #[test]
    fn a_body_that_breaks_off_is_a_client_error() {
        let broken = stream::iter(vec![Ok(vec![1; 4]), Err(())]);
        assert_eq!(block_on(read_capped(broken, 16)).unwrap_err().code, "invalid_body");
    }
}
