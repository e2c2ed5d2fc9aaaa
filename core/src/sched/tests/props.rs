//! Property tests on random clusters, checked by brute force: capacity is never exceeded, a
//! pod left unschedulable fits on no node, exhaustive scoring picks a best node, the fast path
//! and the general path make the same choices, one and two threads make the same choices, and
//! the static masks agree with running the filters.

use proptest::prelude::*;

use super::random::{Features, fits, random_nodes, random_pods, random_template, scores, used};
use super::*;
use crate::api::{Node, PodSpec};
use crate::labels::Labels;
use crate::rng::Rng;
use crate::sched::cache::ClusterView;
use crate::sched::mask::{compute_mask, linear_mask};

fn config(exhaustive: bool, fast: bool, threads: usize) -> SchedulerConfig {
    SchedulerConfig {
        percentage_of_nodes_to_score: exhaustive.then_some(100),
        fast_path: fast,
        parallelism: threads,
        preemption: false,
        ..SchedulerConfig::default()
    }
}

struct World {
    store: Store,
    sched: Scheduler,
    keys: Vec<Key<Pod>>,
}

fn world(seed: u64, nodes: usize, pods: usize, f: Features, cfg: SchedulerConfig) -> World {
    let mut rng = Rng::new(seed);
    let mut store = random_nodes(&mut rng, nodes, seed, f);
    let mut sched = Scheduler::new(cfg, seed);
    sched.attach(&mut store);
    let ntemplates = 1 + rng.index(5);
    let templates: Vec<(Arc<PodSpec>, Labels)> =
        (0..ntemplates).map(|i| random_template(&mut rng, i, f)).collect();
    // Services selecting some templates' pods give those pods PodTopologySpread's system
    // default constraints (scored on the fast path too).
    for i in 0..ntemplates {
        if rng.chance(0.6) {
            store.create(service(i)).unwrap();
        }
    }
    let keys = random_pods(&mut rng, &mut store, &templates, pods, 0);
    World { store, sched, keys }
}

/// A Service selecting the pods of template `i` (`app=t{i}`).
fn service(i: usize) -> crate::api::Service {
    crate::build::service(
        &format!("svc-{i}"),
        [("app", format!("t{i}"))].into_iter().collect(),
    )
}

/// Schedules until a pass (every pending pod retried) binds nothing.
fn settle(w: &mut World) {
    let mut now = Time::ZERO;
    for _ in 0..50 {
        let s = w
            .sched
            .schedule_pending(&mut w.store, now, &mut EventLog::counting());
        now = now.plus_secs(360);
        if s.scheduled == 0 && s.attempts > 0 {
            break;
        }
        if w.sched.pending() == 0 {
            break;
        }
    }
    let s = w
        .sched
        .schedule_pending(&mut w.store, now, &mut EventLog::counting());
    assert_eq!(s.scheduled, 0, "settled");
}

