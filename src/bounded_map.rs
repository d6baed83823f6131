//! What an isolate remembers between requests (verified tokens, WorkOS users' emails, answered
//! callback keys) is bounded, and all of it makes room by one rule: a full map drops the entries
//! no longer of use, then the oldest by insertion, down to seven eighths of its capacity.
//!
//! Oldest first, so that an entry in use, inserted again after a burst of others, stays: the
//! verified-token cache once dropped an arbitrary entry (often the one just inserted, and a few
//! callers after a burst of sign-ins were verified again on most requests), and the users' cache
//! dropped everything (each active user then cost a KV read again). Down to seven eighths, so
//! that one pass over the map serves the next eighth of its capacity in insertions. Not LRU: a
//! hit stays a read-only lookup with no bookkeeping.

use std::borrow::Borrow;
use std::collections::{HashMap, VecDeque};
use std::hash::Hash;

/// A map of at most `capacity` entries that makes room as the module says.
#[derive(Debug)]
pub struct BoundedMap<K, V> {
    capacity: usize,
    entries: HashMap<K, Slot<V>>,
    /// The keys in the order they were inserted, each with its insertion's number. A key removed
    /// or inserted again leaves a stale item here, whose number no longer matches its entry's.
    order: VecDeque<(K, u64)>,
    insertions: u64,
}

/// A value and the number of its insertion.
#[derive(Debug)]
struct Slot<V> {
    value: V,
    insertion: u64,
}

impl<K: Eq + Hash + Clone, V> BoundedMap<K, V> {
    /// An empty map that holds at most `capacity` entries.
    pub fn new(capacity: usize) -> Self {
        Self { capacity, entries: HashMap::new(), order: VecDeque::new(), insertions: 0 }
    }

    /// The value kept for `key`.
    pub fn get<Q: Hash + Eq + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.entries.get(key).map(|slot| &slot.value)
    }

    /// Keeps `value` for `key`, as the newest entry. A full map first makes room, keeping only
    /// the entries `still_useful` says are.
    pub fn insert(&mut self, key: K, value: V, still_useful: impl Fn(&V) -> bool) {
        let grows = !self.entries.contains_key(&key);
        // The order's stale items are dropped with the rest, before they can pile up.
        if (grows && self.entries.len() >= self.capacity) || self.order.len() >= 2 * self.capacity {
            self.make_room(still_useful);
        }
        self.insertions += 1;
        self.order.push_back((key.clone(), self.insertions));
        self.entries.insert(key, Slot { value, insertion: self.insertions });
    }

    /// Forgets `key`.
    pub fn remove<Q: Hash + Eq + ?Sized>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.entries.remove(key);
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the map is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops the entries no longer useful, then the oldest, until seven eighths are left.
    fn make_room(&mut self, still_useful: impl Fn(&V) -> bool) {
        self.entries.retain(|_, slot| still_useful(&slot.value));
        let entries = &self.entries;
        self.order.retain(|(key, insertion)| entries.get(key).is_some_and(|slot| slot.insertion == *insertion));
        let kept_when_full = self.capacity / 8 * 7;
        while self.entries.len() > kept_when_full {
            let Some((oldest, _)) = self.order.pop_front() else { break };
            self.entries.remove(&oldest);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPACITY: usize = 64;
    const ANY: fn(&u32) -> bool = |_| true;

    #[test]
    fn it_never_grows_past_its_capacity_and_keeps_the_newest() {
        let mut map = BoundedMap::new(CAPACITY);
        for i in 0..10 * CAPACITY {
            map.insert(i, 0, ANY);
            assert!(map.len() <= CAPACITY);
        }
        assert!(map.get(&(10 * CAPACITY - 1)).is_some());
    }

    #[test]
    fn a_full_map_of_useful_entries_drops_the_oldest_eighth() {
        let mut map = BoundedMap::new(CAPACITY);
        for i in 0..CAPACITY {
            map.insert(i, 0, ANY);
        }
        map.insert(CAPACITY, 0, ANY);
        let dropped = CAPACITY / 8;
        assert!(map.get(&(dropped - 1)).is_none() && map.get(&dropped).is_some() && map.get(&CAPACITY).is_some());
        assert_eq!(map.len(), CAPACITY / 8 * 7 + 1);
    }

    #[test]
    fn entries_no_longer_useful_go_before_the_oldest_useful_one() {
        let mut map = BoundedMap::new(CAPACITY);
        map.insert(0, 1, ANY);
        for i in 1..CAPACITY {
            map.insert(i, 0, ANY);
        }
        map.insert(CAPACITY, 1, |value| *value == 1);
        assert!(map.get(&0).is_some(), "the oldest entry is the useful one");
        assert_eq!(map.len(), 2);
    }

    #[test]
    fn inserting_a_kept_key_again_makes_it_the_newest_without_making_room() {
        let mut map = BoundedMap::new(CAPACITY);
        for i in 0..CAPACITY {
            map.insert(i, 0, ANY);
        }
        map.insert(0, 1, ANY);
        assert_eq!((map.len(), map.get(&0)), (CAPACITY, Some(&1)), "a full map, no room made");
        map.insert(CAPACITY, 0, ANY);
        assert_eq!(map.get(&0), Some(&1), "key 0 is now among the newest");
        assert!(map.get(&1).is_none());
    }

    #[test]
    fn removed_keys_do_not_pile_up_in_the_order() {
        let mut map = BoundedMap::new(CAPACITY);
        for _ in 0..5 * CAPACITY {
            map.insert(7, 0, ANY);
            map.remove(&7);
        }
        assert!(map.order.len() <= 2 * CAPACITY, "{}", map.order.len());
        assert!(map.is_empty());
    }
}
