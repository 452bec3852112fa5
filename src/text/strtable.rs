//! An append-only string interner: strings get ids in insertion order and are stored end to
//! end in one buffer. Interning is the analysis hot path (one lookup per token, one insert per
//! distinct word), so a new string costs no allocation of its own. The index slots are eight
//! bytes (a hash tag and an id), and the first 16 bytes of each string sit in an array of
//! heads by id: a lookup of a word of up to 16 bytes (99% of tokens) compares a tag and two
//! integers instead of the string's bytes, and a caller can prefetch both ahead of it.

use super::probe::{self, ProbeTable};
use rustc_hash::FxHasher;
use std::hash::Hasher;

/// Bytes of a string kept in its slot.
const INLINE: usize = 16;

/// A string's first 16 bytes (zero-padded) and its length.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Head {
    words: [u64; 2],
    len: u32,
}

impl Head {
    /// Read with whole-word loads (overlapping ones for short strings), not a byte copy
    /// into a buffer, which costs a store-forwarding stall per lookup.
    fn of(s: &[u8]) -> Head {
        let n = s.len();
        let u64_at = |i: usize| u64::from_le_bytes(s[i..i + 8].try_into().expect("8 bytes"));
        let u32_at =
            |i: usize| u64::from(u32::from_le_bytes(s[i..i + 4].try_into().expect("4 bytes")));
        let words = match n {
            0 => [0, 0],
            1..=3 => {
                let at = |i: usize| u64::from(s[i]) << (8 * i);
                [at(0) | at(n / 2) | at(n - 1), 0]
            }
            4..=7 => [u32_at(0) | u32_at(n - 4) << (8 * (n - 4)), 0],
            8 => [u64_at(0), 0],
            9..=15 => [u64_at(0), u64_at(n - 8) >> (8 * (16 - n))],
            _ => [u64_at(0), u64_at(8)],
        };
        Head {
            words,
            len: u32::try_from(n).expect("a string under 4 GiB"),
        }
    }

    /// The hash of a string, from its head alone when the head is all of it.
    fn hash(&self, s: &[u8]) -> u64 {
        if s.len() > INLINE {
            let mut h = FxHasher::default();
            h.write(s);
            return h.finish();
        }
        // A folded multiply mixes all bits of both words into both halves of the result.
        let p = u128::from(self.words[0] ^ 0x243f_6a88_85a3_08d3)
            * u128::from(self.words[1] ^ u64::from(self.len) ^ 0x1319_8a2e_0370_7344);
        (p as u64) ^ ((p >> 64) as u64)
    }
}

/// A slot of the index: the low 32 bits of a string's hash (where its probe starts, and a
/// filter: another string of the same start rarely shares them) and its id ([`NO_ID`] when
/// empty). Eight bytes: the index of the word memo (tens of thousands of words) stays within
/// the processor's second-level cache, and the heads are read only on a tag match.
#[derive(Clone, Copy)]
struct Slot {
    tag: u32,
    id: u32,
}

/// The id of an empty slot (no string gets it: fewer than 2^32 - 1 strings).
const NO_ID: u32 = u32::MAX;

impl Slot {
    /// Where the slot's probe starts, for growing the index: its tag holds every hash bit a
    /// table of up to 2^32 slots reads.
    fn hash(&self) -> u64 {
        u64::from(self.tag)
    }
}

impl probe::Slot for Slot {
    const EMPTY: Self = Slot { tag: 0, id: NO_ID };
    fn is_empty(&self) -> bool {
        self.id == NO_ID
    }
}

/// A string's head and hash, computed once: what a lookup needs, and what a caller that looks
/// strings up in a stream prefetches by ([`StrTable::prefetch`]).
#[derive(Clone, Copy)]
pub(crate) struct Key {
    head: Head,
    hash: u64,
}

impl Key {
    /// The key of `s`.
    #[inline]
    pub(crate) fn of(s: &str) -> Key {
        let b = s.as_bytes();
        let head = Head::of(b);
        Key {
            head,
            hash: head.hash(b),
        }
    }

    /// The length of the string.
    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.head.len as usize
    }

    /// Whether the head is all of the string (then the key alone finds it).
    #[inline]
    pub(crate) fn is_inline(&self) -> bool {
        self.len() <= INLINE
    }

    /// The index slot of this string under id `id`.
    fn slot(&self, id: u32) -> Slot {
        Slot {
            tag: self.hash as u32,
            id,
        }
    }

    /// The string's first 16 bytes, zero-padded (all of it when [`Key::is_inline`]).
    pub(crate) fn head_bytes(&self) -> [u8; INLINE] {
        let mut b = [0u8; INLINE];
        b[..8].copy_from_slice(&self.head.words[0].to_le_bytes());
        b[8..].copy_from_slice(&self.head.words[1].to_le_bytes());
        b
    }
}

