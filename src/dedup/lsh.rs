//! LSH banding, candidate verification and union-find grouping.
//!
//! A signature of `bands × rows` values (the first `bands × rows` of its minima) is cut into
//! bands of `rows` values; two texts are candidates when one band is equal in both. A
//! candidate pair is kept when its estimated Jaccard similarity reaches the threshold, and
//! groups are the connected components of the kept pairs (union-find, the root of a group
//! is always its earliest member). The batch path and the incremental [`DedupIndex`] keep the
//! same pairs, so they give the same groups.

use super::minhash::{equal_slots, mix64, Signature};
use super::{DedupError, Deduper, Groups};
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// Hash of band `band` of `values` (`rows` values from `band * rows`).
fn band_hash(values: &[u32], band: usize, rows: usize) -> u64 {
    values[band * rows..(band + 1) * rows]
        .iter()
        .fold(mix64(band as u64 ^ 0x5851_f42d_4c95_7f2d), |h, &v| {
            mix64(h ^ u64::from(v))
        })
}

/// Union-find whose root is always the smallest index of its set.
#[derive(Debug, Clone, Default)]
pub(crate) struct UnionFind {
    parent: Vec<u32>,
}

impl UnionFind {
    pub(crate) fn with_len(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
        }
    }

    pub(crate) fn push(&mut self) {
        let n = self.parent.len() as u32;
        self.parent.push(n);
    }

    pub(crate) fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grand = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grand; // path halving
            x = grand;
        }
        x
    }

    /// Merge the sets of `a` and `b`; the smaller root wins.
    pub(crate) fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent[hi as usize] = lo;
        }
    }

    pub(crate) fn roots(&mut self) -> Vec<u32> {
        (0..self.parent.len() as u32)
            .map(|i| self.find(i))
            .collect()
    }
}

/// Whether two signatures of the same family reach `min_equal` equal minima.
fn similar(a: &[u32], b: &[u32], min_equal: usize) -> bool {
    !a.is_empty() && !b.is_empty() && equal_slots(a, b) >= min_equal
}

/// Batch grouping of signatures already checked to be of the deduper's family.
pub(crate) fn group_signatures(deduper: &Deduper, sigs: &[Signature]) -> Groups {
    let c = deduper.config();
    let (bands, rows) = (c.bands, c.rows);
    let min_equal = deduper.min_equal();
    let n = sigs.len();
    let mut uf = UnionFind::with_len(n);
    // One sorted (band hash, doc) list per band, built in parallel; the merging below is
    // sequential, and connected components do not depend on the order pairs are seen in.
    let tables: Vec<Vec<(u64, u32)>> = (0..bands)
        .into_par_iter()
        .map(|band| {
            let mut t: Vec<(u64, u32)> = sigs
                .iter()
                .enumerate()
                .filter(|(_, s)| !s.is_empty())
                .map(|(i, s)| (band_hash(&s.values, band, rows), i as u32))
                .collect();
            t.sort_unstable();
            t
        })
        .collect();
    for table in &tables {
        for bucket in table.chunk_by(|a, b| a.0 == b.0) {
            if bucket.len() < 2 {
                continue;
            }
            let first = uf.find(bucket[0].1);
            if bucket[1..].iter().all(|&(_, d)| uf.find(d) == first) {
                continue;
            }
            for (j, &(_, b)) in bucket.iter().enumerate().skip(1) {
                for &(_, a) in &bucket[..j] {
                    if uf.find(a) != uf.find(b)
                        && similar(
                            &sigs[a as usize].values,
                            &sigs[b as usize].values,
                            min_equal,
                        )
                    {
                        uf.union(a, b);
                    }
                }
            }
        }
    }
    Groups::from_roots(&uf.roots())
}

/// What [`DedupIndex::insert`] did with a new text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inserted<Id> {
    /// The canonical member (earliest inserted) of the group the text joined, or `None` when
    /// it is a duplicate of nothing seen so far (it is then its own group's canonical).
    pub canonical: Option<Id>,
    /// Canonical members of groups that this text joined together and that now belong to
    /// `canonical`'s group (a text can bridge two stories seen apart so far); a store moves
    /// their members to `canonical`.
    pub absorbed: Vec<Id>,
}

/// An incremental near-duplicate index: texts are inserted one at a time (oldest first) and
/// each is grouped with the texts inserted before it. Inserting texts in order gives the same
/// groups as [`Deduper::groups`] on the same texts in the same order.
///
/// ```
/// use veille::dedup::{DedupConfig, Deduper};
///
/// let deduper = Deduper::new(DedupConfig::default())?;
/// let mut index = deduper.index::<&str>();
/// let story = "The regulator fined the cloud provider for breaching data rules in three member states.";
/// assert_eq!(index.insert("a", story).canonical, None);
/// assert_eq!(index.insert("b", "Other news: the football season opens on Saturday.").canonical, None);
/// let copy = format!("{story} Subscribe to our newsletter.");
/// assert_eq!(index.insert("c", &copy).canonical, Some("a"));
/// # Ok::<(), veille::dedup::DedupError>(())
/// ```
#[derive(Debug, Clone)]
pub struct DedupIndex<Id> {
    deduper: Deduper,
    ids: Vec<Id>,
    sigs: Vec<Vec<u32>>,
    tables: Vec<FxHashMap<u64, Vec<u32>>>,
    uf: UnionFind,
}

