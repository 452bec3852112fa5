//! The Analyzer: normalise → tokenise → detect language → drop stopwords → stem.
//!
//! Analysis is the hot path of both training and classification, so tokens are interned early:
//! a [`TokenCache`] maps each distinct surface form to an id once, remembers whether it is a
//! stopword in each language, and stems it at most once per language. Documents come out as
//! sequences of term ids, from which the vectorizer builds n-grams without new strings.

use super::normalize::nfc;
use super::stem::{NoStemmer, SnowballStemmer, Stem};
use super::stopwords::{self, StopWords};
use super::strtable::{Key, StrTable};
use super::tokenize::for_each_token;
use super::Language;
use crate::settings::SettingsError;
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Settings of the analyzer, saved in every model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnalyzerConfig {
    /// Languages the model handles; the first is the fallback when detection has no evidence
    /// (fitting puts first the one most training texts are in).
    pub languages: Vec<Language>,
    /// Remove stopwords of the document's language.
    pub stopwords: bool,
    /// Stem tokens with the Snowball stemmer of the document's language.
    pub stem: bool,
    /// Smallest and largest word n-gram length.
    pub ngram_range: (usize, usize),
    /// Tokens shorter than this many characters are dropped.
    pub min_token_chars: usize,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            languages: vec![Language::French, Language::English],
            stopwords: true,
            stem: true,
            ngram_range: (1, 2),
            min_token_chars: 2,
        }
    }
}

/// Errors in analyzer settings.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
pub enum AnalyzerError {
    /// No language was given.
    #[error("at least one language is needed")]
    NoLanguage,
    /// More languages than the analyzer supports at once.
    #[error("at most 8 languages at once (got {0})")]
    TooManyLanguages(usize),
    /// A language was given twice.
    #[error("language '{0}' given twice")]
    DuplicateLanguage(Language),
    /// An n-gram range that is empty, starts at 0 or is too long.
    #[error("invalid n-gram range {0}..={1}: need 1 <= min <= max <= 4")]
    NgramRange(usize, usize),
    /// min_token_chars of 0.
    #[error("the minimum token length must be at least 1 character")]
    MinTokenChars,
}

