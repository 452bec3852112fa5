//! MinHash signatures over word shingles.
//!
//! A text is cut into veille's own tokens (NFC, case folding, French elisions split off, the
//! same Unicode words as the analyzer: see [`crate::text::tokenize`]), every `w` consecutive
//! tokens make a shingle, and the set of shingle hashes is summarised by `num_perm` minima
//! (one-permutation hashing with optimal densification, seeded). The share of equal minima between two
//! signatures estimates the Jaccard similarity of the two shingle sets.
//!
//! Every hash here is written out in this file (xxh3 for the tokens, then integer mixers), so
//! a signature depends only on the text, the shingle size, `num_perm` and the seed: not on the
//! platform, the thread count or a crate's internal hasher. [`SIGNATURE_VERSION`] changes when
//! the scheme does, and it is part of the [`Signature::family`] that stored signatures carry.

use crate::text::analysed_prefix;
use crate::text::normalize::nfc;
use crate::text::tokenize::for_each_token;
use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// Version of the signature scheme (tokens, shingle hash, hash family). Part of every
/// signature's family: signatures of another version never compare equal by accident.
pub const SIGNATURE_VERSION: u64 = 1;

/// A MinHash signature: `num_perm` minima (empty for a text without any word), and the
/// family of hash functions that made them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Signature {
    /// Digest of what the values depend on: [`SIGNATURE_VERSION`], seed, shingle size and
    /// number of permutations. Two signatures are comparable only when their families match.
    pub family: u64,
    /// One value per bin; empty when the text has no word.
    pub values: Vec<u32>,
}

impl Signature {
    /// Whether the text had no word (such a text is never a duplicate of anything).
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Estimated Jaccard similarity of the two shingle sets: the share of equal minima. 0
    /// when either text had no word or the signatures are of different families or lengths.
    pub fn jaccard(&self, other: &Signature) -> f64 {
        if self.family != other.family
            || self.values.len() != other.values.len()
            || self.values.is_empty()
        {
            return 0.0;
        }
        equal_slots(&self.values, &other.values) as f64 / self.values.len() as f64
    }
}

/// Number of positions where `a` and `b` hold the same value.
pub(crate) fn equal_slots(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).filter(|(x, y)| x == y).count()
}

/// SplitMix64's finaliser: a bijection on `u64` with full avalanche.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The seeded family of hash functions and the shingling that feed the signatures.
#[derive(Debug, Clone)]
pub struct MinHasher {
    shingle: usize,
    seed: u64,
    /// One key per bin, seeding its densification probe sequence.
    keys: Vec<u32>,
    /// Key mixed into every shingle hash before it picks its bin.
    bin_key: u64,
    family: u64,
}

impl MinHasher {
    /// A family of `num_perm` hash functions over shingles of `shingle` words, drawn from
    /// `seed`. Callers validate the sizes (see [`super::DedupConfig::check`]).
    pub fn new(shingle: usize, num_perm: usize, seed: u64) -> Self {
        let mut state = seed;
        let keys = (0..num_perm)
            .map(|_| {
                state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
                (mix64(state) >> 32) as u32
            })
            .collect();
        let family = mix64(
            mix64(mix64(SIGNATURE_VERSION ^ seed.rotate_left(17)) ^ shingle as u64)
                ^ (num_perm as u64).rotate_left(32),
        );
        MinHasher {
            shingle,
            seed,
            keys,
            bin_key: mix64(seed ^ 0x2545_f491_4f6c_dd1d),
            family,
        }
    }

    /// The family digest that this hasher's signatures carry.
    pub fn family(&self) -> u64 {
        self.family
    }

