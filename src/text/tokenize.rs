//! Unicode word tokenisation (UAX #29) with French elisions split off.

use super::normalize::fold_case_into;
use std::borrow::Cow;
use unicode_segmentation::UnicodeSegmentation;

/// French elided particles, split off the word they are attached to (`l'état` → `état`).
pub const ELISIONS: [&str; 13] = [
    "c", "d", "j", "l", "m", "n", "s", "t", "qu", "jusqu", "lorsqu", "puisqu", "quoiqu",
];

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

/// Call `f` with each lowercase token of `text`, in order, with elided particles removed and
/// tokens shorter than `min_chars` characters dropped.
///
/// `text` should already be NFC-normalised. `buf` is scratch space reused between calls.
pub fn for_each_token(text: &str, min_chars: usize, buf: &mut String, mut f: impl FnMut(&str)) {
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
            if long_enough && !token.is_empty() {
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

    #[test]
    fn handles_empty_and_punctuation_only_text() {
        assert!(tokens("", 2).is_empty());
        assert!(tokens("... !!! ---", 2).is_empty());
    }
}
