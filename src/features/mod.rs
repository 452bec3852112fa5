//! Features: the sparse CSR matrix and the TF-IDF vectorizer.

pub mod csr;
pub mod lsa;
pub mod tfidf;

pub use csr::{CsrMatrix, RowView};
pub use tfidf::{
    set_vocab_memory, vocab_memory, DfBound, Scratch, TfidfConfig, TfidfError, Vectorizer,
    VocabPruning,
};
