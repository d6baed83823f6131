//! A request's work, kept alive past its client. The runtime cancels a fetch handler whose
//! client disconnects; work registered with the event's `waitUntil` runs to its end. A cookie
//! request can be refreshing a session's token: cancelled between WorkOS's answer and the D1
//! write, the rotated refresh token would be lost and the old one is already spent.

use std::future::Future;

use futures::channel::oneshot;
use worker::Context;

/// Runs `work` under `context`'s `waitUntil` and answers with its output. The returned future
/// only waits: dropping it, or the runtime abandoning it, leaves `work` running. `None` when
/// `work` ended without an output (a panic).
pub fn run_to_completion<T: 'static>(
    context: &Context,
    work: impl Future<Output = T> + 'static,
) -> impl Future<Output = Option<T>> {
    let (answer, answered) = oneshot::channel();
    context.wait_until(async move {
        // The receiver is gone only when the client is: nothing is left to answer.
        let _ = answer.send(work.await);
    });
    async move { answered.await.ok() }
}