/// Pods that Services select are decided on the fast path with system-default spreading
/// scored over its feasible nodes, and land where the plugins put them.
#[test]
fn default_spreading_takes_the_fast_path_and_agrees() {
    let f = Features {
        inter_pod: false,
        ports: false,
        prefer_taints: false,
    };
    let mut spread_cycles = 0;
    for seed in 0..6 {
        for exhaustive in [false, true] {
            let mut a = world(seed, 240, 140, f, config(exhaustive, true, 1));
            let mut b = world(seed, 240, 140, f, config(exhaustive, false, 1));
            settle(&mut a);
            settle(&mut b);
            assert_eq!(
                placements(&a.store, &a.keys),
                placements(&b.store, &b.keys),
                "seed {seed}"
            );
            spread_cycles += a.sched.stats().fast_path_spread;
        }
    }
    assert!(
        spread_cycles > 100,
        "only {spread_cycles} spread-scored fast-path cycles"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn capacity_holds_and_pending_pods_fit_nowhere(seed in any::<u64>(), nodes in 1usize..30, pods in 1usize..90,
                                                    inter in any::<bool>(), exhaustive in any::<bool>()) {
        let f = Features { inter_pod: inter, ports: true, prefer_taints: true };
        let mut w = world(seed, nodes, pods, f, config(exhaustive, true, 1));
        settle(&mut w);
        let store = &w.store;
        if std::env::var("SCHED_DEBUG").is_ok() {
            let pending = w.keys.iter().filter(|k| store.get(**k).unwrap().node_name.is_none()).count();
            eprintln!("nodes {nodes} pods {pods} pending {pending} fast {} attempts {}", w.sched.stats().fast_path, w.sched.stats().attempts);
        }
        for (_, n) in store.iter::<Node>() {
            let (cpu, mem, count) = used(store, n.metadata.name.base());
            let a = &n.status.allocatable;
            prop_assert!(cpu <= a.cpu() && mem <= a.memory() && count <= a.get_or_zero(crate::Symbol::PODS));
        }
        for k in &w.keys {
            let p = store.get(*k).unwrap();
            if p.node_name.is_some() {
                continue;
            }
            prop_assert!(p.status.message.as_deref().is_some_and(|m| m.starts_with(&format!("0/{nodes} nodes are available"))),
                "{:?}", p.status.message);
            for (_, n) in store.iter::<Node>() {
                prop_assert!(!fits(store, p, n), "pending pod {} fits {}", p.metadata.name, n.metadata.name);
            }
        }
    }

    #[test]
    fn exhaustive_scoring_picks_a_best_node(seed in any::<u64>(), nodes in 2usize..25, pods in 1usize..40) {
        let f = Features { inter_pod: false, ports: false, prefer_taints: true };
        let mut rng = Rng::new(seed);
        let mut store = random_nodes(&mut rng, nodes, seed, f);
        let mut sched = Scheduler::new(config(true, true, 1), seed);
        sched.attach(&mut store);
        let templates: Vec<(Arc<PodSpec>, Labels)> = (0..3).map(|i| random_template(&mut rng, i, f)).collect();
        for i in 0..pods {
            let key = random_pods(&mut rng, &mut store, &templates, 1, i)[0];
            let pod = store.get(key).unwrap().clone();
            let all: Vec<Node> = store.iter::<Node>().map(|(_, n)| n.clone()).collect();
            let feasible: Vec<&Node> = all.iter().filter(|n| fits(&store, &pod, n)).collect();
            let expected = scores(&store, &pod, &feasible);
            sched.schedule_pending(&mut store, Time::ZERO, &mut EventLog::counting());
            let bound = store.get(key).unwrap().node_name;
            match bound {
                None => prop_assert!(feasible.is_empty(), "pod left pending though {} nodes fit", feasible.len()),
                Some(node) => {
                    let i = feasible.iter().position(|n| n.metadata.name.base() == node);
                    prop_assert!(i.is_some(), "bound to an infeasible node");
                    let best = expected.iter().copied().max().unwrap();
                    prop_assert_eq!(expected[i.unwrap()], best, "scores {:?}", expected);
                }
            }
            // Retire pods that found no node so the next pod is judged alone.
            if bound.is_none() {
                store.delete(key, crate::store::DeleteOptions::now()).unwrap();
            }
        }
    }

    #[test]
    fn fast_path_makes_the_general_paths_choices(seed in any::<u64>(), nodes in 1usize..260, pods in 1usize..150,
                                                  exhaustive in any::<bool>(), inter in any::<bool>(), prefer in any::<bool>()) {
        let f = Features { inter_pod: inter, ports: inter, prefer_taints: prefer };
        let mut a = world(seed, nodes, pods, f, config(exhaustive, true, 1));
        let mut b = world(seed, nodes, pods, f, config(exhaustive, false, 1));
        settle(&mut a);
        settle(&mut b);
        prop_assert_eq!(placements(&a.store, &a.keys), placements(&b.store, &b.keys));
        prop_assert_eq!(a.sched.stats().attempts, b.sched.stats().attempts);
        prop_assert_eq!(b.sched.stats().fast_path, 0);
        if std::env::var("SCHED_DEBUG").is_ok() {
            eprintln!("fast {} (spread {}) of {}", a.sched.stats().fast_path, a.sched.stats().fast_path_spread, a.sched.stats().attempts);
        }
    }

    #[test]
    fn masks_agree_with_the_filters(seed in any::<u64>(), nodes in 1usize..40) {
        let f = Features { inter_pod: false, ports: false, prefer_taints: true };
        let w = world(seed, nodes, 6, f, SchedulerConfig::default());
        let cx = ClusterView { cache: w.sched.cache(), store: &w.store };
        let profile = Profile::default();
        let mut templates = crate::sched::pod_info::Templates::default();
        for k in &w.keys {
            let p = w.store.get(*k).unwrap();
            let info = crate::sched::PodInfo::new(*k, p, templates.get(&p.spec));
            let fast = compute_mask(&cx, &profile, &info.template);
            let slow = linear_mask(&cx, &profile, &info);
            for s in 0..w.sched.cache().slot_capacity() {
                prop_assert_eq!(fast.get(s), slow.get(s), "slot {}", s);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, ..ProptestConfig::default() })]

    #[test]
    fn one_and_two_threads_choose_alike(seed in any::<u64>(), exhaustive in any::<bool>()) {
        let f = Features { inter_pod: true, ports: true, prefer_taints: true };
        let mut a = world(seed, 700, 300, f, config(exhaustive, false, 1));
        let mut b = world(seed, 700, 300, f, config(exhaustive, false, 2));
        settle(&mut a);
        settle(&mut b);
        prop_assert_eq!(placements(&a.store, &a.keys), placements(&b.store, &b.keys));
    }
}

fn counter_keys() -> Vec<crate::sched::counters::CounterKey> {
    let mut out = Vec::new();
    for t in 0..5 {
        for key in [crate::Symbol::ZONE, crate::Symbol::HOSTNAME] {
            for skip_deleting in [false, true] {
                out.push(crate::sched::counters::CounterKey {
                    namespaces: Some(smallvec::smallvec![crate::Symbol::DEFAULT]),
                    selector: crate::labels::Selector::from_labels(
                        &[("app", format!("t{t}"))].into_iter().collect(),
                    ),
                    key,
                    skip_deleting,
                });
            }
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn counters_agree_with_recount(seed in any::<u64>(), nodes in 1usize..30, pods in 1usize..80) {
        let f = Features { inter_pod: true, ports: false, prefer_taints: false };
        let mut w = world(seed, nodes, pods, f, SchedulerConfig::default());
        for k in counter_keys() {
            w.sched.cache().counter(&w.store, k);
        }
        settle(&mut w);
        // Delete a third (some gracefully: terminating pods stay bound), then let the
        // scheduler see it.
        for (i, k) in w.keys.iter().enumerate() {
            if i % 3 == 0 {
                let opts = if i % 2 == 0 { crate::store::DeleteOptions::now() } else { crate::store::DeleteOptions::default() };
                let _ = w.store.delete(*k, opts);
            }
        }
        w.sched.sync(&mut w.store, Time::from_secs(1));
        let cache = w.sched.cache();
        for key in counter_keys() {
            let got = cache.counter(&w.store, key.clone());
            let mut values: std::collections::BTreeMap<String, i64> = Default::default();
            let mut per_node: std::collections::BTreeMap<u32, i64> = Default::default();
            let mut missing = 0;
            for (_, p) in w.store.iter::<Pod>() {
                let Some(n) = p.node_name else { continue };
                if p.is_terminal() || (key.skip_deleting && p.metadata.deletion_timestamp.is_some())
                    || !key.selector.matches(&p.metadata.labels) {
                    continue;
                }
                let slot = cache.slot_of(n).unwrap();
                *per_node.entry(slot).or_default() += 1;
                match cache.node(slot).node.metadata.labels.get(key.key) {
                    Some(v) => *values.entry(v.as_str().to_owned()).or_default() += 1,
                    None => missing += 1,
                }
            }
            let got_values: std::collections::BTreeMap<String, i64> =
                got.values.iter().map(|(k, v)| (k.as_str().to_owned(), *v)).collect();
            let got_nodes: std::collections::BTreeMap<u32, i64> = got.nodes.iter().map(|(k, v)| (*k, *v)).collect();
            prop_assert_eq!(got_values, values);
            prop_assert_eq!(got_nodes, per_node);
            prop_assert_eq!(got.missing, missing);
        }
        // Term groups: anti-affinity pods by template, per hostname.
        let counters = cache.counters.lock().unwrap();
        for g in counters.groups.values() {
            for (j, t) in g.template.affinity.required_anti_affinity.iter().enumerate() {
                let mut expected: std::collections::BTreeMap<String, i64> = Default::default();
                for r in cache.pods() {
                    if std::sync::Arc::ptr_eq(&r.info.template, &g.template) && r.info.namespace == g.namespace
                        && r.node != u32::MAX
                        && let Some(v) = cache.node(r.node).node.metadata.labels.get(t.topology_key)
                    {
                        *expected.entry(v.as_str().to_owned()).or_default() += 1;
                    }
                }
                let got: std::collections::BTreeMap<String, i64> =
                    g.anti[j].iter().map(|(k, v)| (k.as_str().to_owned(), *v)).collect();
                prop_assert_eq!(got, expected);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// The fast path's score columns (leaves computed from the columns) against the plugins
    /// run one by one on every node.
    #[test]
    fn score_leaves_agree_with_the_plugins(seed in any::<u64>(), nodes in 1usize..30, pods in 1usize..60) {
        use crate::sched::framework::{Filter, Score, Slot, CycleState};
        let f = Features { inter_pod: false, ports: false, prefer_taints: false };
        let mut w = world(seed, nodes, pods, f, SchedulerConfig::default());
        settle(&mut w);
        let profile = Profile::default();
        let scoring = crate::sched::fast::FastScoring::of(&profile).unwrap();
        let cache = w.sched.cache();
        let cx = ClusterView { cache, store: &w.store };
        let mut templates = crate::sched::pod_info::Templates::default();
        let fit = crate::sched::plugins::NodeResourcesFit::default();
        let bal = crate::sched::plugins::BalancedAllocation::default();
        for k in w.keys.iter().take(5) {
            let p = w.store.get(*k).unwrap();
            let info = crate::sched::PodInfo::new(*k, p, templates.get(&p.spec));
            let t = &info.template;
            let mask = compute_mask(&cx, &profile, t);
            let state = CycleState::new(1, 1);
            for &slot in cache.order() {
                let node = cache.node_info(slot);
                let expected = (mask.get(slot as usize)
                    && fit.filter(&cx, &info, Slot::filter(0), &state, &node).is_success())
                .then(|| {
                    let b = if bal.skips(t) { 0 } else { bal.score(&cx, &info, Slot::score(0), &state, &node) };
                    (300 + fit.score(&cx, &info, Slot::score(0), &state, &node) + b) as i32
                });
                prop_assert_eq!(scoring.leaf(cache, t, &mask, slot, None), expected);
                let general = mask.get(slot as usize).then(|| scoring.leaf_general(cache, t, slot)).flatten();
                prop_assert_eq!(general, expected);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Churn (pods created and deleted, nodes relabelled, resized, cordoned, added and
    /// removed): the cache's columns always equal a recount from the store, and capacity holds.
    #[test]
    fn cache_agrees_with_store_under_churn(seed in any::<u64>(), nodes in 2usize..20, rounds in 1usize..6) {
        let f = Features { inter_pod: true, ports: true, prefer_taints: true };
        let mut w = world(seed, nodes, 10, f, SchedulerConfig::default());
        let mut rng = Rng::new(seed ^ 0xc4);
        let templates: Vec<(Arc<PodSpec>, Labels)> = (0..3).map(|i| random_template(&mut rng, i, f)).collect();
        let mut now = Time::ZERO;
        let mut next = 1000;
        for _ in 0..rounds {
            let keys = random_pods(&mut rng, &mut w.store, &templates, 15, next);
            next += 15;
            w.keys.extend(keys);
            w.sched.schedule_pending(&mut w.store, now, &mut EventLog::counting());
            for k in w.keys.clone() {
                if w.store.get(k).is_some() && rng.chance(0.2) {
                    let opts = if rng.chance(0.5) { crate::store::DeleteOptions::now() } else { crate::store::DeleteOptions::default() };
                    let _ = w.store.delete(k, opts);
                }
            }
            let node_keys: Vec<_> = w.store.iter::<Node>().map(|(k, _)| k).collect();
            for k in node_keys {
                match rng.index(8) {
                    0 => { let _ = w.store.update(k, |n| n.metadata.labels = n.metadata.labels.with(crate::Symbol::ZONE, crate::Symbol::intern("z"))); }
                    1 => { let _ = w.store.update(k, |n| { let c = n.status.allocatable.cpu(); n.status.allocatable.set(crate::Symbol::CPU, c + 1000) }); }
                    2 => { let _ = w.store.update(k, |n| n.spec.unschedulable = !n.spec.unschedulable); }
                    3 if rng.chance(0.3) => { let _ = w.store.delete(k, crate::store::DeleteOptions::now()); }
                    _ => {}
                }
            }
            if rng.chance(0.5) {
                let name = format!("extra-{next}");
                w.store.create(node(&name, "4", "8Gi", 20, &[("kubernetes.io/hostname", name.as_str())])).unwrap();
            }
            now = now.plus_secs(30);
            w.sched.schedule_pending(&mut w.store, now, &mut EventLog::counting());
            let cache = w.sched.cache();
            for (_, n) in w.store.iter::<Node>() {
                let slot = cache.slot_of(n.metadata.name.base()).expect("node cached");
                let (cpu, mem, count) = used(&w.store, n.metadata.name.base());
                let info = cache.node_info(slot);
                prop_assert_eq!(info.requested(crate::sched::Res::Cpu), cpu);
                prop_assert_eq!(info.requested(crate::sched::Res::Memory), mem);
                prop_assert_eq!(info.pod_count(), count);
                prop_assert_eq!(info.allocatable(crate::sched::Res::Cpu), n.status.allocatable.cpu());
            }
            prop_assert_eq!(cache.node_count(), w.store.count::<Node>());
        }
    }
}
