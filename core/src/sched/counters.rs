//! Incremental topology counts: how many bound pods matching a (namespaces, selector) sit in
//! each domain of a topology key, kept up to date as pods are bound and removed instead of
//! recounted every cycle (PodTopologySpread, InterPodAffinity). Also the pods carrying
//! inter-pod affinity terms, grouped by template and namespace, with their per-domain counts,
//! and the domain census (nodes per value of a key).
//!
//! A counter is built on first use through the store's pod label index and dropped when node
//! labels change (or when unused for a while). Counts are `Arc`s so that a cycle can keep a
//! snapshot cheaply; an update copies only a snapshot still held.

use std::sync::Arc;

use smallvec::SmallVec;

use super::cache::{ClusterCache, NONE};
use super::pod_info::{AffinityTerm, PodInfo, Template};
use crate::api::Namespace;
use crate::collections::FxMap;
use crate::intern::Symbol;
use crate::labels::{Labels, Operator, Selector};
use crate::store::Store;

/// Per-domain counts of one topology key.
#[derive(Clone, Debug, Default)]
pub struct DomainMap {
    /// Pods on nodes that have the key, by the key's value.
    pub values: FxMap<Symbol, i64>,
    /// Pods on nodes without the key.
    pub missing: i64,
    /// Pods per node slot.
    pub nodes: FxMap<u32, i64>,
}

impl DomainMap {
    fn bump(&mut self, slot: u32, value: Option<Symbol>, by: i64) {
        match value {
            Some(v) => {
                let e = self.values.entry(v).or_default();
                *e += by;
                if *e == 0 {
                    self.values.remove(&v);
                }
            }
            None => self.missing += by,
        }
        let e = self.nodes.entry(slot).or_default();
        *e += by;
        if *e == 0 {
            self.nodes.remove(&slot);
        }
    }

    /// Pods in domain `value` (`None`: nodes without the key).
    pub fn get(&self, value: Option<Symbol>) -> i64 {
        match value {
            Some(v) => self.values.get(&v).copied().unwrap_or(0),
            None => self.missing,
        }
    }

    /// Pods on node `slot`.
    pub fn on_node(&self, slot: u32) -> i64 {
        self.nodes.get(&slot).copied().unwrap_or(0)
    }
}

/// Which pods a counter counts.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CounterKey {
    /// Namespaces (sorted by symbol); `None` = every namespace.
    pub namespaces: Option<SmallVec<[Symbol; 2]>>,
    /// The pods' selector.
    pub selector: Selector,
    /// The topology key.
    pub key: Symbol,
    /// Whether terminating pods are left out (PodTopologySpread) or counted (InterPodAffinity).
    pub skip_deleting: bool,
}

impl CounterKey {
    fn counts(&self, pod: &PodInfo) -> bool {
        (!self.skip_deleting || !pod.deleting)
            && self
                .namespaces
                .as_ref()
                .is_none_or(|ns| ns.contains(&pod.namespace))
            && self.selector.matches(&pod.labels)
    }
}

struct Counter {
    map: Arc<DomainMap>,
    used: u64,
}

/// A group of bound pods sharing a template and a namespace, with per-term domain counts.
pub struct TermGroup {
    /// The template.
    pub template: Arc<Template>,
    /// The pods' namespace.
    pub namespace: Symbol,
    /// Per required anti-affinity term: pods by the term key's value on their node.
    pub anti: Vec<Arc<FxMap<Symbol, i64>>>,
    /// Per required affinity term.
    pub affinity: Vec<Arc<FxMap<Symbol, i64>>>,
    /// Per preferred affinity term.
    pub preferred: Vec<Arc<FxMap<Symbol, i64>>>,
    /// Per preferred anti-affinity term.
    pub preferred_anti: Vec<Arc<FxMap<Symbol, i64>>>,
    pods: i64,
}

fn bump_terms(
    maps: &mut [Arc<FxMap<Symbol, i64>>],
    terms: impl Iterator<Item = Symbol>,
    labels: &Labels,
    by: i64,
) {
    for (m, key) in maps.iter_mut().zip(terms) {
        if let Some(v) = labels.get(key) {
            let m = Arc::make_mut(m);
            let e = m.entry(v).or_default();
            *e += by;
            if *e == 0 {
                m.remove(&v);
            }
        }
    }
}

