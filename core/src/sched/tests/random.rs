//! Random clusters for the property tests, and an independent brute-force oracle of which
//! nodes a pod fits on and how the default profile scores them.

use std::sync::Arc;

use crate::api::pod::{Container, ContainerPort};
use crate::api::scheduling::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    PodAffinity, PodAffinityTerm, PreferredSchedulingTerm, Taint, TaintEffect, Toleration,
    TopologySpreadConstraint, UnsatisfiableConstraintAction,
};
use crate::api::{Node, ObjectMeta, Pod, PodSelector, PodSpec, PriorityClass, ResourceList};
use crate::intern::Symbol;
use crate::labels::Labels;
use crate::rng::Rng;
use crate::store::{Key, Store};

/// What the generator may use.
#[derive(Clone, Copy, Debug)]
pub struct Features {
    /// Pod anti-affinity and topology spread constraints.
    pub inter_pod: bool,
    /// Host ports.
    pub ports: bool,
    /// PreferNoSchedule taints on some nodes (they keep pods off the fast path).
    pub prefer_taints: bool,
}

/// A store with random nodes (and the priority classes `low` and `high`).
pub fn random_nodes(rng: &mut Rng, n: usize, seed: u64, f: Features) -> Store {
    let mut store = Store::new(seed);
    for (name, value) in [("low", 0), ("high", 100)] {
        store
            .create(PriorityClass {
                metadata: ObjectMeta::named("", name),
                value,
                ..PriorityClass::default()
            })
            .unwrap();
    }
    for i in 0..n {
        let name = format!("node-{i}");
        let mut labels: Vec<(String, String)> = vec![("kubernetes.io/hostname".into(), name.clone())];
        if rng.chance(0.85) {
            labels.push((
                "topology.kubernetes.io/zone".into(),
                ["a", "b", "c"][rng.index(3)].into(),
            ));
        }
        if rng.chance(0.5) {
            labels.push(("disk".into(), ["ssd", "hdd"][rng.index(2)].into()));
        }
        let mut node = Node {
            metadata: ObjectMeta::named("", &name),
            ..Node::default()
        };
        node.metadata.labels = labels.into_iter().collect();
        if rng.chance(0.15) {
            node.spec
                .taints
                .push(taint("dedicated", "gpu", TaintEffect::NoSchedule));
        }
        if f.prefer_taints && rng.chance(0.15) {
            node.spec
                .taints
                .push(taint("spot", "", TaintEffect::PreferNoSchedule));
        }
        node.spec.unschedulable = rng.chance(0.05);
        let mut a = ResourceList::cpu_memory(rng.between(2, 16) * 500, rng.between(1, 16) << 30);
        a.set(Symbol::PODS, rng.between(3, 15));
        node.status.allocatable = a;
        store.create(node).unwrap();
    }
    store
}

fn taint(key: &str, value: &str, effect: TaintEffect) -> Taint {
    Taint {
        key: Symbol::intern(key),
        value: Symbol::intern(value),
        effect,
        time_added: None,
    }
}

