//! Policies name key types and token calls by keyword (`key_type = "p256"`,
//! `allow = ["transfer"]`): the types and their keywords are `session_core`'s
//! ([`Keyword`]), read and written here through serde.

use serde::{de::Error as _, Deserialize, Deserializer, Serializer};
use session_core::Keyword;

/// Writes `value` as its keyword.
pub(crate) fn serialize<T: Keyword, S: Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value.keyword())
}

/// Reads a keyword, refused as serde refuses an unknown enum variant.
pub(crate) fn deserialize<'de, T: Keyword, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<T, D::Error> {
    let text = String::deserialize(deserializer)?;
    T::from_keyword(&text).ok_or_else(|| {
        let expected: Vec<String> =
            T::ALL.iter().map(|value| format!("`{}`", value.keyword())).collect();
        let expected = match expected.as_slice() {
            [one] => one.clone(),
            [first, second] => format!("{first} or {second}"),
            all => format!("one of {}", all.join(", ")),
        };
        D::Error::custom(format!("unknown variant `{text}`, expected {expected}"))
    })
}

/// Whether `value` is its type's default (left out when a policy is written).
pub(crate) fn is_default<T: Default + PartialEq>(value: &T) -> bool {
    *value == T::default()
}

/// A list of keywords.
pub(crate) mod list {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use session_core::Keyword;

    /// One keyword of the list.
    #[derive(Deserialize, Serialize)]
    #[serde(transparent)]
    struct Named<T: Keyword>(#[serde(with = "super")] T);

    /// Writes `values` as their keywords.
    pub(crate) fn serialize<T: Keyword, S: Serializer>(
        values: &[T],
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(values.iter().map(|&value| Named(value)))
    }

    /// Reads a list of keywords.
    pub(crate) fn deserialize<'de, T: Keyword, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<T>, D::Error> {
        let named = Vec::<Named<T>>::deserialize(deserializer)?;
        Ok(named.into_iter().map(|Named(value)| value).collect())
    }
}
