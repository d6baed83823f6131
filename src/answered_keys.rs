//! A hint kept by the isolate: which callback idempotency keys it has seen answered. A replay
//! of one of them reads its stored answer with one statement instead of running the first
//! sign-in's whole batch, having minted and sealed a first sign-in it cannot need. Only a hint:
//! the answer itself always comes from D1, and a key whose answer D1 no longer holds (expired,
//! purged) falls back to the full sign-in.

use std::cell::RefCell;

use crate::bounded_map::BoundedMap;

/// Keys remembered per isolate; a full memory forgets the oldest ([`BoundedMap`]).
const CAPACITY: usize = 4096;

/// The keys this isolate has seen answered.
#[derive(Debug)]
pub struct AnsweredKeys {
    keys: RefCell<BoundedMap<String, ()>>,
}

impl Default for AnsweredKeys {
    fn default() -> Self {
        Self { keys: RefCell::new(BoundedMap::new(CAPACITY)) }
    }
}

impl AnsweredKeys {
    /// Whether `key` was answered here.
    pub fn contains(&self, key: &str) -> bool {
        self.keys.borrow().get(key).is_some()
    }

    /// Remembers that `key` has an answer in D1.
    pub fn insert(&self, key: &str) {
        let mut keys = self.keys.borrow_mut();
        if keys.get(key).is_none() {
            // Every remembered key stays useful (an answer outlives this isolate's memory of it).
            keys.insert(key.to_owned(), (), |_| true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_remembers_the_newest_keys() {
        let keys = AnsweredKeys::default();
        for i in 0..CAPACITY + 10 {
            keys.insert(&format!("jti:{i}"));
        }
        assert!(!keys.contains("jti:0"), "the oldest are forgotten");
        assert!(keys.contains(&format!("jti:{}", CAPACITY + 9)));
        keys.insert("jti:20");
        assert!(keys.keys.borrow().len() <= CAPACITY);
    }
}
