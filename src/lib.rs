//! veille: topic classification and clustering of French and English news articles.
pub mod features;
pub mod text;