/// The `key=value` pairs every pod a counter counts carries (from `=`, `==` and single-valued
/// `in` requirements): candidates for its anchor, so that a bound pod is tested only against
/// the counters anchored on one of its labels instead of every counter.
fn anchors(key: &CounterKey) -> impl Iterator<Item = (Symbol, Symbol)> + '_ {
    key.selector.requirements().iter().filter_map(|r| {
        let single = matches!(
            r.operator(),
            Operator::Equals | Operator::DoubleEquals | Operator::In
        ) && r.values().len() == 1;
        single.then(|| (r.key(), r.values()[0]))
    })
}

/// The live counters in a slab, with the key index and the anchor index (slab ids, so a bind
/// never hashes a whole key).
#[derive(Default)]
struct CounterSet {
    slab: Vec<Option<(CounterKey, Counter)>>,
    free: Vec<u32>,
    by_key: FxMap<CounterKey, u32>,
    /// Anchor -> ids of the counters anchored there.
    anchored: FxMap<(Symbol, Symbol), SmallVec<[u32; 2]>>,
    /// Counters without an anchor (tested for every pod).
    unanchored: Vec<u32>,
}

impl CounterSet {
    fn len(&self) -> usize {
        self.by_key.len()
    }

    fn clear(&mut self) {
        *self = CounterSet::default();
    }

    fn get_mut(&mut self, key: &CounterKey) -> Option<&mut Counter> {
        let id = *self.by_key.get(key)?;
        self.slab[id as usize].as_mut().map(|(_, c)| c)
    }

    fn insert(&mut self, key: CounterKey, c: Counter) {
        // The least shared candidate (a broad label such as `tier=web` would make every bind
        // test many counters).
        let anchored = &self.anchored;
        let best = anchors(&key).min_by_key(|a| anchored.get(a).map_or(0, SmallVec::len));
        let id = match self.free.pop() {
            Some(id) => id,
            None => {
                self.slab.push(None);
                (self.slab.len() - 1) as u32
            }
        };
        match best {
            Some(a) => self.anchored.entry(a).or_default().push(id),
            None => self.unanchored.push(id),
        }
        self.by_key.insert(key.clone(), id);
        self.slab[id as usize] = Some((key, c));
    }

    fn retain(&mut self, keep: impl Fn(&Counter) -> bool) {
        for (id, entry) in self.slab.iter_mut().enumerate() {
            if entry.as_ref().is_some_and(|(_, c)| !keep(c)) {
                let (k, _) = entry.take().expect("live");
                self.by_key.remove(&k);
                self.free.push(id as u32);
            }
        }
        let slab = &self.slab;
        self.anchored.retain(|_, ids| {
            ids.retain(|id| slab[*id as usize].is_some());
            !ids.is_empty()
        });
        self.unanchored.retain(|id| slab[*id as usize].is_some());
    }

    /// Bumps every counter that counts `pod`.
    fn on_pod(&mut self, pod: &PodInfo, slot: u32, labels: &Labels, by: i64) {
        let bump = |slab: &mut [Option<(CounterKey, Counter)>], id: u32| {
            if let Some((k, c)) = slab[id as usize].as_mut()
                && k.counts(pod)
            {
                Arc::make_mut(&mut c.map).bump(slot, labels.get(k.key), by);
            }
        };
        for (lk, lv) in pod.labels.iter() {
            if let Some(ids) = self.anchored.get(&(lk, lv)) {
                for &id in ids {
                    bump(&mut self.slab, id);
                }
            }
        }
        for &id in &self.unanchored {
            bump(&mut self.slab, id);
        }
    }
}

/// All incremental counts.
#[derive(Default)]
pub struct Counters {
    counters: CounterSet,
    census: FxMap<Symbol, Arc<FxMap<Symbol, u32>>>,
    /// Term groups by (template address, namespace).
    pub groups: FxMap<(usize, Symbol), TermGroup>,
    tick: u64,
    /// Whether every node's hostname label is unique (memoised until node labels change).
    pub(crate) unique_hostnames: Option<bool>,
}

/// Most counters kept (least recently used dropped first). A bind tests only the counters
/// anchored on its labels, so many can be kept: a rollout of 10,000 Deployments touches
/// 40,000 (two keys per ReplicaSet) in bursts; a counter holds a few hundred bytes.
const MAX_COUNTERS: usize = 32_768;

