//! Languages veille can analyse: the 18 Snowball stemmers of `rust-stemmers`.

use crate::settings::SettingsError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A language with a Snowball stemmer.
///
/// Serialised (in model files and on the command line) as its ISO 639-1 code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum Language {
    /// Arabic (`ar`).
    Arabic,
    /// Danish (`da`).
    Danish,
    /// Dutch (`nl`).
    Dutch,
    /// English (`en`).
    English,
    /// Finnish (`fi`).
    Finnish,
    /// French (`fr`).
    French,
    /// German (`de`).
    German,
    /// Greek (`el`).
    Greek,
    /// Hungarian (`hu`).
    Hungarian,
    /// Italian (`it`).
    Italian,
    /// Norwegian (`no`).
    Norwegian,
    /// Portuguese (`pt`).
    Portuguese,
    /// Romanian (`ro`).
    Romanian,
    /// Russian (`ru`).
    Russian,
    /// Spanish (`es`).
    Spanish,
    /// Swedish (`sv`).
    Swedish,
    /// Tamil (`ta`).
    Tamil,
    /// Turkish (`tr`).
    Turkish,
}

/// Every supported language, in code order.
pub const ALL_LANGUAGES: [Language; 18] = [
    Language::Arabic,
    Language::Danish,
    Language::German,
    Language::Greek,
    Language::English,
    Language::Spanish,
    Language::Finnish,
    Language::French,
    Language::Hungarian,
    Language::Italian,
    Language::Dutch,
    Language::Norwegian,
    Language::Portuguese,
    Language::Romanian,
    Language::Russian,
    Language::Swedish,
    Language::Tamil,
    Language::Turkish,
];

impl Language {
    /// ISO 639-1 code, e.g. `"fr"`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Arabic => "ar",
            Language::Danish => "da",
            Language::Dutch => "nl",
            Language::English => "en",
            Language::Finnish => "fi",
            Language::French => "fr",
            Language::German => "de",
            Language::Greek => "el",
            Language::Hungarian => "hu",
            Language::Italian => "it",
            Language::Norwegian => "no",
            Language::Portuguese => "pt",
            Language::Romanian => "ro",
            Language::Russian => "ru",
            Language::Spanish => "es",
            Language::Swedish => "sv",
            Language::Tamil => "ta",
            Language::Turkish => "tr",
        }
    }

    /// Parse an ISO 639-1 code or an English language name (case-insensitive).
    pub fn from_code(code: &str) -> Option<Language> {
        let code = code.trim().to_ascii_lowercase();
        ALL_LANGUAGES
            .iter()
            .copied()
            .find(|l| l.code() == code || format!("{l:?}").eq_ignore_ascii_case(&code))
    }

    /// The Snowball algorithm of `rust-stemmers` for this language.
    pub fn algorithm(self) -> rust_stemmers::Algorithm {
        use rust_stemmers::Algorithm as A;
        match self {
            Language::Arabic => A::Arabic,
            Language::Danish => A::Danish,
            Language::Dutch => A::Dutch,
            Language::English => A::English,
            Language::Finnish => A::Finnish,
            Language::French => A::French,
            Language::German => A::German,
            Language::Greek => A::Greek,
            Language::Hungarian => A::Hungarian,
            Language::Italian => A::Italian,
            Language::Norwegian => A::Norwegian,
            Language::Portuguese => A::Portuguese,
            Language::Romanian => A::Romanian,
            Language::Russian => A::Russian,
            Language::Spanish => A::Spanish,
            Language::Swedish => A::Swedish,
            Language::Tamil => A::Tamil,
            Language::Turkish => A::Turkish,
        }
    }

    /// The matching `whatlang` language, used to detect languages outside a model's set.
    pub fn whatlang(self) -> whatlang::Lang {
        use whatlang::Lang as W;
        match self {
            Language::Arabic => W::Ara,
            Language::Danish => W::Dan,
            Language::Dutch => W::Nld,
            Language::English => W::Eng,
            Language::Finnish => W::Fin,
            Language::French => W::Fra,
            Language::German => W::Deu,
            Language::Greek => W::Ell,
            Language::Hungarian => W::Hun,
            Language::Italian => W::Ita,
            Language::Norwegian => W::Nob,
            Language::Portuguese => W::Por,
            Language::Romanian => W::Ron,
            Language::Russian => W::Rus,
            Language::Spanish => W::Spa,
            Language::Swedish => W::Swe,
            Language::Tamil => W::Tam,
            Language::Turkish => W::Tur,
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Language {
    type Err = SettingsError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Language::from_code(s).ok_or_else(|| {
            let codes: Vec<&str> = ALL_LANGUAGES.iter().map(|l| l.code()).collect();
            SettingsError::unknown("language", s, format!("one of {}", codes.join(", ")))
        })
    }
}

impl From<Language> for String {
    fn from(l: Language) -> String {
        l.code().to_string()
    }
}

impl TryFrom<String> for Language {
    type Error = SettingsError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

/// Detect the language of a text among all languages `whatlang` knows, returning its ISO 639-1
/// code when the detection is reliable enough to report. Looks at a prefix only: a few hundred
/// words decide a language, and the cost must stay small next to the analysis itself.
pub fn detect_any(text: &str) -> Option<&'static str> {
    let mut end = text.len().min(2000);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let info = whatlang::detect(&text[..end])?;
    if info.confidence() < 0.5 {
        return None;
    }
    Some(whatlang_code(info.lang()))
}

/// ISO 639-1 code of a `whatlang` language when one exists, else its ISO 639-3 code.
fn whatlang_code(lang: whatlang::Lang) -> &'static str {
    ALL_LANGUAGES
        .iter()
        .find(|l| l.whatlang() == lang)
        .map(|l| l.code())
        .unwrap_or_else(|| lang.code())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in ALL_LANGUAGES {
            assert_eq!(Language::from_code(l.code()), Some(l));
            assert_eq!(l.to_string().parse::<Language>(), Ok(l));
        }
        assert_eq!(Language::from_code("French"), Some(Language::French));
        assert!("xx".parse::<Language>().is_err());
    }

    #[test]
    fn detects_french_english_and_others() {
        assert_eq!(
            detect_any("Le gouvernement a annoncé mardi un nouveau plan pour le cloud souverain et la protection des données des citoyens."),
            Some("fr")
        );
        assert_eq!(
            detect_any("The government announced on Tuesday a new plan for sovereign cloud and the protection of citizens' data."),
            Some("en")
        );
        assert_eq!(
            detect_any("Die Bundesregierung hat am Dienstag einen neuen Plan für die digitale Souveränität und den Schutz der Daten vorgestellt."),
            Some("de")
        );
    }
}
