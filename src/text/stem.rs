//! Stemming behind a small trait, so that the stemmer's identity can be stored in a model and
//! checked when it is loaded: a stemmer change invalidates a vocabulary.

use super::Language;
use std::borrow::Cow;

/// Identity of the stemming library compiled into this build, stored in every model header.
pub const STEMMER_ID: &str = "rust-stemmers 1.2.0 (Snowball)";

/// Reduces a lowercase word to its stem.
pub trait Stem: Send + Sync {
    /// The stem of `word`.
    fn stem<'a>(&self, word: &'a str) -> Cow<'a, str>;
}

/// The Snowball stemmer of one language, from `rust-stemmers`.
pub struct SnowballStemmer {
    inner: rust_stemmers::Stemmer,
}

impl SnowballStemmer {
    /// The stemmer for `language`.
    pub fn new(language: Language) -> Self {
        SnowballStemmer {
            inner: rust_stemmers::Stemmer::create(language.algorithm()),
        }
    }
}

impl Stem for SnowballStemmer {
    fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        self.inner.stem(word)
    }
}

/// A stemmer that keeps words as they are (stemming switched off).
pub struct NoStemmer;

impl Stem for NoStemmer {
    fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        Cow::Borrowed(word)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_french_and_english() {
        let fr = SnowballStemmer::new(Language::French);
        let en = SnowballStemmer::new(Language::English);
        assert_eq!(fr.stem("souveraineté"), fr.stem("souverainetés"));
        assert_eq!(en.stem("sanctions"), en.stem("sanction"));
        assert_eq!(NoStemmer.stem("sanctions"), "sanctions");
    }
}