/// A word n-gram range written `MIN-MAX` (`1-2`) or `N` (`1`, i.e. `1-1`).
pub fn parse_ngram_range(s: &str) -> Result<(usize, usize), SettingsError> {
    let bad = || SettingsError::NgramRange(s.to_string());
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

/// A word n-gram range as [`parse_ngram_range`] reads it: `1-2`.
pub fn ngram_range_text((min, max): (usize, usize)) -> String {
    format!("{min}-{max}")
}

impl AnalyzerConfig {
    /// Validate the settings.
    pub fn check(&self) -> Result<(), AnalyzerError> {
        if self.languages.is_empty() {
            return Err(AnalyzerError::NoLanguage);
        }
        if self.languages.len() > 8 {
            return Err(AnalyzerError::TooManyLanguages(self.languages.len()));
        }
        for (i, l) in self.languages.iter().enumerate() {
            if self.languages[..i].contains(l) {
                return Err(AnalyzerError::DuplicateLanguage(*l));
            }
        }
        let (lo, hi) = self.ngram_range;
        if lo == 0 || lo > hi || hi > 4 {
            return Err(AnalyzerError::NgramRange(lo, hi));
        }
        if self.min_token_chars == 0 {
            return Err(AnalyzerError::MinTokenChars);
        }
        Ok(())
    }
}

/// A ready-to-run analyzer: settings plus the stopword lists and stemmers they name.
///
/// The stopword lists are part of the model (serialised), so a model keeps analysing text the
/// way it was trained even if the lists shipped with veille change.
#[derive(Serialize, Deserialize)]
#[serde(try_from = "AnalyzerData", into = "AnalyzerData")]
pub struct Analyzer {
    config: AnalyzerConfig,
    stopword_lists: BTreeMap<Language, Vec<String>>,
    stopword_sets: Vec<StopWords>,
    stemmers: Vec<Box<dyn Stem>>,
}

#[derive(Serialize, Deserialize)]
struct AnalyzerData {
    config: AnalyzerConfig,
    stopword_lists: BTreeMap<Language, Vec<String>>,
}

impl TryFrom<AnalyzerData> for Analyzer {
    type Error = AnalyzerError;
    /// Saved settings are checked again: a model file is input like any other.
    fn try_from(d: AnalyzerData) -> Result<Self, AnalyzerError> {
        d.config.check()?;
        Ok(Analyzer::build(d.config, d.stopword_lists))
    }
}

impl From<Analyzer> for AnalyzerData {
    fn from(a: Analyzer) -> Self {
        AnalyzerData {
            config: a.config,
            stopword_lists: a.stopword_lists,
        }
    }
}

impl Clone for Analyzer {
    fn clone(&self) -> Self {
        Analyzer::build(self.config.clone(), self.stopword_lists.clone())
    }
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// Bytes of an article's text that are analysed, at fit and at classify time alike: the rest
/// of a longer text is ignored (cut at the last whitespace before the limit; see
/// [`analysed_prefix`]). 4 MiB is a few books' worth, far beyond any news article; it bounds
/// the work and memory one document can take (per-token buffers, its new words in the caches,
/// its passages). A constant, not a setting: a model's rows depend on it.
pub const MAX_ANALYSED_BYTES: usize = 4 << 20;

/// The part of `text` that is analysed: all of it up to [`MAX_ANALYSED_BYTES`], else its
/// longest prefix within that many bytes that ends at whitespace (or at a character boundary
/// when the last 256 bytes have none).
pub fn analysed_prefix(text: &str) -> &str {
    if text.len() <= MAX_ANALYSED_BYTES {
        return text;
    }
    let mut end = MAX_ANALYSED_BYTES;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let window = &text.as_bytes()[end.saturating_sub(256)..end];
    if let Some(p) = window.iter().rposition(|b| b.is_ascii_whitespace()) {
        end = end.saturating_sub(256) + p;
    }
    &text[..end]
}

/// Training texts [`Analyzer::with_majority_first`] looks at (evenly spaced), and the
/// bytes it reads of each: a sample that tells the main language of a corpus in a few
/// milliseconds, whatever the corpus's size.
pub const FALLBACK_SAMPLE: usize = 1000;
const FALLBACK_BYTES: usize = 4096;

/// The first `max` bytes of `text` or fewer, ending at whitespace (a word is never cut)
/// unless the text has none there.
fn head_of(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    match text.as_bytes()[..end]
        .iter()
        .rposition(u8::is_ascii_whitespace)
    {
        Some(p) => &text[..p],
        None => &text[..end],
    }
}

/// How many tokens ahead of its lookup a token's memo slot is prefetched.
const AHEAD: usize = 16;

/// Id given to a token whose stem is not in a fixed vocabulary.
pub const OOV: u32 = u32::MAX;
const UNSET: u32 = u32::MAX - 1;

/// Maps stems to term ids: growing while fitting, fixed when transforming.
pub trait TermMap {
    /// Whether the cache counts how often each surface form is kept (what fitting picks
    /// display forms by; classification has no use for it).
    const COUNTS: bool = false;
    /// The id of `stem`, or [`OOV`] when it has none.
    fn term_id(&mut self, stem: &str) -> u32;
}

/// A growing interner used while fitting: every new stem gets the next id.
#[derive(Debug, Default)]
pub struct Interner {
    /// Stems in id order.
    pub stems: StrTable,
}

impl TermMap for Interner {
    const COUNTS: bool = true;
    fn term_id(&mut self, stem: &str) -> u32 {
        self.stems.intern(stem).0
    }
}

impl TermMap for &FxHashMap<Box<str>, u32> {
    fn term_id(&mut self, stem: &str) -> u32 {
        self.get(stem).copied().unwrap_or(OOV)
    }
}

/// A fixed vocabulary of stems, ids in table order.
impl TermMap for &StrTable {
    fn term_id(&mut self, stem: &str) -> u32 {
        self.id(stem).unwrap_or(OOV)
    }
}

/// Per-worker memo of surface forms: id, stopword mask, and term id per language.
pub struct TokenCache<M> {
    /// Surface forms in id order.
    pub surfaces: StrTable,
    /// The stopword mask of each surface (one bit per language): a byte each, so that the
    /// masks of a large cache stay in the processor's cache (every token reads its mask).
    stop_mask: Vec<u8>,
    /// `terms[surface * n_languages + language]`, lazily filled (read for kept tokens only).
    terms: Vec<u32>,
    /// How often each surface form was kept in each language, `[surface * n_languages +
    /// language]` (for display forms: the same surface can stem differently by language).
    /// Kept only when [`TermMap::COUNTS`].
    pub counts: Vec<u32>,
    n_languages: usize,
    /// The stem → term id map.
    pub term_map: M,
}

impl<M: TermMap> TokenCache<M> {
    /// An empty cache for an analyzer over `n_languages` languages.
    pub fn new(n_languages: usize, term_map: M) -> Self {
        TokenCache {
            surfaces: StrTable::default(),
            stop_mask: Vec::new(),
            terms: Vec::new(),
            counts: Vec::new(),
            n_languages,
            term_map,
        }
    }

    /// Forget every surface form (the term map stays): frees the memo's memory. Ids handed
    /// out before are no longer valid.
    pub fn reset(&mut self) {
        self.surfaces = StrTable::default();
        self.stop_mask = Vec::new();
        self.terms = Vec::new();
        self.counts = Vec::new();
    }

    /// The surface id of the token of key `key`; `token` is its text when at hand (it must be
    /// for a token longer than its key's head).
    #[inline]
    fn surface_id(&mut self, key: &Key, token: Option<&str>, analyzer: &Analyzer) -> u32 {
        let bytes = token.map_or(&[][..], str::as_bytes);
        if let Some(id) = self.surfaces.find_key(key, bytes) {
            return id;
        }
        let head;
        let token = match token {
            Some(t) => t,
            None => {
                head = key.head_bytes();
                std::str::from_utf8(&head[..key.len()]).expect("a token's head holds its UTF-8")
            }
        };
        let id = self.surfaces.insert_key(key, token);
        let mut mask = 0u8;
        for (i, set) in analyzer.stopword_sets.iter().enumerate() {
            if set.contains(token) {
                mask |= 1 << i;
            }
        }
        self.stop_mask.push(mask);
        self.terms
            .extend(std::iter::repeat_n(UNSET, self.n_languages));
        if M::COUNTS {
            self.counts.extend(std::iter::repeat_n(0, self.n_languages));
        }
        id
    }

    /// Bytes of heap the memo holds (not counting the term map): grows with the distinct
    /// surface forms seen, about 80 bytes each.
    pub fn heap_bytes(&self) -> usize {
        self.surfaces.heap_bytes()
            + self.stop_mask.capacity()
            + (self.terms.capacity() + self.counts.capacity()) * std::mem::size_of::<u32>()
    }

    /// The term id already computed for `surface` in language `lang`, or [`OOV`].
    pub fn term_for(&self, surface: u32, lang: usize) -> u32 {
        match self.terms[surface as usize * self.n_languages + lang] {
            UNSET => OOV,
            t => t,
        }
    }

    fn term_of(&mut self, surface: u32, lang: usize, analyzer: &Analyzer) -> u32 {
        let slot = surface as usize * self.n_languages + lang;
        let t = self.terms[slot];
        if t != UNSET {
            return t;
        }
        let stem = analyzer.stemmers[lang].stem(self.surfaces.get(surface));
        let t = self.term_map.term_id(&stem);
        self.terms[slot] = t;
        t
    }
}

/// The surface lookups of a document's tokens, in text order, each made [`AHEAD`] tokens after
/// its slot of the memo was prefetched: the memo is megabytes, and a lookup would otherwise
/// wait on memory. Ids are handed out in text order all the same.
struct Lookups<'a, M> {
    cache: &'a mut TokenCache<M>,
    analyzer: &'a Analyzer,
    /// Keys waiting for their lookup: `pending` of them, the oldest `pending` slots before
    /// `next` (circularly).
    ring: [Key; AHEAD],
    next: usize,
    pending: usize,
    /// Stopword occurrences per language.
    hits: [u32; 8],
    /// Surface id of each token.
    all: &'a mut Vec<u32>,
}

impl<M: TermMap> Lookups<'_, M> {
    #[inline]
    fn token(&mut self, token: &str) {
        let key = Key::of(token);
        if !key.is_inline() {
            // Its bytes are only at hand now: look it up after those before it.
            self.flush();
            self.take(&key, Some(token));
            return;
        }
        self.cache.surfaces.prefetch(&key);
        if self.pending >= AHEAD / 2 {
            // Its slot was prefetched `AHEAD / 2` tokens ago: now its head.
            let half = self.ring[(self.next + AHEAD / 2) % AHEAD];
            self.cache.surfaces.prefetch_head(&half);
        }
        if self.pending == AHEAD {
            let oldest = self.ring[self.next];
            self.take(&oldest, None);
            self.pending -= 1;
        }
        self.ring[self.next] = key;
        self.next = (self.next + 1) % AHEAD;
        self.pending += 1;
    }

    /// Make the pending lookups.
    fn flush(&mut self) {
        for k in (1..=self.pending).rev() {
            let key = self.ring[(self.next + AHEAD - k) % AHEAD];
            self.take(&key, None);
        }
        self.pending = 0;
    }

    #[inline]
    fn take(&mut self, key: &Key, token: Option<&str>) {
        let id = self.cache.surface_id(key, token, self.analyzer);
        let mask = self.cache.stop_mask[id as usize];
        if mask != 0 {
            let n_lang = self.analyzer.config.languages.len();
            for (i, h) in self.hits.iter_mut().enumerate().take(n_lang) {
                *h += u32::from((mask >> i) & 1);
            }
        }
        self.all.push(id);
    }
}

