//! Text analysis: Unicode normalisation, French elisions, tokenisation, stopwords, language and
//! stemming, composed by the [`Analyzer`].

pub mod analyzer;
pub mod language;
pub mod normalize;
pub mod passages;
pub(crate) mod probe;
pub mod stem;
pub mod stopwords;
pub mod strtable;
pub mod tokenize;

pub use analyzer::{
    analysed_prefix, ngram_range_text, parse_ngram_range, Analyzed, Analyzer, AnalyzerConfig,
    AnalyzerError, Interner, TermMap, TokenCache, MAX_ANALYSED_BYTES, OOV,
};
pub use language::{detect_any, Language, ALL_LANGUAGES};
pub use tokenize::MAX_TOKEN_BYTES;