/// Interned strings, by id: a [`Strs`], their heads, and the index.
#[derive(Default, Clone)]
pub struct StrTable {
    /// String `i` has id `i`.
    strs: Strs,
    /// The head of string `i`: what a lookup compares, in id order (the strings met first,
    /// the common ones, sit together).
    heads: Vec<Head>,
    index: ProbeTable<Slot>,
}

impl StrTable {
    /// Number of strings.
    pub fn len(&self) -> usize {
        self.strs.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.strs.is_empty()
    }

    /// String `id` (panics if there is none).
    pub fn get(&self, id: u32) -> &str {
        self.strs.get(id as usize)
    }

    /// Whether slot `e` holds the string of `key`, whose bytes beyond the head are
    /// `s[INLINE..]` (`s` is not read for an inline key).
    #[inline]
    fn holds(&self, e: &Slot, key: &Key, s: &[u8]) -> bool {
        e.tag == key.hash as u32
            && self.heads[e.id as usize] == key.head
            && (key.is_inline() || self.get(e.id).as_bytes()[INLINE..] == s[INLINE..])
    }

    /// Bring the slot where `key`'s lookup starts into cache (a hint: a lookup a few strings
    /// later then does not wait on memory).
    #[inline]
    pub(crate) fn prefetch(&self, key: &Key) {
        self.index.prefetch(key.hash);
    }

    /// Bring into cache the head a lookup of `key` will compare, when `key`'s slot (best
    /// prefetched by [`StrTable::prefetch`] beforehand) points at one (a hint).
    #[inline]
    pub(crate) fn prefetch_head(&self, key: &Key) {
        if let Some(e) = self.index.find(key.hash, |e| e.tag == key.hash as u32) {
            probe::prefetch(&self.heads[e.id as usize]);
        }
    }

    /// The id of the string of `key`, if interned; `s` is the string (read only when it is
    /// longer than its head).
    #[inline]
    pub(crate) fn find_key(&self, key: &Key, s: &[u8]) -> Option<u32> {
        self.index
            .find(key.hash, |e| self.holds(e, key, s))
            .map(|e| e.id)
    }

    /// Add `s`, of key `key`, known not to be in the table: its id.
    pub(crate) fn insert_key(&mut self, key: &Key, s: &str) -> u32 {
        let id = u32::try_from(self.strs.len())
            .ok()
            .filter(|&id| id != NO_ID)
            .expect("fewer than 2^32 - 1 strings");
        self.strs.push(s);
        self.heads.push(key.head);
        self.index.insert_unique(key.hash, key.slot(id), Slot::hash);
        id
    }

    /// The id of `s`, if interned.
    pub fn id(&self, s: &str) -> Option<u32> {
        self.find_key(&Key::of(s), s.as_bytes())
    }

    /// The id of `s`, and whether it was just added.
    pub fn intern(&mut self, s: &str) -> (u32, bool) {
        let key = Key::of(s);
        match self.find_key(&key, s.as_bytes()) {
            Some(id) => (id, false),
            None => (self.insert_key(&key, s), true),
        }
    }

    /// A table of `strs` in order, with their index: string `i` of `strs` gets id `i` (when
    /// they are all different; a repeated string is found under one of its ids). The bytes
    /// are copied once, in one piece.
    pub fn indexed(strs: &Strs) -> StrTable {
        let mut index = ProbeTable::with_capacity(strs.len());
        let mut heads = Vec::with_capacity(strs.len());
        for (id, s) in strs.iter().enumerate() {
            let key = Key::of(s);
            heads.push(key.head);
            index.insert_unique(key.hash, key.slot(id as u32), Slot::hash);
        }
        StrTable {
            strs: strs.clone(),
            heads,
            index,
        }
    }

    /// Bytes of heap this table holds (its buffers' capacities, the index's slots): what a
    /// cache bound is checked against.
    pub fn heap_bytes(&self) -> usize {
        self.strs.bytes.capacity()
            + self.strs.ends.capacity() * std::mem::size_of::<usize>()
            + self.heads.capacity() * std::mem::size_of::<Head>()
            + self.index.capacity() * std::mem::size_of::<Slot>()
    }

    /// The strings in id order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.strs.iter()
    }
}

/// A list of strings stored end to end in one buffer: what a model's vocabulary holds
/// (tens of thousands of short words), without an allocation per word. On the wire
/// (serde) it is a sequence of strings, as a `Vec<String>` is, and it decodes without an
/// allocation per string either.
#[derive(Default, Clone, PartialEq, Eq)]
pub struct Strs {
    bytes: String,
    /// `bytes[ends[i - 1]..ends[i]]` is string `i`.
    ends: Vec<usize>,
}

