//! Generators: node pools into Nodes, and `deployments` / `pods` generators
//! into objects. Each object draws from its own RNG stream (derived from the
//! seed, the generator's place in the scenario and the object's index), so
//! large generators build in parallel (rayon) with the same result whatever
//! the thread count.

use std::collections::BTreeMap;
use std::sync::Arc;

use kubesim::api::meta::IntOrString;
use kubesim::api::pod::{PodSpec, RestartPolicy};
use kubesim::api::scheduling::{TaintEffect, Toleration, TolerationOperator};
use kubesim::api::{AnyObject, Node, PodTemplateSpec, ResourceList};
use kubesim::build;
use kubesim::rng::{Rng, mix64};
use kubesim::{Symbol, api};
use rayon::prelude::*;

use super::format::{DeploymentGen, NodePool, PodGen, Shape, TemplateGen};

/// The image generated pods run when none is given.
pub const DEFAULT_IMAGE: &str = "registry.k8s.io/pause:3.10";

/// Below this many objects a generator builds on one thread.
const PARALLEL_THRESHOLD: u32 = 2_000;

/// A stable 64-bit hash of a string (FNV-1a), for RNG stream numbers.
pub fn stream_of(s: &str) -> u64 {
    let mut h = kubesim::events::Fnv::default();
    h.write(s.as_bytes());
    h.finish()
}

/// The RNG of object `index` of the generator at `site`.
fn item_rng(seed: u64, site: u64, index: u32) -> Rng {
    Rng::derive(seed, mix64(site ^ mix64(u64::from(index) + 1)))
}

/// The effect of a taint as written (validated by the loader).
pub fn taint_effect(effect: &str) -> TaintEffect {
    match effect {
        "NoExecute" => TaintEffect::NoExecute,
        "PreferNoSchedule" => TaintEffect::PreferNoSchedule,
        _ => TaintEffect::NoSchedule,
    }
}

/// A shape's resources, with `keep` of CPU, memory and extended resources
/// (1.0 keeps all; `1 - headroom` for capacity planning).
pub fn shape_resources(shape: &Shape, keep: f64) -> ResourceList {
    let scale = |v: i64| ((v as f64) * keep).floor() as i64;
    let mut r = ResourceList::cpu_memory(scale(shape.cpu.units("cpu")), scale(shape.memory.units("memory")));
    r.set(
        Symbol::PODS,
        shape.pods.map_or(api::node::DEFAULT_MAX_PODS, i64::from),
    );
    for (name, q) in &shape.extended {
        r.set(Symbol::intern(name), scale(q.units(name)));
    }
    r
}

/// The name of node `index` of a pool.
pub fn node_name(pool: &NodePool, index: u32) -> String {
    format!("{}-{index}", pool.name.as_deref().unwrap_or("node"))
}

/// The nodes of `pool`, numbered from `first`, keeping `keep` of their
/// capacity allocatable (see [`shape_resources`]).
pub fn pool_nodes(pool: &NodePool, first: u32, keep: f64) -> Vec<Node> {
    let resources = shape_resources(&pool.shape, 1.0);
    let allocatable = shape_resources(&pool.shape, keep);
    (first..first + pool.count)
        .map(|i| {
            let name = node_name(pool, i);
            let mut b = build::node(&name, "0", "0").label("kubernetes.io/hostname", &name);
            for (k, v) in &pool.labels {
                b = b.label(k, v);
            }
            if !pool.zones.is_empty() {
                let zone = &pool.zones[(i as usize) % pool.zones.len()];
                b = b.label("topology.kubernetes.io/zone", zone);
            }
            for t in &pool.taints {
                b = b.taint(&t.key, &t.value, taint_effect(&t.effect));
            }
            if pool.unschedulable {
                b = b.unschedulable();
            }
            let mut node = b.build();
            node.status.capacity = resources.clone();
            node.status.allocatable = allocatable.clone();
            node
        })
        .collect()
}

