//! The second read of a document: straight into the typed structs of its
//! kind (or of each item's kind), so that errors keep their positions.

use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use super::ManifestObject;
use super::diagnose::diagnose;
use super::error::ManifestError;
use super::header::{Root, Target, TypeMeta, read_list_items, read_root, resolve, shown, spanned_at};
use super::lenient::Lenient;
use super::limits::yaml_options;
use super::split::Slice;
use crate::api::*;

/// Decodes one object of a known kind.
struct ObjectSeed(Kind);

impl<'de> DeserializeSeed<'de> for ObjectSeed {
    type Value = AnyObject;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<AnyObject, D::Error> {
        macro_rules! by_kind {
            ($($k:ident),* $(,)?) => {
                match self.0 {
                    $(Kind::$k => <$k as serde::Deserialize>::deserialize(Lenient(d)).map(AnyObject::$k),)*
                }
            };
        }
        by_kind!(
            Namespace,
            Node,
            Pod,
            ReplicaSet,
            Deployment,
            DaemonSet,
            StatefulSet,
            Job,
            CronJob,
            Service,
            Endpoints,
            ConfigMap,
            Secret,
            ServiceAccount,
            ResourceQuota,
            LimitRange,
            PriorityClass,
            PodDisruptionBudget,
            HorizontalPodAutoscaler,
            PersistentVolumeClaim,
        )
    }
}

/// Decodes a list whose items have the kinds `0`, in order.
struct ItemsSeed<'a>(&'a [Kind]);

impl<'de> DeserializeSeed<'de> for ItemsSeed<'_> {
    type Value = Vec<AnyObject>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<AnyObject>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ItemsSeed<'_> {
    type Value = Vec<AnyObject>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<AnyObject>, A::Error> {
        let mut out = Vec::with_capacity(self.0.len());
        for &kind in self.0 {
            match seq.next_element_seed(ObjectSeed(kind))? {
                Some(obj) => out.push(obj),
                None => return Err(de::Error::invalid_length(out.len(), &self)),
            }
        }
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(out)
    }
}

/// Decodes a `List`'s items, ignoring its other fields.
struct ListSeed<'a>(&'a [Kind]);

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = Vec<AnyObject>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a List")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<AnyObject>, A::Error> {
        let mut out = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if key == "items" {
                out = map.next_value_seed(ItemsSeed(self.0))?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// Resolves the kinds of a list's items (`in_list`: a `List`'s `items`
/// rather than a JSON array).
fn item_kinds(
    items: &[serde_saphyr::Spanned<TypeMeta>],
    slice: &Slice,
    source: &str,
    in_list: bool,
) -> Result<Vec<Kind>, ManifestError> {
    let mut kinds = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let at = spanned_at(slice, item);
        let target = resolve(&item.value, slice, at, source, false, || {
            shown(slice, Some((in_list, i)))
        })
        .map_err(|e| {
            let prefix = if in_list {
                format!("items[{i}]")
            } else {
                format!("[{i}]")
            };
            e.with_field(Some(prefix))
        })?;
        if let Target::Object(kind) = target {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// Decodes the objects of `slice` into `out`.
pub(crate) fn decode(
    slice: &Slice,
    source: &str,
    out: &mut Vec<ManifestObject>,
) -> Result<(), ManifestError> {
    let fail = |e: serde_saphyr::Error| diagnose(&e, slice, source);
    let (objects, item_lines) = match read_root(slice).map_err(fail)? {
        Root::Empty => return Ok(()),
        Root::Scalar(found) => {
            let (line, column) = slice.root;
            return Err(ManifestError::new(
                source,
                line,
                column,
                format!("invalid object: expected a map with apiVersion and kind, found {found}"),
            )
            .in_document(slice.index));
        }
        Root::Object(meta) => match resolve(&meta, slice, slice.root, source, true, || shown(slice, None))? {
            Target::Object(kind) => {
                let object =
                    serde_saphyr::with_deserializer_from_str_with_options(&slice.text, yaml_options(), |d| {
                        ObjectSeed(kind).deserialize(d)
                    })
                    .map_err(fail)?;
                out.push(ManifestObject {
                    object,
                    source: source.to_owned(),
                    document: slice.index,
                    line: slice.line,
                    item: None,
                });
                return Ok(());
            }
            Target::List => {
                let items = read_list_items(slice).map_err(fail)?;
                let kinds = item_kinds(&items, slice, source, true)?;
                let objects = if kinds.is_empty() {
                    Vec::new()
                } else {
                    serde_saphyr::with_deserializer_from_str_with_options(&slice.text, yaml_options(), |d| {
                        d.deserialize_map(ListSeed(&kinds))
                    })
                    .map_err(fail)?
                };
                let lines = items.iter().map(|i| spanned_at(slice, i).0).collect::<Vec<_>>();
                (objects, lines)
            }
        },
        Root::Array(items) => {
            let kinds = item_kinds(&items.0, slice, source, false)?;
            let objects =
                serde_saphyr::with_deserializer_from_str_with_options(&slice.text, yaml_options(), |d| {
                    ItemsSeed(&kinds).deserialize(d)
                })
                .map_err(fail)?;
            let lines = items.0.iter().map(|i| spanned_at(slice, i).0).collect::<Vec<_>>();
            (objects, lines)
        }
    };
    out.extend(objects.into_iter().enumerate().map(|(i, object)| ManifestObject {
        object,
        source: source.to_owned(),
        document: slice.index,
        line: item_lines.get(i).copied().unwrap_or(slice.line),
        item: Some(i),
    }));
    Ok(())
}
