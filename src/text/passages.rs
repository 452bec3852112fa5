//! Cutting an article into passages, the units an article is scored by besides its whole.
//!
//! The rule, on the raw text (so that offsets are exact and nothing is analysed twice):
//! 1. paragraphs are the blocks between blank lines when the text has any (a single line
//!    break is then a wrapped line, as in e-mail), else its lines (scraped pages often put
//!    one paragraph a line);
//! 2. a paragraph longer than [`MAX_WORDS`] is cut at sentence ends into windows of about
//!    [`WINDOW_WORDS`] words (a sentence longer than a window is a window of its own, cut at
//!    word boundaries when it exceeds [`MAX_WORDS`]);
//! 3. a piece shorter than [`MIN_WORDS`] is merged with the next one (the last with the one
//!    before), so that headlines, bylines and "Read more" lines never stand alone.
//!
//! Words are whitespace-separated runs here: a cheap, language-free count.

use std::ops::Range;

/// Pieces shorter than this many words are merged with a neighbour.
pub const MIN_WORDS: usize = 30;
/// Paragraphs longer than this many words are cut into windows.
pub const MAX_WORDS: usize = 150;
/// The length windows of a long paragraph aim at.
pub const WINDOW_WORDS: usize = 90;

/// The passages of `text` as byte ranges, in order, covering every word of the text.
/// A text with fewer than two passages' worth of words gives one passage (or none when it
/// has no word).
pub fn passages(text: &str) -> Vec<Range<usize>> {
    let mut pieces: Vec<(Range<usize>, usize)> = Vec::new();
    let blocks = has_blank_line(text);
    // The paragraph being gathered: its span and words.
    let mut open: Option<(Range<usize>, usize)> = None;
    let close = |para: Option<(Range<usize>, usize)>, pieces: &mut Vec<_>| {
        if let Some((span, n)) = para {
            if n <= MAX_WORDS {
                pieces.push((span, n));
            } else {
                windows(text, &word_spans(text, span), pieces);
            }
        }
    };
    for_each_line(text, |line| match line {
        None => close(open.take(), &mut pieces),
        Some((span, n)) => match open.as_mut() {
            Some((o, m)) if blocks => {
                o.end = span.end;
                *m += n;
            }
            _ => {
                close(open.take(), &mut pieces);
                open = Some((span, n));
            }
        },
    });
    close(open.take(), &mut pieces);
    merge_small(pieces)
}

/// Whether `text` has a line with nothing but whitespace between two lines.
fn has_blank_line(text: &str) -> bool {
    let b = text.as_bytes();
    let mut i = 0;
    while let Some(p) = b[i..].iter().position(|&c| c == b'\n') {
        let mut j = i + p + 1;
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'\r') {
            j += 1;
        }
        if j < b.len() && b[j] == b'\n' {
            return true;
        }
        i = i + p + 1;
    }
    false
}

/// What a byte says in the word scan. Words are runs of characters that are not
/// `char::is_whitespace`; the scan runs on every article classified, so it looks at bytes
/// and decodes a character only where a multi-byte whitespace character can start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    /// Part of a word (every non-whitespace ASCII byte, every UTF-8 continuation byte and
    /// the lead bytes of characters that are never whitespace).
    Word,
    /// ASCII whitespace other than a line feed.
    Space,
    /// A line feed: ends a line.
    Newline,
    /// Lead byte of a character that may be whitespace (U+0085, U+00A0: 0xC2; U+1680: 0xE1;
    /// U+2000–U+205F: 0xE2; U+3000: 0xE3): decode it.
    Decode,
}

static CLASS: [Class; 256] = {
    let mut t = [Class::Word; 256];
    // char::is_whitespace in ASCII: U+0009–U+000D and the space.
    t[0x09] = Class::Space;
    t[0x0a] = Class::Newline;
    t[0x0b] = Class::Space;
    t[0x0c] = Class::Space;
    t[0x0d] = Class::Space;
    t[0x20] = Class::Space;
    t[0xc2] = Class::Decode;
    t[0xe1] = Class::Decode;
    t[0xe2] = Class::Decode;
    t[0xe3] = Class::Decode;
    t
};

/// Whether the byte at `i` starts whitespace, and the bytes to step over.
#[inline]
fn space_at(text: &str, i: usize) -> (bool, usize) {
    match CLASS[usize::from(text.as_bytes()[i])] {
        Class::Word => (false, 1),
        Class::Space | Class::Newline => (true, 1),
        Class::Decode => {
            let c = text[i..].chars().next().unwrap_or(' ');
            (c.is_whitespace(), c.len_utf8())
        }
    }
}