pub(crate) fn labels_of(name: &str, t: &TemplateGen) -> Vec<(String, String)> {
    let mut labels: BTreeMap<String, String> = t.labels.clone();
    labels.entry("app".into()).or_insert_with(|| name.to_owned());
    labels.into_iter().collect()
}

/// Fills a template's spec: requests, extended resources, selector, tolerations.
pub(crate) fn fill_template(template: &mut PodTemplateSpec, t: &TemplateGen, rng: &mut Rng) {
    let spec: &mut PodSpec = Arc::make_mut(&mut template.spec);
    let mut requests = ResourceList::new();
    if let Some(cpu) = &t.cpu {
        requests.set(Symbol::CPU, cpu.sample(rng, "cpu"));
    }
    if let Some(memory) = &t.memory {
        requests.set(Symbol::MEMORY, memory.sample(rng, "memory"));
    }
    let mut limits = ResourceList::new();
    for (name, dist) in &t.extended {
        let v = dist.sample(rng, name);
        requests.set(Symbol::intern(name), v);
        limits.set(Symbol::intern(name), v);
    }
    if let Some(c) = spec.containers.first_mut() {
        c.resources.requests = requests;
        c.resources.limits = limits;
    }
    spec.node_selector = t
        .node_selector
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    spec.tolerations = t
        .tolerations
        .iter()
        .map(|s| {
            let (key, value) = s.split_once('=').unwrap_or((s.as_str(), ""));
            Toleration {
                key: Symbol::intern(key),
                operator: if value.is_empty() {
                    TolerationOperator::Exists
                } else {
                    TolerationOperator::Equal
                },
                value: Symbol::intern(value),
                effect: None,
                toleration_seconds: None,
            }
        })
        .collect();
    spec.priority_class_name = t.priority_class_name.as_deref().map(Symbol::intern);
    spec.derived = Default::default();
}

pub(crate) fn int_or_string(s: &str) -> IntOrString {
    match s.parse::<i32>() {
        Ok(n) => IntOrString::Int(n),
        Err(_) => IntOrString::String(Symbol::intern(s)),
    }
}

/// Deployment `index` of a generator.
pub fn deployment(g: &DeploymentGen, index: u32, rng: &mut Rng) -> AnyObject {
    let name = format!("{}-{index}", g.name_prefix.as_deref().unwrap_or("app"));
    let labels = labels_of(&name, &g.template);
    let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let replicas = g.replicas.sample(rng, "replicas").clamp(0, i64::from(i32::MAX)) as i32;
    let mut b = build::deployment(&name, replicas)
        .labels(&pairs)
        .image(g.template.image.as_deref().unwrap_or(DEFAULT_IMAGE))
        .namespace(g.namespace.as_deref().unwrap_or("default"));
    if g.max_surge.is_some() || g.max_unavailable.is_some() {
        b = b.rolling(
            g.max_surge.as_deref().unwrap_or("25%"),
            g.max_unavailable.as_deref().unwrap_or("25%"),
        );
    }
    if let Some(s) = g.min_ready_seconds {
        b = b.min_ready_seconds(s);
    }
    let mut d = b.build();
    d.metadata.labels = d.spec.template.metadata.labels.clone();
    fill_template(&mut d.spec.template, &g.template, rng);
    if let Some(ro) = d.spec.strategy.rolling_update.as_mut() {
        // The builder reads numbers and percentages; keep the text as given.
        if let Some(s) = &g.max_surge {
            ro.max_surge = Some(int_or_string(s));
        }
        if let Some(s) = &g.max_unavailable {
            ro.max_unavailable = Some(int_or_string(s));
        }
    }
    AnyObject::Deployment(d)
}

