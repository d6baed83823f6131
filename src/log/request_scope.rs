//! The request a piece of work belongs to, like a task-local: set around every poll of the
//! request's future, so the errors it logs name it even while requests interleave.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

thread_local! {
    /// The id of the request whose future is being polled on this thread.
    static CURRENT: RefCell<Option<Rc<str>>> = const { RefCell::new(None) };
}

/// Runs `future` with `id` as the current request id whenever it is polled. Requests of one
/// isolate interleave at every await, so a plain global set at the start of a request would
/// soon name another one; this sets it around each poll instead, like a task-local.
pub async fn with_request_id<F: Future>(id: Rc<str>, future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    std::future::poll_fn(|cx| {
        let outer = CURRENT.with(|current| current.replace(Some(id.clone())));
        let poll = future.as_mut().poll(cx);
        CURRENT.with(|current| *current.borrow_mut() = outer);
        poll
    })
    .await
}

/// The id of the request being served, if any.
pub fn current_request_id() -> Option<Rc<str>> {
    CURRENT.with(|current| current.borrow().clone())
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;

    #[test]
    fn interleaved_requests_each_see_their_own_id() {
        let seen = RefCell::new(Vec::new());
        let request = |id: &'static str| {
            let seen = &seen;
            with_request_id(id.into(), async move {
                for _ in 0..3 {
                    seen.borrow_mut().push((id, current_request_id().as_deref().map(str::to_owned)));
                    yield_once().await;
                }
            })
        };
        block_on(async { futures::join!(request("a"), request("b")) });
        let seen = seen.into_inner();
        let order: Vec<&str> = seen.iter().map(|(id, _)| *id).collect();
        assert_eq!(order, ["a", "b", "a", "b", "a", "b"], "the two requests interleave");
        for (id, current) in seen {
            assert_eq!(current.as_deref(), Some(id));
        }
        assert_eq!(current_request_id(), None, "nothing is left set outside a request");
    }

    async fn yield_once() {
        let mut yielded = false;
        std::future::poll_fn(|cx| {
            if yielded {
                return std::task::Poll::Ready(());
            }
            yielded = true;
            cx.waker().wake_by_ref();
            std::task::Poll::Pending
        })
        .await
    }
}
