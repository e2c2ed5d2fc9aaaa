//! Overrides: `--set PARAM=VALUE` and the grid of `sweep --vary
//! PARAM=V1,V2`, applied to the scenario document before it is read.
//!
//! A PARAM is a field path into the scenario (`nodes[0].count`,
//! `kubelet.startLatency`, `workloads[1].deployments.replicas`,
//! `nodes[0].labels[app.kubernetes.io/tier]`); a VALUE is YAML (`3`, `2s`,
//! `"{uniform: {min: 1, max: 4}}"`).

use serde_json::Value;

/// One `PARAM=VALUE`.
#[derive(Clone, Debug, PartialEq)]
pub struct Override {
    /// The field path.
    pub path: String,
    /// The value as written.
    pub raw: String,
    /// The value as read.
    pub value: Value,
    /// The flag it came from (`--set` or `--vary`), for errors.
    pub flag: &'static str,
}

impl Override {
    /// How to write it on a command line.
    pub fn to_arg(&self) -> String {
        format!("{}={}", self.path, self.raw)
    }
}

/// One step of a path.
#[derive(Debug, PartialEq, Eq)]
enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

fn segments(path: &str) -> Result<Vec<Seg<'_>>, String> {
    let bad =
        || format!("invalid parameter path {path:?}: expected e.g. nodes[0].count or kubelet.startLatency");
    let mut out = Vec::new();
    let mut rest = path;
    let mut first = true;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('[') {
            let (inner, tail) = after.split_once(']').ok_or_else(bad)?;
            if inner.is_empty() {
                return Err(bad());
            }
            out.push(match inner.parse::<usize>() {
                Ok(i) => Seg::Index(i),
                Err(_) => Seg::Key(inner),
            });
            rest = tail;
        } else {
            let name = if first {
                rest
            } else {
                rest.strip_prefix('.').ok_or_else(bad)?
            };
            let end = name.find(['.', '[']).unwrap_or(name.len());
            if end == 0 {
                return Err(bad());
            }
            out.push(Seg::Key(&name[..end]));
            rest = &name[end..];
        }
        first = false;
    }
    if out.is_empty() {
        return Err(bad());
    }
    Ok(out)
}

/// Reads a value as YAML (a number, a duration string, a flow map, ...).
pub fn parse_value(raw: &str) -> Result<Value, String> {
    if raw.trim().is_empty() {
        return Ok(Value::String(String::new()));
    }
    let v = kubesim::manifest::decode_document::<Value>(raw, "value")
        .map_err(|e| format!("invalid value {raw:?}: {}", e.message()))?;
    // YAML 1.1 reads `y`, `on`, `no` as booleans; only `true` and `false` mean that here.
    if v.is_boolean() && !matches!(raw.trim(), "true" | "false") {
        return Ok(Value::String(raw.trim().to_owned()));
    }
    Ok(v)
}

/// Parses `PARAM=VALUE`.
pub fn parse_set(arg: &str) -> Result<Override, String> {
    let (path, raw) = arg
        .split_once('=')
        .ok_or_else(|| format!("invalid --set {arg:?}: expected PARAM=VALUE, e.g. nodes[0].count=10"))?;
    segments(path)?;
    Ok(Override {
        path: path.trim().to_owned(),
        raw: raw.to_owned(),
        value: parse_value(raw)?,
        flag: "--set",
    })
}

/// Splits `V1,V2,...` at the commas outside brackets, braces and quotes.
fn split_values(s: &str) -> Vec<&str> {
    let (mut depth, mut quote, mut start) = (0i32, None::<char>, 0);
    let mut out = Vec::new();
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[' | '{') => depth += 1,
            (None, ']' | '}') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// Parses `PARAM=V1,V2,...` into the overrides of each value.
pub fn parse_vary(arg: &str) -> Result<Vec<Override>, String> {
    let (path, values) = arg.split_once('=').ok_or_else(|| {
        format!("invalid --vary {arg:?}: expected PARAM=V1,V2,... e.g. nodes[0].count=10,20")
    })?;
    segments(path)?;
    split_values(values)
        .into_iter()
        .map(|raw| {
            Ok(Override {
                path: path.trim().to_owned(),
                raw: raw.to_owned(),
                value: parse_value(raw).map_err(|e| format!("--vary {path}: {e}"))?,
                flag: "--vary",
            })
        })
        .collect()
}

/// Sets the field at `o.path` of `doc` to `o.value`, creating missing map
/// keys; list indexes must exist.
pub fn apply(doc: &mut Value, o: &Override) -> Result<(), String> {
    let segs = segments(&o.path)?;
    let mut cur = doc;
    let mut walked = String::new();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match seg {
            Seg::Key(k) => {
                if cur.is_null() {
                    *cur = Value::Object(Default::default());
                }
                let Value::Object(map) = cur else {
                    return Err(format!("{} {}: {walked} is not a map", o.flag, o.path));
                };
                if last {
                    map.insert((*k).to_owned(), o.value.clone());
                    return Ok(());
                }
                cur = map.entry((*k).to_owned()).or_insert(Value::Null);
                if walked.is_empty() {
                    walked = (*k).to_owned();
                } else {
                    walked = format!("{walked}.{k}");
                }
            }
            Seg::Index(n) => {
                let Value::Array(items) = cur else {
                    return Err(format!("{} {}: {walked} is not a list", o.flag, o.path));
                };
                let len = items.len();
                let Some(item) = items.get_mut(*n) else {
                    return Err(format!(
                        "{} {}: {walked}[{n}] does not exist (the list has {len} items)",
                        o.flag, o.path
                    ));
                };
                if last {
                    *item = o.value.clone();
                    return Ok(());
                }
                cur = item;
                walked = format!("{walked}[{n}]");
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_nested_fields() {
        let mut doc = serde_json::json!({"nodes": [{"count": 1}], "kubelet": null});
        apply(&mut doc, &parse_set("nodes[0].count=7").unwrap()).unwrap();
        apply(&mut doc, &parse_set("kubelet.startLatency=2s").unwrap()).unwrap();
        apply(&mut doc, &parse_set("nodes[0].labels[app.io/x]=y").unwrap()).unwrap();
        assert_eq!(doc["nodes"][0]["count"], 7);
        assert_eq!(doc["kubelet"]["startLatency"], "2s");
        assert_eq!(doc["nodes"][0]["labels"]["app.io/x"], "y");
        let e = apply(&mut doc, &parse_set("nodes[3].count=1").unwrap()).unwrap_err();
        assert!(e.contains("has 1 items"), "{e}");
    }

    #[test]
    fn vary_splits_values_outside_brackets() {
        let v = parse_vary("workloads[0].deployments.replicas=1,{uniform: {min: 1, max: 3}},5").unwrap();
        assert_eq!(v.len(), 3);
        assert_eq!(v[1].value["uniform"]["max"], 3);
        assert!(parse_vary("nodes[0].count").is_err());
        assert!(parse_set("..=1").is_err());
    }
}