/// A random pod template (spec and labels) number `i`.
pub fn random_template(rng: &mut Rng, i: usize, f: Features) -> (Arc<PodSpec>, Labels) {
    let labels: Labels = [("app", format!("t{i}"))].into_iter().collect();
    let mut c = Container {
        name: Symbol::intern("c"),
        image: Symbol::intern("img"),
        ..Container::default()
    };
    let mut req = ResourceList::new();
    if rng.chance(0.85) {
        req.set(Symbol::CPU, rng.between(1, 20) * 100);
    }
    if rng.chance(0.85) {
        req.set(Symbol::MEMORY, rng.between(1, 64) << 26);
    }
    c.resources.requests = req;
    if f.ports && rng.chance(0.15) {
        c.ports.push(ContainerPort {
            name: None,
            container_port: 80,
            host_port: Some(8080),
            host_ip: None,
            protocol: Default::default(),
        });
    }
    let mut spec = PodSpec {
        containers: vec![c],
        ..PodSpec::default()
    };
    if rng.chance(0.2) {
        spec.node_selector = [("disk", "ssd")].into_iter().collect();
    }
    if rng.chance(0.25) {
        spec.tolerations.push(Toleration {
            key: Symbol::intern("dedicated"),
            value: Symbol::intern("gpu"),
            ..Toleration::default()
        });
    }
    if rng.chance(0.2) {
        spec.tolerations.push(Toleration {
            key: Symbol::intern("spot"),
            operator: crate::api::scheduling::TolerationOperator::Exists,
            ..Toleration::default()
        });
    }
    let mut affinity = Affinity::default();
    let mut na = NodeAffinity::default();
    if rng.chance(0.2) {
        na.required_during_scheduling_ignored_during_execution = Some(NodeSelector {
            node_selector_terms: vec![NodeSelectorTerm {
                match_expressions: vec![NodeSelectorRequirement {
                    key: Symbol::ZONE,
                    operator: NodeSelectorOperator::In,
                    values: vec![Symbol::intern("a"), Symbol::intern("b")],
                }],
                match_fields: Vec::new(),
            }],
        });
    }
    if rng.chance(0.3) {
        na.preferred_during_scheduling_ignored_during_execution
            .push(PreferredSchedulingTerm {
                weight: rng.between(1, 100) as i32,
                preference: NodeSelectorTerm {
                    match_expressions: vec![NodeSelectorRequirement {
                        key: Symbol::intern("disk"),
                        operator: NodeSelectorOperator::In,
                        values: vec![Symbol::intern(["ssd", "hdd"][rng.index(2)])],
                    }],
                    match_fields: Vec::new(),
                },
            });
    }
    if na != NodeAffinity::default() {
        affinity.node_affinity = Some(na);
    }
    if f.inter_pod && rng.chance(0.25) {
        affinity.pod_anti_affinity = Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: vec![PodAffinityTerm {
                label_selector: PodSelector::match_labels(labels.clone()),
                topology_key: Symbol::HOSTNAME,
                ..PodAffinityTerm::default()
            }],
            preferred_during_scheduling_ignored_during_execution: Vec::new(),
        });
    }
    if affinity != Affinity::default() {
        spec.affinity = Some(affinity);
    }
    if f.inter_pod && rng.chance(0.25) {
        spec.topology_spread_constraints.push(TopologySpreadConstraint {
            max_skew: rng.between(1, 2) as i32,
            topology_key: if rng.chance(0.5) {
                Symbol::ZONE
            } else {
                Symbol::HOSTNAME
            },
            when_unsatisfiable: if rng.chance(0.7) {
                UnsatisfiableConstraintAction::DoNotSchedule
            } else {
                UnsatisfiableConstraintAction::ScheduleAnyway
            },
            label_selector: PodSelector::match_labels(labels.clone()),
            min_domains: None,
            match_label_keys: Vec::new(),
            node_affinity_policy: None,
            node_taints_policy: None,
        });
    }
    if rng.chance(0.2) {
        spec.priority_class_name = Some(Symbol::intern("high"));
    }
    (Arc::new(spec), labels)
}

/// `n` pods from `templates` (named from `pod-{first}`), created in the store.
pub fn random_pods(
    rng: &mut Rng,
    store: &mut Store,
    templates: &[(Arc<PodSpec>, Labels)],
    n: usize,
    first: usize,
) -> Vec<Key<Pod>> {
    (first..first + n)
        .map(|i| {
            let (spec, labels) = &templates[rng.index(templates.len())];
            let mut p = Pod {
                metadata: ObjectMeta::named("default", &format!("pod-{i}")),
                spec: spec.clone(),
                node_name: None,
                status: Default::default(),
            };
            p.metadata.labels = labels.clone();
            store.create(p).unwrap()
        })
        .collect()
}