/// Calls `f` for each whitespace-separated word of `text[range]` (which starts and ends at
/// character boundaries), in order, until it returns `false`: a byte-class lookup per byte
/// and a tight loop over each word's bytes. The words are those of `str::split_whitespace`.
#[inline]
pub(crate) fn scan(text: &str, range: Range<usize>, mut f: impl FnMut(Range<usize>) -> bool) {
    let bytes = text.as_bytes();
    let end = range.end;
    let mut i = range.start;
    loop {
        // Whitespace up to the next word.
        while i < end {
            match space_at(text, i) {
                (true, step) => i += step,
                (false, _) => break,
            }
        }
        if i >= end {
            return;
        }
        let start = i;
        i += 1;
        while i < end {
            match CLASS[usize::from(bytes[i])] {
                Class::Word => i += 1,
                Class::Decode => match space_at(text, i) {
                    (false, step) => i += step,
                    (true, _) => break,
                },
                _ => break,
            }
        }
        if !f(start..i) {
            return;
        }
    }
}

/// Bytes 0x01 repeated in a word: the constant of the eight-bytes-at-once tests.
const ONES: u64 = u64::from_ne_bytes([1; 8]);
/// The top bit of every byte: where those tests put their answers.
const HIGH: u64 = ONES << 7;

/// The top bit of each byte of `x` that is zero (exact for every byte value).
#[inline]
fn zero_bytes(x: u64) -> u64 {
    !(((x & !HIGH) + !HIGH) | x) & HIGH
}

/// The top bit of each byte of `x` that equals `c`.
#[inline]
fn bytes_equal(x: u64, c: u8) -> u64 {
    zero_bytes(x ^ (ONES * u64::from(c)))
}

/// The top bit of each byte of `x` that is at least `c` (`c` ≤ 0x80), reading only each
/// byte's low seven bits.
#[inline]
fn low_bytes_at_least(x: u64, c: u8) -> u64 {
    // Every byte of `x | HIGH` is at least 0x80 ≥ c: no borrow crosses a byte.
    (((x & !HIGH) | HIGH) - ONES * u64::from(c)) & HIGH
}

/// A line being counted by [`for_each_line`].
struct LineCount {
    /// Words so far.
    n: usize,
    /// Start of its first word and end of its last.
    first: usize,
    last_end: usize,
    /// Whether the byte before the scan position is part of a word.
    in_word: bool,
}

impl LineCount {
    /// A word byte (or character) at `at..end`.
    #[inline]
    fn word(&mut self, at: usize, end: usize) {
        if !self.in_word {
            if self.n == 0 {
                self.first = at;
            }
            self.n += 1;
            self.in_word = true;
        }
        self.last_end = end;
    }

    /// Word bytes of a block at `at`: `w` has the top bit of each, `starts` of each that
    /// starts a word.
    #[inline]
    fn block(&mut self, at: usize, w: u64, starts: u64) {
        if starts != 0 {
            if self.n == 0 {
                self.first = at + (starts.trailing_zeros() / 8) as usize;
            }
            // One bit per byte: a multiply sums the bytes into the top one (`count_ones`
            // is a dozen instructions on a CPU baseline without POPCNT).
            self.n += (((starts >> 7).wrapping_mul(ONES)) >> 56) as usize;
        }
        if w != 0 {
            self.last_end = at + (63 - w.leading_zeros()) as usize / 8 + 1;
        }
    }

    /// The line ends: what [`for_each_line`] reports for it.
    fn close(&mut self) -> Option<(Range<usize>, usize)> {
        let line = (self.n > 0).then_some((self.first..self.last_end, self.n));
        self.n = 0;
        self.in_word = false;
        line
    }
}

