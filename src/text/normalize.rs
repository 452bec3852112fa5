//! Unicode normalisation and case folding.

use std::borrow::Cow;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// NFC-normalise `text`, borrowing it when it is already NFC (always the case for ASCII).
pub fn nfc(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || is_nfc_quick(text.chars()) == IsNormalized::Yes {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

/// Append the lowercase form of `word` to `buf`, with an ASCII fast path.
///
/// The typographic apostrophe `’` is folded to `'` so that both spellings give one token.
/// Lowercasing can undo NFC (`T` + U+0308 has no precomposed form, `ẗ` has), so non-ASCII
/// results are composed again when needed.
pub fn fold_case_into(word: &str, buf: &mut String) {
    if word.is_ascii() {
        buf.extend(word.bytes().map(|b| b.to_ascii_lowercase() as char));
        return;
    }
    let start = buf.len();
    for c in word.chars() {
        if c == '\u{2019}' {
            buf.push('\'');
        } else {
            buf.extend(c.to_lowercase());
        }
    }
    if is_nfc_quick(buf[start..].chars()) != IsNormalized::Yes {
        let composed: String = buf[start..].nfc().collect();
        buf.truncate(start);
        buf.push_str(&composed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfc_composes_decomposed_accents() {
        let decomposed = "e\u{301}te\u{301}";
        assert_eq!(nfc(decomposed), "été");
        assert!(matches!(nfc("plain ascii"), Cow::Borrowed(_)));
        assert!(matches!(nfc("déjà composé"), Cow::Borrowed(_)));
    }

    #[test]
    fn folds_case_and_apostrophes() {
        let mut buf = String::new();
        fold_case_into("L’ÉTAT", &mut buf);
        assert_eq!(buf, "l'état");
        buf.clear();
        fold_case_into("Cyber", &mut buf);
        assert_eq!(buf, "cyber");
    }
}