    /// The sorted, distinct hashes of the shingles of `text` (empty when it has no word). A
    /// text with fewer words than the shingle size is one shingle of all its words.
    pub fn shingle_hashes(&self, text: &str) -> Vec<u64> {
        let text = nfc(analysed_prefix(text));
        let mut tokens: Vec<u64> = Vec::new();
        let mut buf = String::new();
        for_each_token(&text, 1, &mut buf, |t| {
            tokens.push(xxh3_64_with_seed(t.as_bytes(), self.seed));
        });
        let w = self.shingle.min(tokens.len());
        if w == 0 {
            return Vec::new();
        }
        let mut out: Vec<u64> = tokens
            .windows(w)
            .map(|window| {
                window
                    .iter()
                    .fold(w as u64, |h, &t| mix64(h.rotate_left(29) ^ t))
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The signature of `text`.
    pub fn signature(&self, text: &str) -> Signature {
        let shingles = self.shingle_hashes(text);
        Signature {
            family: self.family,
            values: self.minima(&shingles),
        }
    }

    /// The signature values of `shingles` (empty when there is none), by one-permutation
    /// hashing with optimal densification (Shrivastava, "Optimal densification for fast and
    /// accurate minwise hashing", ICML 2017): each shingle is hashed once, its high bits
    /// choose one of `num_perm` bins and its low bits compete for that bin's minimum; an
    /// empty bin takes the value of the first non-empty bin on its own seeded probe sequence.
    /// Two signatures agree in a bin with probability equal to the Jaccard similarity of the
    /// sets, as with `num_perm` independent permutations, at the cost of one hash a shingle
    /// instead of `num_perm` (measured: signatures took 35 % of the time with 128 hashes a
    /// shingle, see BENCHMARKS.md).
    fn minima(&self, shingles: &[u64]) -> Vec<u32> {
        if shingles.is_empty() {
            return Vec::new();
        }
        let k = self.keys.len();
        let mut bins = vec![u32::MAX; k];
        let mut filled = vec![false; k];
        for &s in shingles {
            let h = mix64(s ^ self.bin_key);
            let bin = (((h >> 32) * k as u64) >> 32) as usize;
            bins[bin] = bins[bin].min(h as u32);
            filled[bin] = true;
        }
        let mut out = bins.clone();
        for j in 0..k {
            if filled[j] {
                continue;
            }
            // At least one bin is filled, so the probe ends (expected k / filled steps).
            let mut attempt: u64 = 0;
            loop {
                attempt += 1;
                let h = mix64(self.keys[j] as u64 ^ (attempt << 32) ^ self.bin_key);
                let next = (((h >> 32) * k as u64) >> 32) as usize;
                if filled[next] {
                    out[j] = bins[next];
                    break;
                }
            }
        }
        out
    }
}

/// Exact Jaccard similarity of two sorted, distinct hash lists (for tests and benchmarks).
pub fn exact_jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    common as f64 / (a.len() + b.len() - common) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shingles_use_veille_tokens() {
        let h = MinHasher::new(2, 16, 7);
        // Elisions, apostrophes, case and NFC do not change the shingles.
        assert_eq!(
            h.shingle_hashes("L'État décide"),
            h.shingle_hashes("l’e\u{301}tat DÉCIDE")
        );
        assert_eq!(h.shingle_hashes("a b c").len(), 2);
        // Fewer words than the shingle size: one shingle.
        assert_eq!(
            MinHasher::new(5, 16, 7).shingle_hashes("two words").len(),
            1
        );
        assert!(h.shingle_hashes(" ... !!").is_empty());
        assert!(h.signature("").is_empty());
    }

    #[test]
    fn identical_texts_have_identical_signatures() {
        let h = MinHasher::new(3, 64, 1);
        let a = h.signature("Sanctions target chip exports to three countries.");
        let b = h.signature("sanctions TARGET chip exports to three countries");
        assert_eq!(a, b);
        assert_eq!(a.jaccard(&b), 1.0);
        assert_eq!(a.values.len(), 64);
    }

    #[test]
    fn estimate_tracks_exact_jaccard() {
        // 200 shared words, 100 + 100 own: exact Jaccard of the unigram sets is 0.5.
        let common: Vec<String> = (0..200).map(|i| format!("c{i}")).collect();
        let a: Vec<String> = (0..100).map(|i| format!("a{i}")).collect();
        let b: Vec<String> = (0..100).map(|i| format!("b{i}")).collect();
        let ta = format!("{} {}", common.join(" "), a.join(" "));
        let tb = format!("{} {}", common.join(" "), b.join(" "));
        let mut sum = 0.0;
        for seed in 0..20 {
            let h = MinHasher::new(1, 256, seed);
            let exact = exact_jaccard(&h.shingle_hashes(&ta), &h.shingle_hashes(&tb));
            assert!((exact - 0.5).abs() < 1e-9);
            let est = h.signature(&ta).jaccard(&h.signature(&tb));
            assert!((est - 0.5).abs() < 0.12, "seed {seed}: {est}");
            sum += est;
        }
        assert!((sum / 20.0 - 0.5).abs() < 0.03, "mean {}", sum / 20.0);
    }

    #[test]
    fn families_differ_by_seed_and_size() {
        let f = |sh, n, s| MinHasher::new(sh, n, s).family();
        assert_ne!(f(3, 128, 0), f(3, 128, 1));
        assert_ne!(f(3, 128, 0), f(4, 128, 0));
        assert_ne!(f(3, 128, 0), f(3, 64, 0));
        let a = MinHasher::new(3, 16, 0).signature("one two three four");
        let b = MinHasher::new(3, 16, 1).signature("one two three four");
        assert_eq!(a.jaccard(&b), 0.0);
    }

    #[test]
    fn signatures_are_stable_across_releases() {
        // Stored signatures must stay comparable: pin one value of the scheme.
        let s = MinHasher::new(3, 4, 42).signature("Le cloud souverain de l'État");
        assert_eq!(s.values, [933285262, 933285262, 2496604381, 2496604381]);
        assert_eq!(s.family, 0xd491_3df6_6b8d_4100);
    }
}