/// Requested cpu, memory and pod count on `node` (bound, non-terminal pods).
pub fn used(store: &Store, node: Symbol) -> (i64, i64, i64) {
    let mut u = (0, 0, 0);
    for k in store.pods_on_node(node) {
        let p = store.get(*k).unwrap();
        if p.is_terminal() {
            continue;
        }
        u.0 += p.spec.derived.requests.cpu();
        u.1 += p.spec.derived.requests.memory();
        u.2 += 1;
    }
    u
}

fn node_name(n: &Node) -> Symbol {
    n.metadata.name.base()
}

fn term_matches(term: &NodeSelectorTerm, labels: &Labels) -> bool {
    !term.match_expressions.is_empty()
        && term.match_expressions.iter().all(|r| {
            let v = labels.get(r.key);
            match r.operator {
                NodeSelectorOperator::In => v.is_some_and(|v| r.values.contains(&v)),
                _ => unreachable!("the generator only uses In"),
            }
        })
}

/// Whether `pod` fits `node` as the store stands (independent of the plugins).
pub fn fits(store: &Store, pod: &Pod, node: &Node) -> bool {
    let spec = &pod.spec;
    let labels = &node.metadata.labels;
    let tolerated = |t: &Taint| spec.tolerations.iter().any(|tol| tol.tolerates(t));
    if node.spec.unschedulable
        && !tolerated(&taint(
            "node.kubernetes.io/unschedulable",
            "",
            TaintEffect::NoSchedule,
        ))
    {
        return false;
    }
    if node
        .spec
        .taints
        .iter()
        .any(|t| t.effect != TaintEffect::PreferNoSchedule && !tolerated(t))
    {
        return false;
    }
    if !spec.node_selector.iter().all(|(k, v)| labels.get(k) == Some(v)) {
        return false;
    }
    let na = spec.affinity.as_ref().and_then(|a| a.node_affinity.as_ref());
    if let Some(req) = na.and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
        && !req.node_selector_terms.iter().any(|t| term_matches(t, labels))
    {
        return false;
    }
    let name = node_name(node);
    let (cpu, mem, pods) = used(store, name);
    let a = &node.status.allocatable;
    let r = &spec.derived.requests;
    if pods + 1 > a.get_or_zero(Symbol::PODS)
        || (r.cpu() > 0 && r.cpu() > a.cpu() - cpu)
        || (r.memory() > 0 && r.memory() > a.memory() - mem)
    {
        return false;
    }
    let on_node: Vec<&Pod> = store
        .pods_on_node(name)
        .iter()
        .map(|k| store.get(*k).unwrap())
        .filter(|p| !p.is_terminal())
        .collect();
    if !spec.derived.host_ports.is_empty() && on_node.iter().any(|p| !p.spec.derived.host_ports.is_empty()) {
        return false;
    }
    let anti = |s: &PodSpec| {
        s.affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
            .map(|a| a.required_during_scheduling_ignored_during_execution.clone())
            .unwrap_or_default()
    };
    for t in anti(spec) {
        if on_node
            .iter()
            .any(|p| t.label_selector.matches(&p.metadata.labels))
        {
            return false;
        }
    }
    for p in &on_node {
        if anti(&p.spec)
            .iter()
            .any(|t| t.label_selector.matches(&pod.metadata.labels))
        {
            return false;
        }
    }
    for c in &spec.topology_spread_constraints {
        if c.when_unsatisfiable != UnsatisfiableConstraintAction::DoNotSchedule {
            continue;
        }
        let Some(value) = labels.get(c.topology_key) else {
            return false;
        };
        let mut counts: Vec<(Symbol, i64)> = Vec::new();
        for (_, n) in store.iter::<Node>() {
            let Some(v) = n.metadata.labels.get(c.topology_key) else {
                continue;
            };
            let na_ok = na
                .and_then(|n| n.required_during_scheduling_ignored_during_execution.as_ref())
                .is_none_or(|req| {
                    req.node_selector_terms
                        .iter()
                        .any(|t| term_matches(t, &n.metadata.labels))
                })
                && spec
                    .node_selector
                    .iter()
                    .all(|(k, v)| n.metadata.labels.get(k) == Some(v));
            if !na_ok {
                continue;
            }
            let count = store
                .pods_on_node(node_name(n))
                .iter()
                .map(|k| store.get(*k).unwrap())
                .filter(|p| !p.is_terminal() && p.metadata.deletion_timestamp.is_none())
                .filter(|p| p.metadata.namespace == pod.metadata.namespace)
                .filter(|p| c.label_selector.matches(&p.metadata.labels))
                .count() as i64;
            match counts.iter_mut().find(|(x, _)| *x == v) {
                Some(e) => e.1 += count,
                None => counts.push((v, count)),
            }
        }
        let min = counts
            .iter()
            .map(|(_, c)| *c)
            .min()
            .unwrap_or(i64::from(i32::MAX));
        let here = counts.iter().find(|(x, _)| *x == value).map_or(0, |(_, c)| *c);
        let self_match = i64::from(c.label_selector.matches(&pod.metadata.labels));
        if here + self_match - min > i64::from(c.max_skew) {
            return false;
        }
    }
    true
}