/// One analysed document: kept tokens as term ids, with their surface ids alongside.
#[derive(Debug, Default, Clone)]
pub struct Analyzed {
    /// Index into the analyzer's languages of the language used for this document.
    pub language: usize,
    /// Term id of each kept token, in text order ([`OOV`] for unknown stems).
    pub terms: Vec<u32>,
    /// Surface id (in the [`TokenCache`]) of each kept token.
    pub surfaces: Vec<u32>,
    /// Tokens seen before stopword removal.
    pub n_tokens: usize,
    /// How many of them are stopwords of the chosen language (evidence for the language).
    pub stop_hits: u32,
    /// Where each analysed part (passage) ends in `terms` (one entry per part; a whole text
    /// is one part).
    pub part_ends: Vec<u32>,
    buf: String,
    all: Vec<u32>,
    all_ends: Vec<usize>,
}

impl Analyzed {
    /// Bytes of heap the buffers hold: they keep the capacity of the largest document
    /// analysed into them.
    pub fn heap_bytes(&self) -> usize {
        (self.terms.capacity()
            + self.surfaces.capacity()
            + self.part_ends.capacity()
            + self.all.capacity())
            * std::mem::size_of::<u32>()
            + self.all_ends.capacity() * std::mem::size_of::<usize>()
            + self.buf.capacity()
    }
}