impl Counters {
    /// Node labels changed: every count by domain is stale.
    pub fn clear_domains(&mut self) {
        self.counters.clear();
        self.census.clear();
        self.unique_hostnames = None;
    }

    /// A bound pod was added (`by = 1`) or removed (`-1`) on a node labelled `labels`.
    pub fn on_pod(&mut self, pod: &PodInfo, slot: u32, labels: &Labels, by: i64) {
        self.counters.on_pod(pod, slot, labels, by);
        let t = &pod.template;
        if t.affinity.is_empty() {
            return;
        }
        let addr = Arc::as_ptr(t) as usize;
        let g = self
            .groups
            .entry((addr, pod.namespace))
            .or_insert_with(|| TermGroup {
                template: t.clone(),
                namespace: pod.namespace,
                anti: vec![Arc::default(); t.affinity.required_anti_affinity.len()],
                affinity: vec![Arc::default(); t.affinity.required_affinity.len()],
                preferred: vec![Arc::default(); t.affinity.preferred_affinity.len()],
                preferred_anti: vec![Arc::default(); t.affinity.preferred_anti_affinity.len()],
                pods: 0,
            });
        let a = &t.affinity;
        bump_terms(
            &mut g.anti,
            a.required_anti_affinity.iter().map(|t| t.topology_key),
            labels,
            by,
        );
        bump_terms(
            &mut g.affinity,
            a.required_affinity.iter().map(|t| t.topology_key),
            labels,
            by,
        );
        bump_terms(
            &mut g.preferred,
            a.preferred_affinity.iter().map(|(_, t)| t.topology_key),
            labels,
            by,
        );
        bump_terms(
            &mut g.preferred_anti,
            a.preferred_anti_affinity.iter().map(|(_, t)| t.topology_key),
            labels,
            by,
        );
        g.pods += by;
        if g.pods == 0 {
            self.groups.remove(&(addr, pod.namespace));
        }
    }

    /// The counts of `key`, built with `build` (which yields every counted pod's node slot and
    /// node labels) on first use.
    pub fn get_or_build(
        &mut self,
        key: CounterKey,
        build: impl FnOnce(&CounterKey) -> Vec<(u32, Option<Symbol>)>,
    ) -> Arc<DomainMap> {
        self.tick += 1;
        let tick = self.tick;
        if let Some(c) = self.counters.get_mut(&key) {
            c.used = tick;
            return c.map.clone();
        }
        if self.counters.len() >= MAX_COUNTERS {
            let cutoff = tick.saturating_sub(MAX_COUNTERS as u64 * 4);
            self.counters.retain(|c| c.used > cutoff);
            if self.counters.len() >= MAX_COUNTERS {
                self.counters.clear();
            }
        }
        let mut map = DomainMap::default();
        for (slot, value) in build(&key) {
            map.bump(slot, value, 1);
        }
        let map = Arc::new(map);
        self.counters.insert(
            key,
            Counter {
                map: map.clone(),
                used: tick,
            },
        );
        map
    }

    /// Nodes per value of `key`, built with `build` on first use.
    pub fn census(
        &mut self,
        key: Symbol,
        build: impl FnOnce() -> FxMap<Symbol, u32>,
    ) -> Arc<FxMap<Symbol, u32>> {
        self.census
            .entry(key)
            .or_insert_with(|| Arc::new(build()))
            .clone()
    }
}

/// The namespaces an incoming pod's affinity term covers (`None`: all), for a counter key.
pub fn term_namespaces(
    term: &AffinityTerm,
    owner_ns: Symbol,
    all: impl FnOnce() -> Vec<(Symbol, Labels)>,
) -> Option<SmallVec<[Symbol; 2]>> {
    if term.namespace_selector.is_everything() {
        return None;
    }
    let mut out: SmallVec<[Symbol; 2]> = term.namespaces.iter().copied().collect();
    if term.own_namespace {
        out.push(owner_ns);
    }
    if !term.namespace_selector.is_nothing() {
        for (ns, labels) in all() {
            if term.namespace_selector.matches(&labels) {
                out.push(ns);
            }
        }
    }
    out.sort_by_key(|s| s.index());
    out.dedup();
    Some(out)
}

