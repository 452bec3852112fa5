//! A compressed sparse row matrix of `f32`, the shape TF-IDF features travel in.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// Compressed sparse row matrix: row `i` holds `indices[indptr[i]..indptr[i+1]]` (sorted
/// column ids) with the matching `data`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CsrMatrix {
    n_cols: usize,
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<f32>,
}

/// A borrowed sparse row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RowView<'a> {
    /// Sorted column ids.
    pub indices: &'a [u32],
    /// Values, one per column id.
    pub data: &'a [f32],
}

impl RowView<'_> {
    /// Dot product with a dense vector.
    pub fn dot(&self, dense: &[f32]) -> f64 {
        self.indices
            .iter()
            .zip(self.data)
            .map(|(&j, &v)| f64::from(v) * f64::from(dense[j as usize]))
            .sum()
    }

    /// Dot product with a dense `f64` vector.
    pub fn dot_f64(&self, dense: &[f64]) -> f64 {
        self.indices
            .iter()
            .zip(self.data)
            .map(|(&j, &v)| f64::from(v) * dense[j as usize])
            .sum()
    }

    /// Squared L2 norm.
    pub fn norm_sq(&self) -> f64 {
        self.data.iter().map(|&v| f64::from(v) * f64::from(v)).sum()
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }
}

impl CsrMatrix {
    /// An empty matrix with `n_cols` columns and no rows.
    pub fn new(n_cols: usize) -> Self {
        CsrMatrix {
            n_cols,
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
        }
    }

    /// Remove every row, keeping the allocations (and set the number of columns).
    pub fn clear(&mut self, n_cols: usize) {
        self.n_cols = n_cols;
        self.indptr.clear();
        self.indptr.push(0);
        self.indices.clear();
        self.data.clear();
    }

    /// Append a row given as sorted, distinct column ids and values.
    ///
    /// # Panics
    /// If the lengths differ or a column id is out of range (a programming error).
    pub fn push_row(&mut self, indices: &[u32], data: &[f32]) {
        assert_eq!(indices.len(), data.len());
        debug_assert!(indices.windows(2).all(|w| w[0] < w[1]));
        assert!(indices.last().is_none_or(|&j| (j as usize) < self.n_cols));
        self.indices.extend_from_slice(indices);
        self.data.extend_from_slice(data);
        self.indptr.push(self.indices.len());
    }

    /// Append all rows of `other` (same number of columns).
    pub fn append(&mut self, other: &CsrMatrix) {
        assert_eq!(self.n_cols, other.n_cols);
        let base = self.indices.len();
        self.indices.extend_from_slice(&other.indices);
        self.data.extend_from_slice(&other.data);
        self.indptr
            .extend(other.indptr[1..].iter().map(|&p| p + base));
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }

    /// Number of stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> RowView<'_> {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        RowView {
            indices: &self.indices[a..b],
            data: &self.data[a..b],
        }
    }

    /// Iterate over rows.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = RowView<'_>> + '_ {
        (0..self.n_rows()).map(move |i| self.row(i))
    }

    /// A new matrix made of the given rows, in the given order.
    pub fn select_rows(&self, rows: &[usize]) -> CsrMatrix {
        let mut out = CsrMatrix::new(self.n_cols);
        for &i in rows {
            let r = self.row(i);
            out.push_row(r.indices, r.data);
        }
        out
    }

    /// The transpose (`n_cols × n_rows`), rows sorted, in O(nnz).
    pub fn transpose(&self) -> CsrMatrix {
        let mut counts = vec![0usize; self.n_cols + 1];
        for &j in &self.indices {
            counts[j as usize + 1] += 1;
        }
        for c in 1..counts.len() {
            counts[c] += counts[c - 1];
        }
        let indptr = counts.clone();
        let mut next = counts;
        let mut indices = vec![0u32; self.nnz()];
        let mut data = vec![0f32; self.nnz()];
        for i in 0..self.n_rows() {
            let r = self.row(i);
            for (&j, &v) in r.indices.iter().zip(r.data) {
                let p = next[j as usize];
                indices[p] = i as u32;
                data[p] = v;
                next[j as usize] += 1;
            }
        }
        CsrMatrix {
            n_cols: self.n_rows(),
            indptr,
            indices,
            data,
        }
    }

    /// Dense copy (for linfa models on small matrices).
    pub fn to_dense(&self) -> Array2<f32> {
        let mut out = Array2::zeros((self.n_rows(), self.n_cols));
        for (i, r) in self.rows().enumerate() {
            for (&j, &v) in r.indices.iter().zip(r.data) {
                out[[i, j as usize]] = v;
            }
        }
        out
    }

    /// Heap held in bytes (the buffers' capacities: a cleared matrix keeps them).
    pub fn heap_bytes(&self) -> usize {
        self.indptr.capacity() * std::mem::size_of::<usize>()
            + self.indices.capacity() * std::mem::size_of::<u32>()
            + self.data.capacity() * std::mem::size_of::<f32>()
    }
}

/// So that our sparse estimators can take part in linfa's `Fit` / `Predict` vocabulary.
impl linfa::dataset::Records for CsrMatrix {
    type Elem = f32;
    fn nsamples(&self) -> usize {
        self.n_rows()
    }
    fn nfeatures(&self) -> usize {
        self.n_cols
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_select_and_densify() {
        let mut m = CsrMatrix::new(4);
        m.push_row(&[0, 3], &[1.0, 2.0]);
        m.push_row(&[], &[]);
        m.push_row(&[1], &[5.0]);
        assert_eq!(m.n_rows(), 3);
        assert_eq!(m.nnz(), 3);
        let s = m.select_rows(&[2, 0]);
        assert_eq!(s.row(0).indices, &[1]);
        assert_eq!(s.row(1).data, &[1.0, 2.0]);
        let d = m.to_dense();
        assert_eq!(d[[0, 3]], 2.0);
        assert_eq!(d[[1, 0]], 0.0);
        assert_eq!(m.row(0).dot(&[1.0, 0.0, 0.0, 0.5]), 2.0);
        let t = m.transpose();
        assert_eq!((t.n_rows(), t.n_cols()), (4, 3));
        assert_eq!(t.to_dense(), m.to_dense().t());
        assert_eq!(t.transpose(), m);
        let mut a = m.clone();
        a.append(&s);
        assert_eq!(a.n_rows(), 5);
        assert_eq!(a.row(4), s.row(1));
    }
}