impl Strs {
    /// Number of strings.
    #[inline]
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `i` (panics if there is none).
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.bytes[start..self.ends[i]]
    }

    /// Append `s`.
    #[inline]
    pub fn push(&mut self, s: &str) {
        self.bytes.push_str(s);
        self.ends.push(self.bytes.len());
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.ends.len()).map(|i| self.get(i))
    }
}

impl<'a> FromIterator<&'a str> for Strs {
    fn from_iter<I: IntoIterator<Item = &'a str>>(iter: I) -> Self {
        let mut out = Strs::default();
        for s in iter {
            out.push(s);
        }
        out
    }
}

impl std::fmt::Debug for Strs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Strs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Strs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::{DeserializeSeed, SeqAccess, Visitor};
        use std::fmt;
        /// Appends the next string of the sequence to the list.
        struct Append<'s>(&'s mut Strs);
        impl<'de> DeserializeSeed<'de> for Append<'_> {
            type Value = ();
            fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
                d.deserialize_str(self)
            }
        }
        impl Visitor<'_> for Append<'_> {
            type Value = ();
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
                self.0.push(v);
                Ok(())
            }
        }
        struct Seq;
        impl<'de> Visitor<'de> for Seq {
            type Value = Strs;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a sequence of strings")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strs, A::Error> {
                let mut out = Strs::default();
                // A length from the input is a hint, not a promise: capped.
                out.ends.reserve(seq.size_hint().unwrap_or(0).min(1 << 16));
                while seq.next_element_seed(Append(&mut out))?.is_some() {}
                Ok(out)
            }
        }
        d.deserialize_seq(Seq)
    }
}

impl std::fmt::Debug for StrTable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_is_the_zero_padded_prefix() {
        let s = b"abcdefghijklmnopqrstuvwxyz";
        for n in 0..=s.len() {
            let mut b = [0u8; INLINE];
            b[..n.min(INLINE)].copy_from_slice(&s[..n.min(INLINE)]);
            let expected = [
                u64::from_le_bytes(b[..8].try_into().unwrap()),
                u64::from_le_bytes(b[8..].try_into().unwrap()),
            ];
            assert_eq!(Head::of(&s[..n]).words, expected, "{n}");
        }
    }

    #[test]
    fn strs_read_and_write_what_a_vec_of_strings_does() {
        let words = ["état", "", "anticonstitutionnellement", "chip"];
        let strs: Strs = words.iter().copied().collect();
        assert_eq!(strs.len(), 4);
        assert_eq!(strs.iter().collect::<Vec<_>>(), words);
        let as_vec: Vec<Box<str>> = words.iter().map(|&w| w.into()).collect();
        let bytes = postcard::to_stdvec(&strs).unwrap();
        assert_eq!(bytes, postcard::to_stdvec(&as_vec).unwrap());
        assert_eq!(postcard::from_bytes::<Strs>(&bytes).unwrap(), strs);
        let json = serde_json::to_string(&strs).unwrap();
        assert_eq!(serde_json::from_str::<Strs>(&json).unwrap(), strs);
        assert!(postcard::from_bytes::<Strs>(&bytes[..bytes.len() - 1]).is_err());
        let table = StrTable::indexed(&strs);
        for (i, w) in words.iter().enumerate() {
            assert_eq!(table.id(w), Some(i as u32));
            assert_eq!(table.get(i as u32), *w);
        }
        assert_eq!(table.id("chips"), None);
    }

    #[test]
    fn interns_in_order_and_finds_again() {
        let mut t = StrTable::default();
        let long = "anticonstitutionnellement";
        assert_eq!(t.intern("état"), (0, true));
        assert_eq!(t.intern(""), (1, true));
        assert_eq!(t.intern(long), (2, true));
        assert_eq!(t.intern("état"), (0, false));
        assert_eq!(t.intern("\0"), (3, true));
        assert_eq!(t.intern("anticonstitutionnel"), (4, true));
        assert_eq!(t.id(long), Some(2));
        assert_eq!(t.id("anticonstitutionnelle"), None);
        assert_eq!(t.id("chip"), None);
        assert_eq!(
            t.iter().collect::<Vec<_>>(),
            ["état", "", long, "\0", "anticonstitutionnel"]
        );
        for i in 0..10_000 {
            t.intern(&format!("{i}{}", "x".repeat(i % 40)));
        }
        assert_eq!(t.len(), 10_005);
        assert_eq!(t.id(&format!("9999{}", "x".repeat(39))), Some(10_004));
        assert_eq!(t.get(5), "0");
        assert_eq!(t.get(25), format!("20{}", "x".repeat(20)));
    }
}