/// Calls `f` for each line of `text` (split at line feeds) with the span from its first
/// word's start to its last word's end and its number of words, or `None` for a line
/// without a word (the last line only when it has a word). Nothing collected.
///
/// Eight bytes at a time: whitespace, line feeds and word starts of a block come from
/// whole-word bit tests, one pass over the text (the word scan of [`scan`] costs a lookup
/// per byte, and this runs on every article classified). A block holding the lead byte of a
/// character that may be whitespace (see [`Class::Decode`]) is read one character at a time.
fn for_each_line(text: &str, mut f: impl FnMut(Option<(Range<usize>, usize)>)) {
    let bytes = text.as_bytes();
    let mut line = LineCount {
        n: 0,
        first: 0,
        last_end: 0,
        in_word: false,
    };
    let mut i = 0;
    while i < bytes.len() {
        if let Some(block) = bytes.get(i..i + 8) {
            let x = u64::from_le_bytes(block.try_into().expect("8 bytes"));
            let high = x & HIGH;
            let decode = high != 0
                && (bytes_equal(x, 0xc2)
                    | bytes_equal(x, 0xe1)
                    | bytes_equal(x, 0xe2)
                    | bytes_equal(x, 0xe3))
                    != 0;
            if !decode {
                // ASCII whitespace: the space and U+0009–U+000D (bytes of 0x80 and more are
                // word bytes here).
                let space = (bytes_equal(x, b' ')
                    | (low_bytes_at_least(x, 0x09) & !low_bytes_at_least(x, 0x0e)))
                    & !high;
                let w = !space & HIGH;
                // A word starts where a word byte follows a non-word byte (a line feed is
                // one, so the lines of a block need no carry of their own).
                let starts = w & !((w << 8) | u64::from(line.in_word) << 7);
                let mut newlines = bytes_equal(x, b'\n');
                // The bytes of the block not yet counted.
                let mut rest = !0u64;
                while newlines != 0 {
                    let below = (newlines & newlines.wrapping_neg()) - 1;
                    line.block(i, w & rest & below, starts & rest & below);
                    f(line.close());
                    // `below` and the line feed's own top bit.
                    rest &= !(below << 1 | 1);
                    newlines &= newlines - 1;
                }
                line.block(i, w & rest, starts & rest);
                line.in_word = w >> 63 != 0;
                i += 8;
                continue;
            }
        }
        // One character, as `space_at` classes it.
        let (space, step) = space_at(text, i);
        if bytes[i] == b'\n' {
            f(line.close());
        } else if space {
            line.in_word = false;
        } else {
            line.word(i, i + step);
        }
        i += step;
    }
    if line.n > 0 {
        f(line.close());
    }
}

/// Byte ranges of the whitespace-separated words in `text[range]`.
fn word_spans(text: &str, range: Range<usize>) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    scan(text, range, |w| {
        out.push(w);
        true
    });
    out
}

/// Whether a word ends a sentence (., !, ? or …, possibly followed by closing quotes or
/// brackets).
fn ends_sentence(word: &str) -> bool {
    let w = word.trim_end_matches(['"', '\'', '»', '”', '’', ')', ']']);
    w.ends_with(['.', '!', '?', '…']) && w.chars().count() > 1
}

/// Cut one long paragraph (its words) into windows at sentence ends.
fn windows(text: &str, words: &[Range<usize>], out: &mut Vec<(Range<usize>, usize)>) {
    let n = words.len();
    let n_windows = n.div_ceil(WINDOW_WORDS);
    let target = n.div_ceil(n_windows);
    let mut first = 0;
    while first < n {
        let mut last = (first + target).min(n);
        if last < n {
            // The sentence end nearest to the target, within half a window either way.
            let lo = (first + target / 2).max(first + 1);
            let hi = (first + target + target / 2).min(n);
            if let Some(e) = (lo..hi)
                .filter(|&e| ends_sentence(&text[words[e - 1].clone()]))
                .min_by_key(|&e| e.abs_diff(first + target))
            {
                last = e;
            }
        }
        if n - last < MIN_WORDS {
            last = n;
        }
        out.push((words[first].start..words[last - 1].end, last - first));
        first = last;
    }
}