impl<Id: Clone> DedupIndex<Id> {
    pub(crate) fn new(deduper: Deduper) -> Self {
        let bands = deduper.config().bands;
        DedupIndex {
            deduper,
            ids: Vec::new(),
            sigs: Vec::new(),
            tables: vec![FxHashMap::default(); bands],
            uf: UnionFind::default(),
        }
    }

    /// Number of texts inserted.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether nothing was inserted.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Insert a text under `id` and say which group it joined.
    pub fn insert(&mut self, id: Id, text: &str) -> Inserted<Id> {
        let sig = self.deduper.signature(text);
        self.insert_values(id, sig.values)
    }

    /// Insert a signature computed earlier (by [`Deduper::signature`], possibly stored and
    /// loaded back), so that a store can rebuild its index without the texts.
    ///
    /// # Errors
    /// [`DedupError::SignatureMismatch`] when the signature was made with another seed,
    /// shingle size, number of permutations or signature version.
    pub fn insert_signature(
        &mut self,
        id: Id,
        signature: Signature,
    ) -> Result<Inserted<Id>, DedupError> {
        self.deduper.check_signature(&signature)?;
        Ok(self.insert_values(id, signature.values))
    }

    fn insert_values(&mut self, id: Id, values: Vec<u32>) -> Inserted<Id> {
        let c = self.deduper.config();
        let (bands, rows) = (c.bands, c.rows);
        let min_equal = self.deduper.min_equal();
        let me = self.ids.len() as u32;
        self.uf.push();
        let mut roots_before = Vec::new();
        if !values.is_empty() {
            let hashes: Vec<u64> = (0..bands).map(|b| band_hash(&values, b, rows)).collect();
            let mut candidates: Vec<u32> = hashes
                .iter()
                .zip(&self.tables)
                .filter_map(|(h, t)| t.get(h))
                .flatten()
                .copied()
                .collect();
            candidates.sort_unstable();
            candidates.dedup();
            for cand in candidates {
                let root = self.uf.find(cand);
                if root != self.uf.find(me)
                    && similar(&self.sigs[cand as usize], &values, min_equal)
                {
                    roots_before.push(root);
                    self.uf.union(cand, me);
                }
            }
            for (h, t) in hashes.into_iter().zip(&mut self.tables) {
                t.entry(h).or_default().push(me);
            }
        }
        self.ids.push(id);
        self.sigs.push(values);
        let root = self.uf.find(me);
        if root == me {
            return Inserted {
                canonical: None,
                absorbed: Vec::new(),
            };
        }
        roots_before.sort_unstable();
        roots_before.dedup();
        Inserted {
            canonical: Some(self.ids[root as usize].clone()),
            absorbed: roots_before
                .into_iter()
                .filter(|&r| r != root)
                .map(|r| self.ids[r as usize].clone())
                .collect(),
        }
    }

    /// The id of the canonical member of the group of the `index`-th inserted text.
    pub fn canonical_of(&mut self, index: usize) -> Option<&Id> {
        if index >= self.ids.len() {
            return None;
        }
        let root = self.uf.find(index as u32);
        self.ids.get(root as usize)
    }

    /// The id of the `index`-th inserted text.
    pub fn id(&self, index: usize) -> Option<&Id> {
        self.ids.get(index)
    }

    /// The groups so far, over insertion positions.
    pub fn groups(&mut self) -> Groups {
        Groups::from_roots(&self.uf.roots())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn union_find_keeps_the_smallest_root() {
        let mut uf = UnionFind::with_len(6);
        uf.union(4, 5);
        uf.union(5, 2);
        uf.union(1, 0);
        assert_eq!(uf.roots(), [0, 0, 2, 3, 2, 2]);
        uf.union(3, 4);
        uf.union(4, 1);
        assert_eq!(uf.roots(), [0; 6]);
    }

    #[test]
    fn band_hashes_differ_by_band_and_content() {
        let v = [1u32, 2, 3, 4];
        assert_ne!(band_hash(&v, 0, 2), band_hash(&v, 1, 2));
        assert_ne!(band_hash(&v, 0, 2), band_hash(&[1, 3, 3, 4], 0, 2));
        assert_eq!(band_hash(&v, 1, 2), band_hash(&[9, 9, 3, 4], 1, 2));
    }
}
