//! Stable sorting through one shared instantiation of the standard library's sort.
//!
//! Owns: [`by`] and [`by_key`]. Why it exists: every `sort_by_key` call site instantiates std's
//! stable sort for its own element and closure types, about 4.5 KB of WebAssembly each (17 sites
//! cost 75 KB). Sorting a permutation of indices through a `dyn` comparison shares one. Must not
//! know anything of the domain.

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

/// The stable order of `0..len` under `compare`: the one place std's sort is instantiated.
fn permutation(len: usize, compare: &mut dyn FnMut(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|a, b| compare(*a, *b));
    order
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
}
