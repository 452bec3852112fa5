//! An open-addressing hash table with linear probing, for the lookups that run once per token
//! and mostly miss the processor's caches: the word memo (tens of thousands of surface forms,
//! megabytes of slots) and the bigram columns of a vocabulary. Unlike hashbrown's table, the
//! slot a hash starts at is known to the caller, who can prefetch it a few tokens ahead: the
//! lookup then finds its slot in cache instead of waiting on memory (measured in BENCHMARKS.md,
//! "Prefetched word and bigram lookups").

/// A slot: a value that can be empty.
pub(crate) trait Slot: Copy {
    /// The empty slot.
    const EMPTY: Self;
    /// Whether this slot is empty.
    fn is_empty(&self) -> bool;
}

/// Slots in a power-of-two array, at most half full; a key's probe starts at `hash & mask`.
#[derive(Clone)]
pub(crate) struct ProbeTable<T> {
    slots: Box<[T]>,
    len: usize,
}

impl<T: Slot> Default for ProbeTable<T> {
    fn default() -> Self {
        ProbeTable {
            slots: Box::default(),
            len: 0,
        }
    }
}

impl<T: Slot> ProbeTable<T> {
    /// A table that holds `n` values without growing.
    pub(crate) fn with_capacity(n: usize) -> Self {
        ProbeTable {
            slots: vec![T::EMPTY; Self::slots_for(n)].into_boxed_slice(),
            len: 0,
        }
    }

    /// Slots for `n` values: a power of two, at most half of them used (linear probing stays
    /// short at that load).
    fn slots_for(n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (2 * n).next_power_of_two().max(16)
        }
    }

    /// Number of slots (for memory accounting).
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    #[inline]
    fn start(&self, hash: u64) -> usize {
        hash as usize & self.slots.len().wrapping_sub(1)
    }

    /// Ask the processor to bring the first slot of `hash` into cache: a hint, no effect on
    /// results.
    #[inline]
    pub(crate) fn prefetch(&self, hash: u64) {
        if let Some(slot) = self.slots.get(self.start(hash)) {
            prefetch(slot);
        }
    }

    /// The value of hash `hash` for which `eq` holds, if any.
    #[inline]
    pub(crate) fn find(&self, hash: u64, mut eq: impl FnMut(&T) -> bool) -> Option<&T> {
        if self.slots.is_empty() {
            return None;
        }
        let mask = self.slots.len() - 1;
        let mut i = self.start(hash);
        loop {
            let slot = &self.slots[i];
            if slot.is_empty() {
                return None;
            }
            if eq(slot) {
                return Some(slot);
            }
            i = (i + 1) & mask;
        }
    }

    /// Add `value`, of hash `hash`, known not to be in the table; `rehash` gives the hash of a
    /// value already in it (for growing).
    pub(crate) fn insert_unique(&mut self, hash: u64, value: T, rehash: impl Fn(&T) -> u64) {
        if 2 * (self.len + 1) > self.slots.len() {
            let n = Self::slots_for(self.len + 1).max(2 * self.slots.len());
            let old = std::mem::replace(&mut self.slots, vec![T::EMPTY; n].into_boxed_slice());
            for v in old.iter().filter(|v| !v.is_empty()) {
                self.place(rehash(v), *v);
            }
        }
        self.place(hash, value);
        self.len += 1;
    }

    fn place(&mut self, hash: u64, value: T) {
        let mask = self.slots.len() - 1;
        let mut i = self.start(hash);
        while !self.slots[i].is_empty() {
            i = (i + 1) & mask;
        }
        self.slots[i] = value;
    }
}

/// Ask the processor to bring `value` into cache (a hint: nothing is read, nothing changes).
/// Its first and last bytes are fetched: a value can straddle two cache lines.
#[inline]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let first: *const i8 = std::ptr::from_ref(value).cast();
        // SAFETY: a prefetch reads nothing and cannot fault; both pointers are in `value`.
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>(first);
            if std::mem::size_of::<T>() > 8 {
                _mm_prefetch::<_MM_HINT_T0>(first.add(std::mem::size_of::<T>() - 1));
            }
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Debug)]
    struct Pair(u64, u32);
    impl Slot for Pair {
        const EMPTY: Self = Pair(0, u32::MAX);
        fn is_empty(&self) -> bool {
            self.1 == u32::MAX
        }
    }

    #[test]
    fn finds_what_was_inserted_across_growth_and_collisions() {
        let mut t = ProbeTable::<Pair>::default();
        assert!(t.find(7, |_| true).is_none());
        t.prefetch(7);
        // Hashes that all start at slot 0 probe past each other.
        let hash = |k: u64| {
            if k.is_multiple_of(3) {
                0
            } else {
                k.wrapping_mul(0x9e37_79b9_7f4a_7c15)
            }
        };
        for k in 0..5_000u64 {
            t.insert_unique(hash(k), Pair(k, k as u32), |p| hash(p.0));
        }
        assert!(t.capacity() >= 10_000 && t.capacity().is_power_of_two());
        for k in 0..5_000u64 {
            assert_eq!(t.find(hash(k), |p| p.0 == k), Some(&Pair(k, k as u32)));
        }
        assert!(t.find(hash(5_001), |p| p.0 == 5_001).is_none());
        let sized = ProbeTable::<Pair>::with_capacity(100);
        assert_eq!(sized.capacity(), 256);
    }
}