/// Pod `index` of a generator.
pub fn pod(g: &PodGen, index: u32, rng: &mut Rng) -> AnyObject {
    let name = format!("{}-{index}", g.name_prefix.as_deref().unwrap_or("pod"));
    let labels = labels_of(g.name_prefix.as_deref().unwrap_or("pod"), &g.template);
    let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let p = build::pod(&name)
        .labels(&pairs)
        .image(g.template.image.as_deref().unwrap_or(DEFAULT_IMAGE))
        .namespace(g.namespace.as_deref().unwrap_or("default"))
        .restart_policy(RestartPolicy::Always)
        .build();
    let mut template = PodTemplateSpec {
        metadata: Default::default(),
        spec: p.spec.clone(),
    };
    fill_template(&mut template, &g.template, rng);
    AnyObject::Pod(api::Pod {
        spec: template.spec,
        ..p
    })
}

/// Every object of a generator: `count` objects built by `one`, in index
/// order, in parallel above a threshold (`None`s are left out).
pub fn generate<T, F>(count: u32, seed: u64, site: &str, one: F) -> Vec<AnyObject>
where
    T: Into<Option<AnyObject>>,
    F: Fn(u32, &mut Rng) -> T + Sync,
{
    let site = stream_of(site);
    let build = |i: u32| one(i, &mut item_rng(seed, site, i)).into();
    if count < PARALLEL_THRESHOLD {
        (0..count).filter_map(build).collect()
    } else {
        (0..count).into_par_iter().filter_map(build).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::values::{Dist, Qty, parse_qty};

    fn gen_deployments(count: u32) -> DeploymentGen {
        DeploymentGen {
            count,
            name_prefix: None,
            namespace: None,
            replicas: Dist::Uniform(1, 5),
            max_surge: None,
            max_unavailable: None,
            min_ready_seconds: None,
            template: TemplateGen {
                cpu: Some(Dist::Choice(vec![
                    parse_qty("100m").unwrap(),
                    parse_qty("200m").unwrap(),
                ])),
                memory: Some(Dist::Fixed(parse_qty("64Mi").unwrap())),
                ..TemplateGen::default()
            },
        }
    }

    #[test]
    fn generation_is_the_same_serial_or_parallel() {
        let g = gen_deployments(2500);
        let a = generate(2500, 7, "workloads[0]", |i, rng| deployment(&g, i, rng));
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        let b = pool.install(|| generate(2500, 7, "workloads[0]", |i, rng| deployment(&g, i, rng)));
        assert_eq!(a, b);
        let AnyObject::Deployment(d) = &a[3] else { panic!() };
        assert_eq!(d.metadata.name.to_string(), "app-3");
        assert!((1..=5).contains(&d.spec.replicas));
        let req = &d.spec.template.spec.containers[0].resources.requests;
        assert!([100, 200].contains(&req.cpu()));
        assert_eq!(req.memory(), 64 << 20);
    }

    #[test]
    fn pools_spread_zones_and_keep_headroom() {
        let pool = NodePool {
            name: Some("w".into()),
            count: 4,
            shape: Shape {
                cpu: Qty(kubesim::quantity::Quantity::parse("4").unwrap()),
                memory: parse_qty("16Gi").unwrap(),
                pods: Some(20),
                extended: BTreeMap::new(),
            },
            labels: BTreeMap::new(),
            taints: Vec::new(),
            zones: vec!["a".into(), "b".into()],
            unschedulable: false,
        };
        let nodes = pool_nodes(&pool, 0, 0.8);
        assert_eq!(nodes.len(), 4);
        assert_eq!(nodes[1].metadata.name.to_string(), "w-1");
        assert_eq!(
            nodes[1].metadata.labels.get_str("topology.kubernetes.io/zone"),
            Some("b")
        );
        assert_eq!(nodes[0].status.allocatable.cpu(), 3200);
        assert_eq!(nodes[0].status.capacity.cpu(), 4000);
        assert_eq!(nodes[0].status.allocatable.get_or_zero(Symbol::PODS), 20);
    }
}
