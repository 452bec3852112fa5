//! The tokeniser's ASCII path (most English text): one scan over a lowercased copy of the
//! text instead of UAX #29 segmentation and case folding word by word, with the same tokens
//! (checked against the general path by property tests in the parent module).

use super::{ELISIONS, MAX_TOKEN_BYTES};

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

/// Call `f` with each token of ASCII `text`, as `for_each_token` does. The words are those of
/// `unicode_words`, whose own ASCII path applies the rules of UAX #29 restricted to ASCII:
/// runs of letters, digits and `_`, joined by `. , ; '` between digits and by `' . :` between
/// letters.
pub(super) fn for_each_ascii_token(
    text: &str,
    min_chars: usize,
    buf: &mut String,
    mut f: impl FnMut(&str),
) {
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
        if token.len() >= min_chars && !token.is_empty() && token.len() <= MAX_TOKEN_BYTES {
            f(token);
        }
    }
}