impl Analyzer {
    /// Build an analyzer from checked settings, with veille's built-in stopword lists. The
    /// lists are kept when stopwords are not removed too: they are what tells a document's
    /// language (without them every text went to the first language, and an English corpus
    /// trained with stopwords kept was stemmed as French).
    pub fn new(config: AnalyzerConfig) -> Result<Self, AnalyzerError> {
        config.check()?;
        let mut lists = BTreeMap::new();
        for &l in &config.languages {
            if let Some(words) = stopwords::builtin(l) {
                lists.insert(l, words);
            }
        }
        Ok(Analyzer::build(config, lists))
    }

    /// An analyzer of `config` with these stopword lists (a model saved with stopwords off
    /// before the lists were kept for that case has none: its documents all take the first
    /// language, as when it was trained).
    fn build(config: AnalyzerConfig, stopword_lists: BTreeMap<Language, Vec<String>>) -> Self {
        let stopword_sets = config
            .languages
            .iter()
            .map(|l| match stopword_lists.get(l) {
                Some(words) => StopWords::new(words),
                None => StopWords::default(),
            })
            .collect();
        let stemmers = config
            .languages
            .iter()
            .map(|&l| -> Box<dyn Stem> {
                if config.stem {
                    Box::new(SnowballStemmer::new(l))
                } else {
                    Box::new(NoStemmer)
                }
            })
            .collect();
        Analyzer {
            config,
            stopword_lists,
            stopword_sets,
            stemmers,
        }
    }

