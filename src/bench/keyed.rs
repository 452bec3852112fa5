//! A TOML table read into a serde type, with errors that name the key: `'stem': expected a
//! boolean, got "yes"`. (The toml crate's own deserializer names keys only with the spans of
//! a whole document; a grid entry is a table merged from `[defaults]` and expanded from a
//! product, with no span of its own.)

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use std::fmt;
use toml::{Table, Value};

/// Why a table does not read as its type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum KeyedError {
    /// A key the type does not have.
    #[error("unknown key '{key}'")]
    UnknownKey {
        /// The key.
        key: String,
        /// The keys the type has.
        known: &'static [&'static str],
    },
    /// A value that does not read, with its key.
    #[error("{0}")]
    Value(String),
    /// A value of the wrong kind (before its key is known).
    #[error("expected {0}")]
    Expected(String),
}

impl de::Error for KeyedError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        KeyedError::Value(msg.to_string())
    }
    fn invalid_type(_: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        KeyedError::Expected(exp.to_string())
    }
    fn invalid_value(_: de::Unexpected<'_>, exp: &dyn de::Expected) -> Self {
        KeyedError::Expected(exp.to_string())
    }
    fn unknown_field(field: &str, expected: &'static [&'static str]) -> Self {
        KeyedError::UnknownKey {
            key: field.to_string(),
            known: expected,
        }
    }
}

impl KeyedError {
    /// The error of `value` under `key`: `'key': expected ..., got <value>` or `'key': why`.
    fn at(self, key: &str, value: &Value) -> Self {
        match self {
            KeyedError::Expected(exp) => {
                KeyedError::Value(format!("'{key}': expected {exp}, got {value}"))
            }
            KeyedError::Value(m) => KeyedError::Value(format!("'{key}': {m}")),
            unknown @ KeyedError::UnknownKey { .. } => unknown,
        }
    }
}

/// Read `table` as a `T`.
pub fn from_table<T: DeserializeOwned>(table: &Table) -> Result<T, KeyedError> {
    T::deserialize(Leaf::Table(table))
}

/// One TOML value (or a whole table) as a serde deserializer.
#[derive(Clone, Copy)]
enum Leaf<'a> {
    Value(&'a Value),
    Table(&'a Table),
}

impl<'de> de::Deserializer<'de> for Leaf<'_> {
    type Error = KeyedError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, KeyedError> {
        match self {
            Leaf::Table(t) => visitor.visit_map(Entries {
                iter: t.iter(),
                value: None,
            }),
            Leaf::Value(Value::Table(t)) => Leaf::Table(t).deserialize_any(visitor),
            Leaf::Value(Value::String(s)) => visitor.visit_str(s),
            Leaf::Value(Value::Integer(i)) => visitor.visit_i64(*i),
            Leaf::Value(Value::Float(f)) => visitor.visit_f64(*f),
            Leaf::Value(Value::Boolean(b)) => visitor.visit_bool(*b),
            Leaf::Value(Value::Datetime(d)) => visitor.visit_str(&d.to_string()),
            Leaf::Value(Value::Array(a)) => visitor.visit_seq(Items(a.iter())),
        }
    }

    /// A key that is present is `Some`.
    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, KeyedError> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}

/// The entries of a table; a value's error gets its key.
struct Entries<'a> {
    iter: toml::map::Iter<'a>,
    value: Option<(&'a str, &'a Value)>,
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = KeyedError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, KeyedError> {
        match self.iter.next() {
            Some((key, value)) => {
                self.value = Some((key, value));
                seed.deserialize(key.as_str().into_deserializer()).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<S::Value, KeyedError> {
        let (key, value) = self
            .value
            .take()
            .ok_or_else(|| KeyedError::Value("a value without a key".into()))?;
        seed.deserialize(Leaf::Value(value))
            .map_err(|e| e.at(key, value))
    }
}

/// The items of an array.
struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> de::SeqAccess<'de> for Items<'_> {
    type Error = KeyedError;

    fn next_element_seed<S: DeserializeSeed<'de>>(
        &mut self,
        seed: S,
    ) -> Result<Option<S::Value>, KeyedError> {
        self.0
            .next()
            .map(|v| seed.deserialize(Leaf::Value(v)))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::TrainOptions;

    fn read(text: &str) -> Result<TrainOptions, KeyedError> {
        from_table(&text.parse::<Table>().unwrap())
    }

    #[test]
    fn values_read_in_the_command_line_spelling() {
        let o = read("ngrams = \"1-1\"\nmin_df = 2\nmax_df = 0.9\nstem = false\nlanguages = [\"en\"]\nclass_weight = \"balanced\"").unwrap();
        assert_eq!(o.ngrams, Some((1, 1)));
        assert_eq!(o.min_df, Some(crate::features::DfBound::Count(2)));
        assert_eq!(o.max_df, Some(crate::features::DfBound::Fraction(0.9)));
        assert_eq!(o.stem, Some(false));
        assert_eq!(o.languages, Some(vec![crate::text::Language::English]));
        assert_eq!(o.c, None);
    }

    #[test]
    fn errors_name_the_key() {
        let e = read("stem = \"yes\"").unwrap_err().to_string();
        assert_eq!(e, "'stem': expected a boolean, got \"yes\"");
        let e = read("lsa_dims = 0").unwrap_err().to_string();
        assert_eq!(e, "'lsa_dims': expected a whole number >= 1, got 0");
        let e = read("c = \"big\"").unwrap_err().to_string();
        assert_eq!(e, "'c': expected a number, got \"big\"");
        let e = read("languages = \"fr,xx\"").unwrap_err().to_string();
        assert!(e.starts_with("'languages': unknown language 'xx'"), "{e}");
        let e = read("ngram = \"1-2\"").unwrap_err();
        assert!(
            matches!(&e, KeyedError::UnknownKey { key, known } if key == "ngram" && known.contains(&"ngrams")),
            "{e}"
        );
    }
}
