//! Sorting and sorted maps, lean in WebAssembly.
//!
//! Owns: [`by`] and [`by_key`], stable sorts through one shared instantiation of std's sort, and
//! [`SortedMap`]. Why it exists: every `sort_by_key` call site instantiates std's stable sort for its
//! own element and closure types, about 4.5 KB of WebAssembly each (17 sites cost 75 KB); every
//! `BTreeMap<K, V>` costs 5–8 KB more per key and value type. Must not know anything of the domain.

use std::borrow::Borrow;
use std::cmp::Ordering;

/// Sorts `items` stably (equal elements keep their order) by `compare`, like `slice::sort_by`.
///
/// ```
/// let mut v = vec!["b", "a", "c"];
/// release_policy::sort::by(&mut v, |x, y| y.cmp(x));
/// assert_eq!(v, ["c", "b", "a"]);
/// ```
pub fn by<T>(items: &mut Vec<T>, compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = permutation(items.len(), &mut |a, b| compare(&items[a], &items[b]));
    let mut slots: Vec<Option<T>> = items.drain(..).map(Some).collect();
    items.extend(order.into_iter().filter_map(|i| slots[i].take()));
}

/// Sorts `items` stably by `key`, like `slice::sort_by_key`.
///
/// ```
/// let mut v = vec![(2, 'a'), (1, 'b'), (2, 'c')];
/// release_policy::sort::by_key(&mut v, |(k, _)| *k);
/// assert_eq!(v, [(1, 'b'), (2, 'a'), (2, 'c')]);
/// ```
pub fn by_key<T, K: Ord>(items: &mut Vec<T>, key: impl Fn(&T) -> K) {
    by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` and drops repeated elements, like `sort_unstable` followed by `dedup`, without a
/// sort instantiation of its own per element type.
///
/// ```
/// let mut v = vec!["sre", "qa", "sre"];
/// release_policy::sort::unique(&mut v);
/// assert_eq!(v, ["qa", "sre"]);
/// ```
pub fn unique<T: Ord>(items: &mut Vec<T>) {
    by(items, T::cmp);
    items.dedup();
}

/// The stable order of `0..len` under `compare`: the one place std's sort is instantiated.
fn permutation(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|a, b| compare(*a, *b));
    order
}

/// An ordered map kept as a vector sorted by key, for the small maps whose size the pack or the
/// dashboard bounds (weeks of a window, levels, roles, a list's limit): `BTreeMap`'s order and
/// lookups without its code. Inserting a new key moves the keys after it, so a map whose size the
/// input decides stays a `BTreeMap`.
///
/// ```
/// use release_policy::sort::SortedMap;
/// let mut waits: SortedMap<&str, u32> = SortedMap::new();
/// *waits.entry("sre").or_default() += 2;
/// *waits.entry("qa").or_default() += 1;
/// assert_eq!(waits.iter().collect::<Vec<_>>(), [(&"qa", &1), (&"sre", &2)]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<K, V> {
    entries: Vec<(K, V)>,
}

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap { entries: Vec::new() }
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub fn new() -> Self {
        SortedMap::default()
    }

    fn find<Q: Ord + ?Sized>(&self, key: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.entries.binary_search_by(|(k, _)| k.borrow().cmp(key))
    }

    pub fn get<Q: Ord + ?Sized>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// Inserts or replaces the value under `key`.
    pub fn insert(&mut self, key: K, value: V) {
        match self.find(&key) {
            Ok(i) => self.entries[i].1 = value,
            Err(i) => self.entries.insert(i, (key, value)),
        }
    }

    /// The value under `key`, to fill in place.
    pub fn entry(&mut self, key: K) -> Entry<'_, K, V> {
        Entry { map: self, key }
    }

    /// Removes the entry with the greatest key.
    pub fn pop_last(&mut self) -> Option<(K, V)> {
        self.entries.pop()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// The values in key order.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.entries.into_iter().map(|(_, v)| v)
    }
}

/// Later entries replace earlier ones with the same key, as in `BTreeMap`.
impl<K: Ord, V> FromIterator<(K, V)> for SortedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Self {
        let mut map = SortedMap::new();
        for (k, v) in entries {
            map.insert(k, v);
        }
        map
    }
}

impl<K, V> IntoIterator for SortedMap<K, V> {
    type Item = (K, V);
    type IntoIter = std::vec::IntoIter<(K, V)>;

    fn into_iter(self) -> Self::IntoIter {
        self.entries.into_iter()
    }
}

/// The place of one key in a [`SortedMap`].
pub struct Entry<'m, K, V> {
    map: &'m mut SortedMap<K, V>,
    key: K,
}

impl<'m, K: Ord, V> Entry<'m, K, V> {
    /// The value, inserted with `default()` first when the key is new.
    pub fn or_insert_with(self, default: impl FnOnce() -> V) -> &'m mut V {
        let i = match self.map.find(&self.key) {
            Ok(i) => i,
            Err(i) => {
                self.map.entries.insert(i, (self.key, default()));
                i
            }
        };
        &mut self.map.entries[i].1
    }

    pub fn or_default(self) -> &'m mut V
    where
        V: Default,
    {
        self.or_insert_with(V::default)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorts_like_the_standard_stable_sort() {
        // A pseudo-random sequence with many equal keys, so stability is exercised.
        let mut state = 7u32;
        let mut items: Vec<(u32, usize)> = (0..500)
            .map(|i| {
                state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                ((state >> 16) % 13, i)
            })
            .collect();
        let mut expected = items.clone();
        expected.sort_by_key(|(k, _)| *k);
        by_key(&mut items, |(k, _)| *k);
        assert_eq!(items, expected);
    }

    #[test]
    fn a_sorted_map_answers_like_a_btree_map() {
        let mut ours = SortedMap::new();
        let mut std = std::collections::BTreeMap::new();
        let mut state = 11u32;
        for i in 0..400u32 {
            state = state.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            let key = (state >> 16) % 97;
            match i % 3 {
                0 => {
                    ours.insert(key, i);
                    std.insert(key, i);
                }
                1 => *ours.entry(key).or_default() += i,
                _ => {
                    if ours.len() > 50 {
                        assert_eq!(ours.pop_last(), std.pop_last());
                    }
                }
            }
            if i % 3 == 1 {
                *std.entry(key).or_default() += i;
            }
            assert_eq!(ours.get(&key), std.get(&key));
        }
        assert_eq!(ours.iter().collect::<Vec<_>>(), std.iter().collect::<Vec<_>>());
        assert_eq!(ours.into_iter().collect::<Vec<_>>(), std.into_iter().collect::<Vec<_>>());
    }
}
