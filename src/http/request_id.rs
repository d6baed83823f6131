//! Request ids: every answer carries one (`x-request-id`) and every logged error names it, so a
//! user's report can be matched to the log line.

use std::cell::RefCell;
use std::future::Future;
use std::rc::Rc;

use crate::domain::{new_id, IdKind};

/// The response header that carries the id.
pub const REQUEST_ID_HEADER: &str = "x-request-id";

thread_local! {
    /// The id of the request whose future is being polled on this thread.
    static CURRENT: RefCell<Option<Rc<str>>> = const { RefCell::new(None) };
}

/// The id of a request: Cloudflare's `cf-ray` when the edge sent one (it names the request in
/// Cloudflare's own logs too), else a random `req_…`. A `cf-ray` of any other shape than
/// Cloudflare's (hex, a dash, a colo code) is not used, so nobody can write into our logs.
pub fn request_id(cf_ray: Option<&str>) -> Rc<str> {
    let plausible =
        |ray: &&str| (1..=64).contains(&ray.len()) && ray.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    match cf_ray.filter(plausible) {
        Some(ray) => ray.into(),
        None => new_id(IdKind::Request).into(),
    }
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
    fn a_cf_ray_names_the_request_unless_it_could_forge_a_log_line() {
        assert_eq!(&*request_id(Some("8c3f1a2b3c4d5e6f-LHR")), "8c3f1a2b3c4d5e6f-LHR");
        for bad in [None, Some(""), Some("ray\nerror: forged"), Some(&"a".repeat(65) as &str)] {
            assert!(request_id(bad).starts_with("req_"), "{bad:?}");
        }
        assert_ne!(request_id(None), request_id(None));
    }

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
