//! The first read of a document: its `apiVersion` and `kind` (or those of
//! the items of a `List` or an array), and the kind kubesim makes of them,
//! refused in `kubectl`'s words.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

use super::error::ManifestError;
use super::limits::{MAX_ITEMS, yaml_options};
use super::split::Slice;
use crate::api::Kind;

/// `apiVersion` and `kind` with their positions.
#[derive(Deserialize)]
pub(crate) struct TypeMeta {
    /// `apiVersion`.
    #[serde(default, rename = "apiVersion")]
    pub api_version: Option<Spanned<String>>,
    /// `kind`.
    #[serde(default)]
    pub kind: Option<Spanned<String>>,
}

/// The items of a list (a `List`'s `items`, or a JSON array), at most
/// [`MAX_ITEMS`].
pub(crate) struct Items(pub Vec<Spanned<TypeMeta>>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Items, D::Error> {
        deserializer.deserialize_seq(ItemsVisitor)
    }
}

struct ItemsVisitor;

impl<'de> Visitor<'de> for ItemsVisitor {
    type Value = Items;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<TypeMeta>>()? {
            if items.len() >= MAX_ITEMS {
                return Err(de::Error::custom(format!(
                    "too many items: more than {MAX_ITEMS}"
                )));
            }
            items.push(item);
        }
        Ok(Items(items))
    }
}

/// A `List`'s items.
#[derive(Deserialize)]
pub(crate) struct ListItems {
    /// `items`; absent or null reads as none.
    #[serde(default)]
    pub items: Option<Items>,
}

/// What a document holds.
pub(crate) enum Root {
    /// Nothing (an empty document, comments, or `null`).
    Empty,
    /// An object (a map).
    Object(TypeMeta),
    /// A list of objects (a JSON array).
    Array(Items),
    /// A scalar, described (`string "hello"`).
    Scalar(String),
}

impl<'de> Deserialize<'de> for Root {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Root, D::Error> {
        deserializer.deserialize_any(RootVisitor)
    }
}

struct RootVisitor;

impl<'de> Visitor<'de> for RootVisitor {
    type Value = Root;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with apiVersion and kind")
    }

    fn visit_unit<E>(self) -> Result<Root, E> {
        Ok(Root::Empty)
    }

    fn visit_none<E>(self) -> Result<Root, E> {
        Ok(Root::Empty)
    }

    fn visit_bool<E>(self, v: bool) -> Result<Root, E> {
        Ok(Root::Scalar(format!("boolean {v}")))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Root, E> {
        Ok(Root::Scalar(format!("integer {v}")))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Root, E> {
        Ok(Root::Scalar(format!("integer {v}")))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Root, E> {
        Ok(Root::Scalar(format!("floating point {v}")))
    }

    fn visit_str<E>(self, v: &str) -> Result<Root, E> {
        Ok(Root::Scalar(format!("string {v:?}")))
    }

    fn visit_bytes<E>(self, _: &[u8]) -> Result<Root, E> {
        Ok(Root::Scalar("bytes".to_owned()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Root, A::Error> {
        let mut meta = TypeMeta {
            api_version: None,
            kind: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "apiVersion" => meta.api_version = map.next_value()?,
                "kind" => meta.kind = map.next_value()?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Root::Object(meta))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Root, A::Error> {
        ItemsVisitor.visit_seq(seq).map(Root::Array)
    }
}

/// What a document (or item) decodes into.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    /// An object of a kind kubesim knows.
    Object(Kind),
    /// A `v1` `List` whose items are objects.
    List,
}

/// Reads a document's root.
pub(crate) fn read_root(slice: &Slice) -> Result<Root, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(&slice.text, yaml_options())
}

/// Reads a `List`'s items.
pub(crate) fn read_list_items(slice: &Slice) -> Result<Vec<Spanned<TypeMeta>>, serde_saphyr::Error> {
    let list: ListItems = serde_saphyr::from_str_with_options(&slice.text, yaml_options())?;
    Ok(list.items.map(|i| i.0).unwrap_or_default())
}

/// Where a spanned value is, in the whole file.
pub(crate) fn spanned_at<T>(slice: &Slice, value: &Spanned<T>) -> (usize, usize) {
    let loc = value.referenced;
    if loc.line() == 0 {
        return slice.root;
    }
    slice.absolute(
        usize::try_from(loc.line()).unwrap_or(usize::MAX),
        usize::try_from(loc.column()).unwrap_or(usize::MAX),
    )
}

/// The kind `meta` names. `at` is where the object starts; `shown` renders
/// the object as JSON for the "missing kind" message.
pub(crate) fn resolve(
    meta: &TypeMeta,
    slice: &Slice,
    at: (usize, usize),
    source: &str,
    allow_list: bool,
    shown: impl FnOnce() -> String,
) -> Result<Target, ManifestError> {
    let error = |(line, column): (usize, usize), message: String| {
        ManifestError::new(source, line, column, message).in_document(slice.index)
    };
    let Some(kind) = meta.kind.as_ref().filter(|k| !k.value.is_empty()) else {
        return Err(error(at, format!("Object 'Kind' is missing in '{}'", shown())));
    };
    let Some(api) = meta.api_version.as_ref().filter(|a| !a.value.is_empty()) else {
        return Err(error(at, "apiVersion not set".to_owned()));
    };
    let no_match = || format!("no matches for kind {:?} in version {:?}", kind.value, api.value);
    match Kind::from_name(&kind.value) {
        Some(k) if k.accepts_api_version(&api.value) => Ok(Target::Object(k)),
        Some(_) => Err(error(spanned_at(slice, api), no_match())),
        None if allow_list && kind.value == "List" && api.value == "v1" => Ok(Target::List),
        None => Err(error(spanned_at(slice, kind), no_match())),
    }
}

/// The document (or its item `item`) as compact JSON, cut to 200 characters.
pub(crate) fn shown(slice: &Slice, item: Option<(bool, usize)>) -> String {
    let value: serde_json::Value = match serde_saphyr::from_str_with_options(&slice.text, yaml_options()) {
        Ok(v) => v,
        Err(_) => return "...".to_owned(),
    };
    let value = match item {
        None => &value,
        Some((true, i)) => &value["items"][i],
        Some((false, i)) => &value[i],
    };
    let text = value.to_string();
    match text.char_indices().nth(200) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}