fn merge_small(pieces: Vec<(Range<usize>, usize)>) -> Vec<Range<usize>> {
    let mut out: Vec<(Range<usize>, usize)> = Vec::with_capacity(pieces.len());
    let mut pending: Option<(Range<usize>, usize)> = None;
    for (r, w) in pieces {
        let (r, w) = match pending.take() {
            Some((p, pw)) => (p.start..r.end, pw + w),
            None => (r, w),
        };
        if w < MIN_WORDS {
            pending = Some((r, w));
        } else {
            out.push((r, w));
        }
    }
    if let Some((r, w)) = pending {
        match out.last_mut() {
            Some(last) => {
                last.0.end = r.end;
                last.1 += w;
            }
            None => out.push((r, w)),
        }
    }
    out.into_iter().map(|(r, _)| r).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(n: usize, tag: &str) -> String {
        (0..n)
            .map(|i| format!("{tag}{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn paragraphs_are_passages_and_small_lines_merge_forward() {
        let text = format!(
            "Headline here\n\n{}\n\n{}\nRead more: something else",
            words(40, "a"),
            words(50, "b")
        );
        let p = passages(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(text[p[0].clone()].starts_with("Headline"));
        assert!(text[p[0].clone()].ends_with("a39"));
        assert!(text[p[1].clone()].ends_with("something else"));
    }

    #[test]
    fn wrapped_lines_of_a_paragraph_stay_together_when_blank_lines_separate_paragraphs() {
        let para = |tag: &str| {
            (0..4)
                .map(|l| words(12, &format!("{tag}{l}x")))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let text = format!("{}\n\n{}", para("a"), para("b"));
        let p = passages(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(text[p[1].clone()].starts_with("b0x0"));
    }

    #[test]
    fn long_paragraphs_are_cut_at_sentence_ends() {
        let mut text = String::new();
        for s in 0..30 {
            text.push_str(&words(11, &format!("s{s}w")));
            text.push_str(". ");
        }
        let p = passages(&text);
        assert_eq!(p.len(), 4, "{p:?}");
        for r in &p {
            let t = &text[r.clone()];
            assert!(t.ends_with('.'), "{t}");
            let n = t.split_whitespace().count();
            assert!((MIN_WORDS..=MAX_WORDS).contains(&n), "{n}");
        }
        let covered: usize = p
            .iter()
            .map(|r| text[r.clone()].split_whitespace().count())
            .sum();
        assert_eq!(covered, 330);
    }

    #[test]
    fn word_counts_agree_with_char_whitespace() {
        for t in [
            "a b\tc\u{a0}d\u{2003}e",
            "  é  ü\u{202f}x ",
            "\u{b}x\u{b}y",
            "日本 語",
        ] {
            let n = t.split_whitespace().count();
            let mut got = 0;
            for_each_line(t, |l| got += l.map_or(0, |(_, n)| n));
            assert_eq!(got, n, "{t:?}");
            let spans = word_spans(t, 0..t.len());
            let want: Vec<&str> = t.split_whitespace().collect();
            let have: Vec<&str> = spans.iter().map(|r| &t[r.clone()]).collect();
            assert_eq!(have, want, "{t:?}");
        }
    }

    /// The line scan as it was first written (split at line feeds, then a char-by-char word
    /// count): the byte scan must agree with it everywhere.
    fn lines_reference(text: &str) -> Vec<Option<(Range<usize>, usize)>> {
        let mut out = Vec::new();
        let mut start = 0;
        for l in text.split_inclusive('\n') {
            let line = &text[start..start + l.trim_end_matches(['\n', '\r']).len()];
            let mut n = 0;
            let (mut first, mut last) = (None, 0);
            for (i, w) in line
                .split_whitespace()
                .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
            {
                n += 1;
                first.get_or_insert(i);
                last = i + w.len();
            }
            out.push(first.map(|f| (f..last, n)));
            start += l.len();
        }
        out
    }

    proptest::proptest! {
        #[test]
        fn the_byte_scan_agrees_with_a_char_by_char_one(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                "a", "mot", "é", "日本", " ", "  ", "\t", "\n", "\r\n", "\n\n", "\u{a0}",
                "\u{85}", "\u{2003}", "\u{202f}", "\u{3000}", "\u{1680}", "\u{b}", "\u{c}",
                "\u{2013}", "\u{e9}t\u{e9}", "\u{2019}", "x.", "Fin!", "«", "»",
            ]), 0..400)
        ) {
            let text: String = parts.concat();
            let mut got = Vec::new();
            for_each_line(&text, |l| got.push(l));
            // Word-less lines at the end close nothing (the paragraph is closed at the end
            // anyway): the scan does not report the last one.
            let mut want = lines_reference(&text);
            while want.last() == Some(&None) {
                want.pop();
            }
            while got.last() == Some(&None) {
                got.pop();
            }
            proptest::prop_assert_eq!(&got, &want);
            let spans: Vec<&str> = word_spans(&text, 0..text.len())
                .iter()
                .map(|r| &text[r.clone()])
                .collect();
            let words: Vec<&str> = text.split_whitespace().collect();
            proptest::prop_assert_eq!(spans, words);
            // Passages cover every word, in order.
            let covered: usize = passages(&text)
                .iter()
                .map(|r| text[r.clone()].split_whitespace().count())
                .sum();
            proptest::prop_assert_eq!(covered, text.split_whitespace().count());
        }
    }

    #[test]
    fn short_and_empty_texts() {
        assert!(passages("").is_empty());
        assert!(passages(" \n\n ").is_empty());
        assert_eq!(passages("text"), vec![0..4]);
        let t = "é ".repeat(400);
        let p = passages(&t);
        assert!(p.len() >= 4);
        assert!(p
            .iter()
            .all(|r| t.is_char_boundary(r.start) && t.is_char_boundary(r.end)));
    }
}
