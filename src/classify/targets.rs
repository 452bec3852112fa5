//! Label targets as label ids: one per document (single-label) or a set (multi-label).

/// The labels of a training set, as sorted label ids per document.
#[derive(Debug, Clone, PartialEq)]
pub struct Targets {
    sets: Vec<Vec<u32>>,
    n_labels: usize,
    multilabel: bool,
}

impl Targets {
    /// Single-label targets.
    pub fn single(labels: Vec<u32>, n_labels: usize) -> Self {
        Targets {
            sets: labels.into_iter().map(|l| vec![l]).collect(),
            n_labels,
            multilabel: false,
        }
    }

    /// Multi-label targets (sets may be empty).
    pub fn multi(mut sets: Vec<Vec<u32>>, n_labels: usize) -> Self {
        for s in &mut sets {
            s.sort_unstable();
            s.dedup();
        }
        Targets {
            sets,
            n_labels,
            multilabel: true,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.sets.len()
    }

    /// Whether there are no documents.
    pub fn is_empty(&self) -> bool {
        self.sets.is_empty()
    }

    /// Number of labels.
    pub fn n_labels(&self) -> usize {
        self.n_labels
    }

    /// Whether the targets are label sets.
    pub fn is_multilabel(&self) -> bool {
        self.multilabel
    }

    /// Label ids of document `i`.
    pub fn labels_of(&self, i: usize) -> &[u32] {
        &self.sets[i]
    }

    /// Whether document `i` has label `c`.
    pub fn has(&self, i: usize, c: usize) -> bool {
        self.sets[i].binary_search(&(c as u32)).is_ok()
    }

    /// Binary targets of label `c`.
    pub fn binary(&self, c: usize) -> Vec<bool> {
        (0..self.len()).map(|i| self.has(i, c)).collect()
    }

    /// Documents per label.
    pub fn label_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.n_labels];
        for s in &self.sets {
            for &l in s {
                counts[l as usize] += 1;
            }
        }
        counts
    }

    /// Whether some document has no label.
    pub fn has_empty_sets(&self) -> bool {
        self.sets.iter().any(Vec::is_empty)
    }

    /// The targets of the given documents.
    pub fn select(&self, rows: &[usize]) -> Targets {
        Targets {
            sets: rows.iter().map(|&i| self.sets[i].clone()).collect(),
            n_labels: self.n_labels,
            multilabel: self.multilabel,
        }
    }
}
