//! veille: topic classification and clustering of French and English news articles.
pub mod classify;
pub mod corpus;
pub mod eval;
pub mod features;
pub mod model;
pub mod text;
