//! The short node syntax of the command line and of `shape: "8cpu/32Gi"`:
//! `[COUNTx]CPU/MEMORY[/ATTR...]`, groups joined by commas, as in
//! `--nodes 3x4cpu/16Gi,2x8cpu/32Gi/zone=b`.
//!
//! Attributes: `pods=N` (max pods), `gpu=N` (`nvidia.com/gpu`), `zone=Z`
//! (`topology.kubernetes.io/zone`), `taint=KEY[=VALUE]:EFFECT`,
//! `res:NAME=QTY` (any extended resource), and any other `KEY=VALUE` is a
//! node label (keys may contain `/`).

use std::collections::BTreeMap;

use super::format::{NodePool, Shape};
use super::values::{Qty, parse_qty, parse_taint};

/// Parses a CPU amount: a quantity with an optional `cpu` suffix (`4cpu`, `500mcpu`, `2`).
fn parse_cpu(s: &str) -> Result<Qty, String> {
    let t = s.trim();
    let t = t
        .strip_suffix("cpus")
        .or_else(|| t.strip_suffix("cpu"))
        .or_else(|| t.strip_suffix("CPU"))
        .unwrap_or(t);
    parse_qty(t)
}

/// Splits on `/`, joining a part without `=` to the next one when it is an
/// attribute's key prefix (`nvidia.com` + `gpu.product=T4`).
fn parts(s: &str) -> Vec<String> {
    let raw: Vec<&str> = s.split('/').collect();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let mut part = raw[i].to_owned();
        // The first two parts are CPU and memory; later parts are attributes.
        if out.len() >= 2 {
            while !part.contains('=') && !part.contains(':') && i + 1 < raw.len() {
                i += 1;
                part = format!("{part}/{}", raw[i]);
            }
        }
        out.push(part);
        i += 1;
    }
    out
}

/// One group of a node spec.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeGroup {
    /// How many nodes.
    pub count: u32,
    /// Their shape.
    pub shape: Shape,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// Taints.
    pub taints: Vec<super::values::TaintSpec>,
    /// The zone, if given.
    pub zone: Option<String>,
}

/// Parses one group, `[COUNTx]CPU/MEMORY[/ATTR...]`.
pub fn parse_group(s: &str) -> Result<NodeGroup, String> {
    let s = s.trim();
    let (count, rest) = match s.split_once(['x', 'X']) {
        Some((n, rest)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
            let count: u32 = n
                .parse()
                .map_err(|_| format!("invalid node count {n:?}: expected a whole number"))?;
            (count, rest)
        }
        _ => (1, s),
    };
    let p = parts(rest);
    if p.len() < 2 {
        return Err(format!(
            "invalid node shape {rest:?}: expected CPU/MEMORY such as \"4cpu/16Gi\""
        ));
    }
    let cpu = parse_cpu(&p[0]).map_err(|e| format!("cpu: {e}"))?;
    let memory = parse_qty(&p[1]).map_err(|e| format!("memory: {e}"))?;
    let mut group = NodeGroup {
        count,
        shape: Shape {
            cpu,
            memory,
            pods: None,
            extended: BTreeMap::new(),
        },
        labels: BTreeMap::new(),
        taints: Vec::new(),
        zone: None,
    };
    for attr in &p[2..] {
        let (key, value) = attr.split_once('=').ok_or_else(|| {
            format!("invalid attribute {attr:?}: expected KEY=VALUE (pods=, gpu=, zone=, taint=, res:NAME=, or a label)")
        })?;
        match key {
            "pods" => {
                group.shape.pods = Some(
                    value
                        .parse()
                        .map_err(|_| format!("pods: invalid count {value:?}: expected a whole number"))?,
                )
            }
            "gpu" => {
                let q = parse_qty(value).map_err(|e| format!("gpu: {e}"))?;
                group.shape.extended.insert("nvidia.com/gpu".into(), q);
            }
            "zone" => group.zone = Some(value.to_owned()),
            "taint" => group.taints.push(parse_taint(value)?),
            k if k.starts_with("res:") => {
                let q = parse_qty(value).map_err(|e| format!("{}: {e}", &k[4..]))?;
                group.shape.extended.insert(k[4..].to_owned(), q);
            }
            "" => return Err(format!("invalid attribute {attr:?}: empty key")),
            k => {
                group.labels.insert(k.to_owned(), value.to_owned());
            }
        }
    }
    Ok(group)
}

/// Parses a shape (a group without a count, labels or taints).
pub fn parse_shape(s: &str) -> Result<Shape, String> {
    let g = parse_group(s)?;
    if g.count != 1 || !g.labels.is_empty() || !g.taints.is_empty() || g.zone.is_some() {
        return Err(format!(
            "invalid node shape {s:?}: expected CPU/MEMORY[/pods=N][/gpu=N][/res:NAME=N], without a count, labels or taints"
        ));
    }
    Ok(g.shape)
}

/// Parses `--nodes`: groups joined by commas, as node pools.
pub fn parse_nodes(spec: &str) -> Result<Vec<NodePool>, String> {
    let mut pools = Vec::new();
    for (i, g) in spec.split(',').enumerate() {
        let group = parse_group(g).map_err(|e| format!("--nodes {spec:?}: group {} ({g:?}): {e}", i + 1))?;
        if group.count == 0 {
            return Err(format!(
                "--nodes {spec:?}: group {} ({g:?}): count must be at least 1",
                i + 1
            ));
        }
        pools.push(NodePool {
            name: Some(format!(
                "node{}",
                if i == 0 {
                    String::new()
                } else {
                    format!("{}", i + 1)
                }
            )),
            count: group.count,
            shape: group.shape,
            labels: group.labels,
            taints: group.taints,
            zones: group.zone.into_iter().collect(),
            unschedulable: false,
        });
    }
    Ok(pools)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_parse() {
        let pools = parse_nodes("3x4cpu/16Gi,2x8cpu/32Gi/zone=b/gpu=2/nvidia.com/gpu.product=T4").unwrap();
        assert_eq!(pools.len(), 2);
        assert_eq!(pools[0].count, 3);
        assert_eq!(pools[0].shape.cpu.units("cpu"), 4000);
        assert_eq!(pools[0].shape.memory.units("memory"), 16 << 30);
        assert_eq!(pools[1].zones, vec!["b".to_owned()]);
        assert_eq!(
            pools[1].shape.extended["nvidia.com/gpu"].units("nvidia.com/gpu"),
            2
        );
        assert_eq!(pools[1].labels["nvidia.com/gpu.product"], "T4");
        assert_eq!(pools[0].name.as_deref(), Some("node"));
        assert_eq!(pools[1].name.as_deref(), Some("node2"));
    }

    #[test]
    fn bad_groups_say_what_is_wrong() {
        let e = parse_nodes("3x4 cores/16Gi").unwrap_err();
        assert!(e.contains("cpu: invalid quantity \"4 cores\""), "{e}");
        assert!(parse_nodes("3x4cpu").unwrap_err().contains("expected CPU/MEMORY"));
        assert!(parse_nodes("0x4cpu/1Gi").unwrap_err().contains("at least 1"));
        assert!(
            parse_nodes("4cpu/1Gi/taint=a:Bad")
                .unwrap_err()
                .contains("effect")
        );
        assert!(parse_shape("2x4cpu/1Gi").is_err());
        assert_eq!(parse_shape("500mcpu/1Gi/pods=8").unwrap().pods, Some(8));
    }
}