/// The default profile's total score of each node in `nodes` for `pod` (no inter-pod terms,
/// no default spreading), computed from the objects.
pub fn scores(store: &Store, pod: &Pod, nodes: &[&Node]) -> Vec<i64> {
    let spec = &pod.spec;
    let d = &spec.derived;
    let prefer_tols: Vec<&Toleration> = spec
        .tolerations
        .iter()
        .filter(|t| t.effect.is_none_or(|e| e == TaintEffect::PreferNoSchedule))
        .collect();
    let mut taint_raw = Vec::new();
    let mut pref_raw = Vec::new();
    let mut fixed = Vec::new();
    let preferred = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .map(|n| n.preferred_during_scheduling_ignored_during_execution.clone())
        .unwrap_or_default();
    for n in nodes {
        taint_raw.push(
            n.spec
                .taints
                .iter()
                .filter(|t| {
                    t.effect == TaintEffect::PreferNoSchedule && !prefer_tols.iter().any(|x| x.tolerates(t))
                })
                .count() as i64,
        );
        pref_raw.push(
            preferred
                .iter()
                .filter(|p| term_matches(&p.preference, &n.metadata.labels))
                .map(|p| i64::from(p.weight))
                .sum::<i64>(),
        );
        let (mut nz_cpu, mut nz_mem, mut cpu, mut mem) = (
            d.non_zero_milli_cpu,
            d.non_zero_memory,
            d.requests.cpu(),
            d.requests.memory(),
        );
        for k in store.pods_on_node(node_name(n)) {
            let p = store.get(*k).unwrap();
            if p.is_terminal() {
                continue;
            }
            nz_cpu += p.spec.derived.non_zero_milli_cpu;
            nz_mem += p.spec.derived.non_zero_memory;
            cpu += p.spec.derived.requests.cpu();
            mem += p.spec.derived.requests.memory();
        }
        let a = &n.status.allocatable;
        let least = |req: i64, cap: i64| {
            if cap == 0 || req > cap {
                0
            } else {
                (cap - req) * 100 / cap
            }
        };
        let fit = (least(nz_cpu, a.cpu()) + least(nz_mem, a.memory())) / 2;
        let bal = if d.requests.cpu() == 0 && d.requests.memory() == 0 {
            0
        } else {
            let f1 = (cpu as f64 / a.cpu() as f64).min(1.0);
            let f2 = (mem as f64 / a.memory() as f64).min(1.0);
            ((1.0 - ((f1 - f2) / 2.0).abs()) * 100.0) as i64
        };
        fixed.push(fit + bal);
    }
    let max_t = taint_raw.iter().copied().max().unwrap_or(0);
    let max_p = pref_raw.iter().copied().max().unwrap_or(0);
    (0..nodes.len())
        .map(|i| {
            let tt = if max_t == 0 {
                100
            } else {
                100 - 100 * taint_raw[i] / max_t
            };
            let na = if preferred.is_empty() || max_p == 0 {
                0
            } else {
                100 * pref_raw[i] / max_p
            };
            3 * tt + 2 * na + fixed[i]
        })
        .collect()
}
