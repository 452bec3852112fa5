//! Unicode word tokenisation (UAX #29) with French elisions split off.

mod ascii;

use super::normalize::fold_case_into;
use ascii::for_each_ascii_token;
use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;

/// French elided particles, split off the word they are attached to (`l'état` → `état`).
pub const ELISIONS: [&str; 13] = [
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

/// Longest token, in bytes (UTF-8, after case folding and elision), that can become a feature:
/// longer tokens are dropped, at fit and at classify time alike (the same tokenizer runs in
/// both), like tokens shorter than the minimum length.
///
/// Why 64: the longest real words in the corpora under `shared/data` (AG News, 20 Newsgroups,
/// Reuters, Le Monde, The Hacker News, HuffPost, Reddit, SpamAssassin) are under 45 bytes —
/// German and French compounds, glued identifiers such as
/// `restrictdriverinstallationtoadministrators` (42) — and a SHA-256 hex digest, the longest
/// indicator a security article quotes, is exactly 64. What is longer is rule lines
/// (`____…`), base64 and uuencoded blobs, digit runs and keyboard mashing: never evidence, and
/// without a cap a single 1 GB "word" became a 1 GB vocabulary entry. URLs are no concern:
/// they are split at `/`, `?`, `=` and `&` into short words. The cap is a constant, not a
/// setting: a model's features depend on it, so raising it means changing it here and
/// retraining.
pub const MAX_TOKEN_BYTES: usize = 64;

/// Characters mapped before word segmentation. The narrow no-break space that French
/// typography puts before `; : ! ?`, inside « » and between digit groups is a word-joiner
/// for UAX #29 (ExtendNumLet), so it becomes a plain space; the typographic apostrophe
/// becomes `'` so that both spellings segment alike (they differ after Hebrew letters).
fn prepare(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.contains(['\u{202f}', '\u{2019}']) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| match c {
                '\u{202f}' => ' ',
                '\u{2019}' => '\'',
                c => c,
            })
            .collect(),
    )
}

/// Call `f` with each lowercase token of `text`, in order, with elided particles removed,
/// tokens shorter than `min_chars` characters dropped and tokens longer than
/// [`MAX_TOKEN_BYTES`] bytes dropped.
///
/// `text` should already be NFC-normalised. `buf` is scratch space reused between calls.
pub fn for_each_token(text: &str, min_chars: usize, buf: &mut String, f: impl FnMut(&str)) {
    if text.is_ascii() {
        for_each_ascii_token(text, min_chars, buf, f);
    } else {
        for_each_unicode_token(text, min_chars, buf, f);
    }
}

/// The general path: UAX #29 words, case-folded one by one.
fn for_each_unicode_token(text: &str, min_chars: usize, buf: &mut String, mut f: impl FnMut(&str)) {
    let text = prepare(text);
    for word in text.unicode_words() {
        buf.clear();
        fold_case_into(word, buf);
        // A combining mark after a space is attached to the space by UAX #29: never let
        // whitespace into a token.
        for part in buf.split(char::is_whitespace) {
            let mut token = part;
            // UAX #29 keeps "l'état" and "jusqu'au" as one word: split the particle off.
            if let Some(pos) = token.find('\'') {
                if ELISIONS.contains(&&token[..pos]) {
                    token = &token[pos + 1..];
                }
            }
            let long_enough = if token.is_ascii() {
                token.len() >= min_chars
            } else {
                token.chars().nth(min_chars.saturating_sub(1)).is_some()
            };
            if long_enough && !token.is_empty() && token.len() <= MAX_TOKEN_BYTES {
                f(token);
            }
        }
    }
}

/// Tokenise `text` into owned lowercase tokens (convenience for tests and tools; the analyzer
/// uses [`for_each_token`] to avoid an allocation per token).
pub fn tokens(text: &str, min_chars: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = String::new();
    for_each_token(text, min_chars, &mut buf, |t| out.push(t.to_string()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_french_elisions_with_both_apostrophes() {
        assert_eq!(
            tokens("L'État qu’il a créé jusqu'à l’an dernier", 2),
            ["état", "il", "créé", "an", "dernier"]
        );
        assert_eq!(tokens("lorsqu'on puisqu’elle", 2), ["on", "elle"]);
    }

    #[test]
    fn keeps_english_contractions_and_drops_short_tokens() {
        assert_eq!(
            tokens("Don't stop, a US-led I", 2),
            ["don't", "stop", "us", "led"]
        );
        assert_eq!(tokens("a b c", 1), ["a", "b", "c"]);
    }

    #[test]
    fn narrow_no_break_space_separates_words() {
        assert_eq!(
            tokens("«\u{202f}numérique\u{202f}» sanctions\u{202f}!", 2),
            ["numérique", "sanctions"]
        );
        assert_eq!(tokens("le\u{202f}cloud", 2), ["le", "cloud"]);
    }

    fn both_paths(text: &str, min_chars: usize) -> (Vec<String>, Vec<String>) {
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        let mut buf = String::new();
        for_each_ascii_token(text, min_chars, &mut buf, |t| fast.push(t.to_string()));
        for_each_unicode_token(text, min_chars, &mut buf, |t| slow.push(t.to_string()));
        (fast, slow)
    }

    #[test]
    fn ascii_path_matches_unicode_path_on_edge_cases() {
        for text in [
            "e.g. U.S.A. 3.14 1,000,000 1;2 1'000 a:b http://x.org/a_b C++ _ __ _x_ 9am",
            "l'on d'1 qu'il jusqu'au aujourd'hui don't it's 'quoted' l'' x' 'x a.'b a'.b",
            "a.b.c. .a a..b a,b 1.a a.1 1:2 a;b end. 'l'etat' \r\n\t  spaces\u{b}",
        ] {
            for min in 1..=3 {
                let (fast, slow) = both_paths(text, min);
                assert_eq!(fast, slow, "{text:?}");
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn ascii_path_matches_unicode_path(text in "[a-cA-C0-9_.,;:' \r\n\t!-]{0,40}", min in 1usize..4) {
            let (fast, slow) = both_paths(&text, min);
            proptest::prop_assert_eq!(fast, slow);
        }

        #[test]
        fn ascii_path_matches_on_long_words(text in "([a-zA-Z0-9_]{0,30}[ .,'\n]{0,2}){0,12}") {
            let (fast, slow) = both_paths(&text, 2);
            proptest::prop_assert_eq!(fast, slow);
        }

        #[test]
        fn ascii_path_matches_on_any_ascii(text in "[\x00-\x7f]{0,60}") {
            let (fast, slow) = both_paths(&text, 2);
            proptest::prop_assert_eq!(fast, slow);
        }
    }

    #[test]
    fn handles_empty_and_punctuation_only_text() {
        assert!(tokens("", 2).is_empty());
        assert!(tokens("... !!! ---", 2).is_empty());
    }
}
