//! Settings read in the command line's spelling, for serde's `deserialize_with`: each
//! function reads one present value as `Some`, so that an absent key stays `None` (the
//! default). They work with any self-describing format (TOML, JSON, ...).

use crate::text::{parse_ngram_range, Language};
use serde::de::{self, Deserializer, SeqAccess, Unexpected, Visitor};
use std::fmt;
use std::str::FromStr;

/// A string, or a number written as a user would type it: `2`, `0.5`; a float keeps its
/// decimal point (`1.0` is a fraction of the documents, `1` a count).
struct Text;

impl Visitor<'_> for Text {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string or a number")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(format!("{v:?}"))
    }
}

/// `T` from the text of its command-line spelling (`algo = "svm"`, `min_df = 2`,
/// `k = "auto:3-8"`).
pub fn parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr,
    T::Err: fmt::Display,
{
    let text = d.deserialize_any(Text)?;
    text.parse().map(Some).map_err(de::Error::custom)
}

/// A word n-gram range: `"1-2"`, or `1` for unigrams.
pub fn ngrams<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(usize, usize)>, D::Error> {
    let text = d.deserialize_any(Text)?;
    parse_ngram_range(&text)
        .map(Some)
        .map_err(de::Error::custom)
}

/// A whole number of at least `MIN`.
struct Whole<const MIN: u64>;

impl<const MIN: u64> Visitor<'_> for Whole<MIN> {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a whole number >= {MIN}")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        match u64::try_from(v) {
            Ok(u) => self.visit_u64(u),
            Err(_) => Err(E::invalid_value(Unexpected::Signed(v), &self)),
        }
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        if v >= MIN {
            Ok(v)
        } else {
            Err(E::invalid_value(Unexpected::Unsigned(v), &self))
        }
    }
}

/// A count of at least 1 (`max_features`, `lsa_dims`, `n_init`, ...).
pub fn count<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    let n = d.deserialize_any(Whole::<1>)?;
    usize::try_from(n)
        .map(Some)
        .map_err(|_| de::Error::invalid_value(Unexpected::Unsigned(n), &Whole::<1>))
}

/// A whole number, 0 included (`seed`).
pub fn count_or_zero<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    d.deserialize_any(Whole::<0>).map(Some)
}

/// A number, written with or without a decimal point.
struct Number;

impl Visitor<'_> for Number {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
}

/// A number (`c`, `alpha`, `eps`).
pub fn number<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    d.deserialize_any(Number).map(Some)
}

/// Language codes, comma-separated in one string or as a list.
struct Codes;

impl<'de> Visitor<'de> for Codes {
    type Value = Vec<String>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("codes like \"fr,en\"")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<String>, E> {
        Ok(v.split(',').map(|c| c.trim().to_string()).collect())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<String>, A::Error> {
        let mut codes = Vec::new();
        while let Some(c) = seq.next_element::<String>()? {
            codes.push(c);
        }
        Ok(codes)
    }
}

/// Languages: `"fr,en"` or `["fr", "en"]`.
pub fn languages<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<Language>>, D::Error> {
    d.deserialize_any(Codes)?
        .iter()
        .map(|c| c.parse::<Language>().map_err(de::Error::custom))
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}
