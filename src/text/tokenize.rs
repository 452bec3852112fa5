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
            if long_enough && !token.is_empty() {
                f(token);
            }
        }
    }
}

const ALPHA: u8 = 1;
const DIGIT: u8 = 2;
const UNDERSCORE: u8 = 4;
/// Joins digits (`1,000`, `3.14`).
const MID_NUM: u8 = 8;
/// Joins letters (`e.g`, `don't`, `http:`).
const MID_LETTER: u8 = 16;

const fn byte_classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if c.is_ascii_alphabetic() {
            ALPHA
        } else if c.is_ascii_digit() {
            DIGIT
        } else {
            match c {
                b'_' => UNDERSCORE,
                b',' | b';' => MID_NUM,
                b':' => MID_LETTER,
                b'.' | b'\'' => MID_NUM | MID_LETTER,
                _ => 0,
            }
        };
        b += 1;
    }
    t
}

static CLASS: [u8; 256] = byte_classes();

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `x` (8 bytes of lowercased ASCII) that is a word byte:
/// `a-z`, `0-9` or `_`. Bytes stay below 0x80 when shifted, so no carry crosses bytes.
fn word_bytes(x: u64) -> u64 {
    let in_range = |lo: u8, hi: u8| {
        let at_least_lo = x.wrapping_add(ONES * u64::from(0x80 - lo));
        let above_hi = x.wrapping_add(ONES * u64::from(0x7f - hi));
        at_least_lo & !above_hi & HIGH
    };
    in_range(b'a', b'z') | in_range(b'0', b'9') | in_range(b'_', b'_')
}

/// The first index from `i` (below `end`, or `end` and beyond if none) whose byte is a word
/// byte (`word`) or is not one (`!word`), 8 bytes at a time: words vary in length, and a
/// byte-by-byte loop mispredicts the end of nearly every one. `b` has 8 bytes of padding.
fn find(b: &[u8], mut i: usize, end: usize, word: bool) -> usize {
    while i < end {
        let x = u64::from_le_bytes(b[i..i + 8].try_into().expect("padded"));
        let w = word_bytes(x);
        let hits = if word { w } else { !w & HIGH };
        if hits != 0 {
            return i + hits.trailing_zeros() as usize / 8;
        }
        i += 8;
    }
    i
}

/// The ASCII path: the same words as `unicode_words` (whose own ASCII path is the rules of
/// UAX #29 restricted to ASCII: runs of letters, digits and `_`, joined by `. , ; '` between
/// digits and by `' . :` between letters), scanned once over a lowercased copy of the text
/// instead of being segmented, filtered and folded word by word.
fn for_each_ascii_token(text: &str, min_chars: usize, buf: &mut String, mut f: impl FnMut(&str)) {
    debug_assert!(text.is_ascii());
    buf.clear();
    buf.push_str(text);
    buf.make_ascii_lowercase();
    let n = buf.len();
    // NUL padding: whole-word loads stay in bounds, and NUL ends a word as the text's end does.
    buf.push_str("\0\0\0\0\0\0\0\0");
    let s = buf.as_str();
    let b = s.as_bytes();
    let class = |i: usize| CLASS[usize::from(b[i])];
    let mut i = 0;
    loop {
        i = find(b, i, n, true);
        if i >= n {
            break;
        }
        let start = i;
        let mut quote = None;
        loop {
            i = find(b, i + 1, n, false);
            // A joiner continues the word between two digits or two letters.
            let (c, around) = (class(i), class(i - 1) & class(i + 1));
            if !(c & MID_NUM != 0 && around & DIGIT != 0
                || c & MID_LETTER != 0 && around & ALPHA != 0)
            {
                break;
            }
            if b[i] == b'\'' && quote.is_none() {
                quote = Some(i);
            }
        }
        // Only a run of underscores has no letter or digit.
        let alnum = |j: usize| class(j) & (ALPHA | DIGIT) != 0;
        if !alnum(start) && !(start..i).any(alnum) {
            continue;
        }
        let mut token = &s[start..i];
        if let Some(q) = quote {
            if ELISIONS.contains(&&s[start..q]) {
                token = &s[q + 1..i];
            }
        }
        if token.len() >= min_chars && !token.is_empty() {
            f(token);
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
