//! A request's task, polled where its wakes happen: at its start, inside the call that starts it,
//! and then in the promise reaction (or timer) that wakes it.
//!
//! wasm-bindgen's executor (`future_to_promise`) polls a new task in a later microtask and every
//! woken one in another, through a queue of its own. On the Rust floor of `npm run bench -- --only
//! peer` (one D1 read per request) that bridge was the floor's whole gap to the JS floor at
//! concurrency 1: ~0.1 ms per request (README, performance: "The futures bridge").
//!
//! A wake that arrives while the task is being polled (a future that wakes itself, or `join`'s
//! children) only marks it, and the poll that is running goes round again: the task is never
//! polled inside its own poll. Nor inside another task's: what wakes it is a JS promise's
//! reaction or a timer, each run by the runtime on its own; no task wakes another from Rust.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

use wasm_bindgen::JsValue;

type Work = Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>;

struct Task {
    /// `None` once the work has finished.
    work: RefCell<Option<Work>>,
    /// The answer's promise's `resolve` and `reject`, until it is settled.
    settle: RefCell<Option<(js_sys::Function, js_sys::Function)>>,
    polling: Cell<bool>,
    woken_while_polling: Cell<bool>,
}

/// The waker of one task. A waker must be `Send + Sync`; wasm32 without atomics has one thread.
struct TaskWaker(Rc<Task>);

// SAFETY: the worker is built for wasm32 without the atomics feature: there is one thread, so
// neither the waker nor its `Rc` can ever be reached from another.
unsafe impl Send for TaskWaker {}
// SAFETY: as above.
unsafe impl Sync for TaskWaker {}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        poll(&self.0);
    }

    fn wake_by_ref(self: &Arc<Self>) {
        poll(&self.0);
    }
}

/// Starts `work` (its first step runs before this returns) and answers with a promise of its
/// outcome.
pub fn start(work: impl Future<Output = Result<JsValue, JsValue>> + 'static) -> js_sys::Promise {
    let mut settle = None;
    let answer = js_sys::Promise::new(&mut |resolve, reject| settle = Some((resolve, reject)));
    let task = Rc::new(Task {
        work: RefCell::new(Some(Box::pin(work))),
        settle: RefCell::new(settle),
        polling: Cell::new(false),
        woken_while_polling: Cell::new(false),
    });
    poll(&task);
    answer
}

fn poll(task: &Rc<Task>) {
    if task.polling.replace(true) {
        task.woken_while_polling.set(true);
        return;
    }
    // The waker lives as long as a pending await keeps it; the task does not keep it (no cycle).
    let waker = Waker::from(Arc::new(TaskWaker(task.clone())));
    let mut context = Context::from_waker(&waker);
    loop {
        let mut slot = task.work.borrow_mut();
        let Some(work) = slot.as_mut() else { break };
        match work.as_mut().poll(&mut context) {
            Poll::Ready(outcome) => {
                *slot = None;
                drop(slot);
                settle(task, outcome);
                break;
            }
            Poll::Pending => {
                drop(slot);
                if !task.woken_while_polling.replace(false) {
                    break;
                }
            }
        }
    }
    task.polling.set(false);
}

fn settle(task: &Task, outcome: Result<JsValue, JsValue>) {
    let Some((resolve, reject)) = task.settle.borrow_mut().take() else { return };
    // Neither call can throw: they are the promise's own functions.
    let _ = match outcome {
        Ok(value) => resolve.call1(&JsValue::UNDEFINED, &value),
        Err(error) => reject.call1(&JsValue::UNDEFINED, &error),
    };
}