    /// The settings.
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// This analyzer with its languages reordered so that the first, the fallback for texts
    /// that show no more stopwords of one language than of another (headlines, lists of
    /// names), is the language most of `texts` show: an English headline corpus must not
    /// have its stopword-less titles stemmed as French. The others keep their order; so does
    /// every language when no text of a sample of [`FALLBACK_SAMPLE`] is clearly in one.
    pub fn with_majority_first(self, texts: &[&str]) -> Analyzer {
        let n_lang = self.config.languages.len();
        if n_lang < 2 || texts.is_empty() {
            return self;
        }
        let m = texts.len().min(FALLBACK_SAMPLE);
        let votes = (0..m)
            .into_par_iter()
            .map(|i| {
                let text = texts[i * texts.len() / m];
                let hits = self.stopword_hits(head_of(text, FALLBACK_BYTES));
                let top = (0..n_lang).max_by_key(|&l| (hits[l], std::cmp::Reverse(l)));
                let mut vote = [0u32; 8];
                if let Some(l) = top {
                    let clear = hits[l] > 0 && (0..n_lang).all(|o| o == l || hits[o] < hits[l]);
                    vote[l] = u32::from(clear);
                }
                vote
            })
            .reduce(
                || [0u32; 8],
                |mut a, b| {
                    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        let best = (0..n_lang)
            .max_by_key(|&l| (votes[l], std::cmp::Reverse(l)))
            .unwrap_or(0);
        if votes[best] <= votes[0] {
            return self;
        }
        let Analyzer {
            mut config,
            stopword_lists,
            ..
        } = self;
        let first = config.languages.remove(best);
        config.languages.insert(0, first);
        Analyzer::build(config, stopword_lists)
    }

    /// Stopword tokens of each language in `text`, as [`Analyzer::analyze`] counts them.
    fn stopword_hits(&self, text: &str) -> [u32; 8] {
        let mut hits = [0u32; 8];
        let mut buf = String::new();
        for_each_token(&nfc(text), self.config.min_token_chars, &mut buf, |token| {
            for (h, set) in hits.iter_mut().zip(&self.stopword_sets) {
                *h += u32::from(set.contains(token));
            }
        });
        hits
    }

    /// The stopword lists, by language: removed from the text when the settings say so, and
    /// in any case what a document's language is told by.
    pub fn stopword_lists(&self) -> &BTreeMap<Language, Vec<String>> {
        &self.stopword_lists
    }

    /// A fresh cache for this analyzer.
    pub fn cache<M: TermMap>(&self, term_map: M) -> TokenCache<M> {
        TokenCache::new(self.config.languages.len(), term_map)
    }

    /// Analyse `text` into `out`, memoising through `cache`.
    ///
    /// The document's language is the model language whose stopwords occur most often in it
    /// (ties and texts without any go to the first language): cheap, since tokens are looked up
    /// anyway, and exact for the languages a model is trained on.
    ///
    /// Only [`analysed_prefix`]`(text)` is analysed.
    pub fn analyze<M: TermMap>(&self, text: &str, cache: &mut TokenCache<M>, out: &mut Analyzed) {
        self.analyze_parts(std::iter::once(analysed_prefix(text)), cache, out);
    }

    /// Analyse the passages `ranges` of `text` (byte ranges that cover every word of it, as
    /// [`passages`](super::passages::passages) gives) as one document: the same terms and
    /// language as [`Analyzer::analyze`] on the whole text, with
    /// [`Analyzed::part_ends`] telling where each passage's kept tokens end. Passages beyond
    /// [`analysed_prefix`]`(text)` are clipped to it (they have no terms).
    pub fn analyze_passages<M: TermMap>(
        &self,
        text: &str,
        ranges: &[std::ops::Range<usize>],
        cache: &mut TokenCache<M>,
        out: &mut Analyzed,
    ) {
        let end = analysed_prefix(text).len();
        let clip = |r: &std::ops::Range<usize>| {
            let (a, b) = (r.start.min(end), r.end.min(end));
            // Ranges end at word boundaries of `text`; a clipped one ends where the prefix does.
            &text[a..b.max(a)]
        };
        self.analyze_parts(ranges.iter().map(clip), cache, out);
    }

    fn analyze_parts<'t, M: TermMap>(
        &self,
        parts: impl Iterator<Item = &'t str>,
        cache: &mut TokenCache<M>,
        out: &mut Analyzed,
    ) {
        out.terms.clear();
        out.surfaces.clear();
        out.all.clear();
        out.part_ends.clear();
        let mut all_ends = std::mem::take(&mut out.all_ends);
        all_ends.clear();
        let mut buf = std::mem::take(&mut out.buf);
        let n_lang = self.config.languages.len();
        let mut lookups = Lookups {
            cache,
            analyzer: self,
            ring: [Key::of(""); AHEAD],
            next: 0,
            pending: 0,
            hits: [0; 8],
            all: &mut out.all,
        };
        for part in parts {
            let text = nfc(part);
            for_each_token(&text, self.config.min_token_chars, &mut buf, |token| {
                lookups.token(token);
            });
            lookups.flush();
            all_ends.push(lookups.all.len());
        }
        let hits = lookups.hits;
        out.buf = buf;
        let mut lang = 0;
        for i in 1..n_lang {
            if hits[i] > hits[lang] {
                lang = i;
            }
        }
        out.language = lang;
        out.n_tokens = out.all.len();
        out.stop_hits = hits[lang];
        let stop_bit = 1u8 << lang;
        let mut part = 0;
        for (pos, &s) in out.all.iter().enumerate() {
            while all_ends[part] <= pos {
                out.part_ends.push(out.terms.len() as u32);
                part += 1;
            }
            if self.config.stopwords && cache.stop_mask[s as usize] & stop_bit != 0 {
                continue;
            }
            let t = cache.term_of(s, lang, self);
            if M::COUNTS {
                cache.counts[s as usize * n_lang + lang] += 1;
            }
            out.terms.push(t);
            out.surfaces.push(s);
        }
        while out.part_ends.len() < all_ends.len() {
            out.part_ends.push(out.terms.len() as u32);
        }
        out.all_ends = all_ends;
    }

    /// Analyse `text` into stems (strings), for inspection and tests.
    pub fn stems(&self, text: &str) -> Vec<String> {
        let mut cache = self.cache(Interner::default());
        let mut out = Analyzed::default();
        self.analyze(text, &mut cache, &mut out);
        out.terms
            .iter()
            .map(|&t| cache.term_map.stems.get(t).to_string())
            .collect()
    }

    /// The language detected for `text` among the analyzer's languages.
    pub fn language_of(&self, text: &str) -> Language {
        let mut cache = self.cache(Interner::default());
        let mut out = Analyzed::default();
        self.analyze(text, &mut cache, &mut out);
        self.config.languages[out.language]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default_analyzer() -> Analyzer {
        Analyzer::new(AnalyzerConfig::default()).unwrap()
    }

    #[test]
    fn french_text_is_stemmed_in_french_without_stopwords() {
        let a = default_analyzer();
        let text = "L'Union européenne veut renforcer la souveraineté numérique des États membres.";
        assert_eq!(a.language_of(text), Language::French);
        let stems = a.stems(text);
        assert!(!stems.iter().any(|s| s == "la" || s == "des" || s == "l"));
        let fr = SnowballStemmer::new(Language::French);
        assert!(stems.contains(&fr.stem("souveraineté").into_owned()));
    }

    #[test]
    fn english_text_is_stemmed_in_english() {
        let a = default_analyzer();
        let text = "The United States tightened export controls on advanced chips and the tools that make them.";
        assert_eq!(a.language_of(text), Language::English);
        let stems = a.stems(text);
        assert!(stems.contains(&"control".to_string()));
        assert!(!stems.iter().any(|s| s == "the" || s == "and"));
    }

    #[test]
    fn both_apostrophes_give_the_same_stems() {
        let a = default_analyzer();
        assert_eq!(a.stems("l'Agence d'État"), a.stems("l’Agence d’État"));
    }

    #[test]
    fn the_fallback_language_is_the_one_most_texts_are_in() {
        let english = [
            "The minister said that the sanctions would stay in force.",
            "Chip makers and their suppliers face new export rules.",
            "Quantum computing startups raise record funding",
        ];
        let a = default_analyzer().with_majority_first(&english);
        assert_eq!(a.config().languages, [Language::English, Language::French]);
        // A headline with no stopword of either language now falls back to English.
        assert_eq!(
            a.language_of("Quantum computing startups"),
            Language::English
        );
        assert_eq!(
            default_analyzer().language_of("Quantum computing startups"),
            Language::French
        );

        // French texts, an even split, or texts without stopwords keep the order given.
        let french = ["Le gouvernement a présenté son budget pour la défense."];
        let even = [english[0], french[0]];
        let none = ["Quantum computing startups", "Nvidia Huawei Arm"];
        for texts in [&french[..], &even[..], &none[..]] {
            let a = default_analyzer().with_majority_first(texts);
            assert_eq!(a.config().languages, [Language::French, Language::English]);
        }
        // The other languages keep their order behind the new first one.
        let config = AnalyzerConfig {
            languages: vec![Language::French, Language::German, Language::English],
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(config).unwrap().with_majority_first(&english);
        assert_eq!(
            a.config().languages,
            [Language::English, Language::French, Language::German]
        );
    }

    #[test]
    fn the_sample_head_never_cuts_a_word_or_a_character() {
        assert_eq!(head_of("short text", 4096), "short text");
        assert_eq!(head_of("état des lieux", 8), "état");
        assert_eq!(head_of("ééééé", 3), "é");
    }

    #[test]
    fn surface_ids_follow_text_order_around_long_words() {
        // More tokens than the lookahead, repeats within and beyond it, and words longer than
        // a key's head (looked up at once, after those pending before them).
        let a = default_analyzer();
        let words: Vec<String> = (0..200)
            .map(|i| match i % 7 {
                3 => format!("anticonstitutionnellement{}", i % 3),
                _ => format!("w{}", i % 23),
            })
            .collect();
        let mut cache = a.cache(Interner::default());
        let mut out = Analyzed::default();
        a.analyze(&words.join(" "), &mut cache, &mut out);
        let mut expected = StrTable::default();
        let ids: Vec<u32> = words.iter().map(|w| expected.intern(w).0).collect();
        assert_eq!(out.all, ids);
        for (w, &id) in words.iter().zip(&out.all) {
            assert_eq!(cache.surfaces.get(id), w);
        }
    }

    #[test]
    fn stopwords_kept_still_tell_the_language() {
        let a = Analyzer::new(AnalyzerConfig {
            stopwords: false,
            ..AnalyzerConfig::default()
        })
        .unwrap();
        let text = "The United States tightened export controls on the chips.";
        assert_eq!(a.language_of(text), Language::English);
        assert!(a.stems(text).iter().any(|s| s == "the"));
        assert_eq!(
            a.language_of("Les contrôles des exportations."),
            Language::French
        );
    }

    #[test]
    fn rejects_bad_settings() {
        let c = AnalyzerConfig {
            ngram_range: (2, 1),
            ..AnalyzerConfig::default()
        };
        assert!(Analyzer::new(c).is_err());
        let c = AnalyzerConfig {
            languages: vec![],
            ..AnalyzerConfig::default()
        };
        assert_eq!(Analyzer::new(c).unwrap_err(), AnalyzerError::NoLanguage);
    }

    #[test]
    fn serde_round_trip_keeps_behaviour() {
        let a = default_analyzer();
        let bytes = postcard::to_stdvec(&a).unwrap();
        let b: Analyzer = postcard::from_bytes(&bytes).unwrap();
        let t = "Les sanctions américaines visent les semi-conducteurs chinois.";
        assert_eq!(a.stems(t), b.stems(t));
    }
}
