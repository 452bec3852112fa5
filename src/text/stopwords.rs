//! Stopword lists. French and English ship with veille (the Snowball lists, see
//! `data/stopwords/README.md`, each with a short list of fillers written for the project:
//! numbers, modal and reporting verbs, connectives that came up among the words explaining
//! decisions on French and English corpora); a model stores the lists it was trained with.

use super::Language;
use rustc_hash::FxHashSet;

const ENGLISH: [&str; 2] = [
    include_str!("../../data/stopwords/en.txt"),
    include_str!("../../data/stopwords/en.filler.txt"),
];
const FRENCH: [&str; 2] = [
    include_str!("../../data/stopwords/fr.txt"),
    include_str!("../../data/stopwords/fr.filler.txt"),
];

/// The built-in stopword list of a language, if veille ships one.
pub fn builtin(language: Language) -> Option<Vec<String>> {
    let text = match language {
        Language::English => ENGLISH,
        Language::French => FRENCH,
        _ => return None,
    };
    let mut words: Vec<String> = text
        .iter()
        .flat_map(|t| t.lines())
        .map(str::trim)
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut folded = String::new();
            super::normalize::fold_case_into(w, &mut folded);
            folded
        })
        .collect();
    words.sort();
    words.dedup();
    Some(words)
}

/// A set of stopwords for fast membership tests on lowercase tokens.
#[derive(Debug, Clone, Default)]
pub struct StopWords {
    words: FxHashSet<Box<str>>,
}

impl StopWords {
    /// Build a set from a list of lowercase words.
    pub fn new<S: AsRef<str>>(words: &[S]) -> Self {
        StopWords {
            words: words.iter().map(|w| w.as_ref().into()).collect(),
        }
    }

    /// Whether `token` (lowercase) is a stopword.
    pub fn contains(&self, token: &str) -> bool {
        self.words.contains(token)
    }

    /// Number of words in the set.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_hold_common_words() {
        let en = StopWords::new(&builtin(Language::English).unwrap());
        let fr = StopWords::new(&builtin(Language::French).unwrap());
        for w in ["the", "and", "of", "is"] {
            assert!(en.contains(w), "{w}");
        }
        for w in [
            "le", "la", "les", "et", "sont", "des", "deux", "entre", "pays",
        ] {
            assert!(fr.contains(w), "{w}");
        }
        assert!(en.contains("will") && en.contains("two"));
        assert!(!en.contains("sovereignty"));
        assert!(builtin(Language::German).is_none());
    }
}