impl ClusterCache {
    /// The incremental counts of `key` (built through the store's pod label index on first
    /// use).
    pub fn counter(&self, store: &Store, key: CounterKey) -> Arc<DomainMap> {
        let mut c = self.counters.lock().expect("counters");
        c.get_or_build(key, |k| {
            let namespaces: Vec<Symbol> = match &k.namespaces {
                Some(ns) => ns.to_vec(),
                None => store
                    .iter::<Namespace>()
                    .map(|(_, n)| n.metadata.name.base())
                    .collect(),
            };
            let mut out = Vec::new();
            for ns in namespaces {
                for key in store.select_pods(ns, &k.selector) {
                    if let Some(rec) = self.pod_by_key(key)
                        && rec.node != NONE
                        && (!k.skip_deleting || !rec.info.deleting)
                    {
                        out.push((rec.node, self.node(rec.node).node.metadata.labels.get(k.key)));
                    }
                }
            }
            out
        })
    }

    /// Nodes per value of label `key`.
    pub fn census(&self, key: Symbol) -> Arc<FxMap<Symbol, u32>> {
        let mut c = self.counters.lock().expect("counters");
        c.census(key, || {
            let mut m: FxMap<Symbol, u32> = FxMap::default();
            for &s in self.order() {
                if let Some(v) = self.node(s).node.metadata.labels.get(key) {
                    *m.entry(v).or_default() += 1;
                }
            }
            m
        })
    }

    /// Whether no two nodes share a `kubernetes.io/hostname` value (then a hostname domain is
    /// one node).
    pub fn unique_hostnames(&self) -> bool {
        if let Some(u) = self.counters.lock().expect("counters").unique_hostnames {
            return u;
        }
        let u = self.census(Symbol::HOSTNAME).values().all(|n| *n == 1);
        self.counters.lock().expect("counters").unique_hostnames = Some(u);
        u
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{ObjectMeta, Pod, PodSpec};
    use crate::sched::pod_info::Template;

    fn key(selector: &str) -> CounterKey {
        CounterKey {
            namespaces: None,
            selector: Selector::parse(selector).unwrap(),
            key: Symbol::HOSTNAME,
            skip_deleting: true,
        }
    }

    fn counter(used: u64) -> Counter {
        Counter {
            map: Arc::default(),
            used,
        }
    }

    /// A bind reaches the live counters whose selector matches, through their anchors or the
    /// unanchored list; evicted counters stop counting and their slab ids are reused.
    #[test]
    fn binds_reach_live_matching_counters_only() {
        let mut store = Store::new(1);
        let mut pod = Pod {
            metadata: ObjectMeta::named("default", "p"),
            spec: Arc::new(PodSpec {
                containers: vec![crate::api::pod::Container {
                    name: Symbol::intern("c"),
                    image: Symbol::intern("img"),
                    ..Default::default()
                }],
                ..PodSpec::default()
            }),
            node_name: None,
            status: Default::default(),
        };
        pod.metadata.labels = [("app", "a"), ("tier", "web")].into_iter().collect();
        let pod_key = store.create(pod.clone()).unwrap();
        let info = PodInfo::new(pod_key, &pod, Arc::new(Template::new(&pod.spec)));
        let node_labels: Labels = [("kubernetes.io/hostname", "n7")].into_iter().collect();

        let mut set = CounterSet::default();
        set.insert(key("app=a"), counter(1));
        set.insert(key("tier=web,app=a"), counter(5));
        set.insert(key("app!=b"), counter(5));
        set.insert(key("app=b"), counter(5));
        set.retain(|c| c.used > 2);
        assert_eq!(set.len(), 3);
        set.on_pod(&info, 7, &node_labels, 1);
        let on = |set: &mut CounterSet, s: &str| set.get_mut(&key(s)).map(|c| c.map.on_node(7));
        assert_eq!(on(&mut set, "app=a"), None, "evicted");
        assert_eq!(on(&mut set, "tier=web,app=a"), Some(1), "anchored");
        assert_eq!(on(&mut set, "app!=b"), Some(1), "unanchored");
        assert_eq!(on(&mut set, "app=b"), Some(0), "does not match");
        set.insert(key("app=a"), counter(9));
        assert_eq!(set.slab.len(), 4, "the evicted id is reused");
        set.on_pod(&info, 7, &node_labels, 1);
        assert_eq!(on(&mut set, "app=a"), Some(1));
        assert_eq!(on(&mut set, "tier=web,app=a"), Some(2));
    }
}
