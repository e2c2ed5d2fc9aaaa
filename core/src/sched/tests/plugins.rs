//! Each plugin against Kubernetes' rules, the score formulas on worked examples.

use super::*;
use crate::Symbol;
use crate::api::scheduling::{
    Affinity, NodeAffinity, NodeSelector, NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm,
    PodAffinity, PodAffinityTerm, PreferredSchedulingTerm, Taint, TaintEffect, Toleration,
    TopologySpreadConstraint, UnsatisfiableConstraintAction, WeightedPodAffinityTerm,
};
use crate::api::{PodSelector, PodSpec};
use crate::sched::cache::ClusterView;
use crate::sched::framework::{CycleState, Filter, Score, Slot};
use crate::sched::plugins::*;

/// A store with nodes, a scheduler attached to it (cache filled), and pods.
fn setup(nodes: Vec<Node>, bound: Vec<(Pod, &str)>) -> (Store, Scheduler) {
    let mut store = Store::new(3);
    for n in nodes {
        store.create(n).unwrap();
    }
    for (mut p, node) in bound {
        p.node_name = Some(Symbol::intern(node));
        store.create(p).unwrap();
    }
    let mut sched = Scheduler::new(SchedulerConfig::default(), 3);
    sched.attach(&mut store);
    (store, sched)
}

fn info_of(store: &mut Store, p: Pod) -> crate::sched::PodInfo {
    let key = store.create(p).unwrap();
    let p = store.get(key).unwrap();
    let t = Arc::new(crate::sched::Template::new(&p.spec));
    crate::sched::PodInfo::new(key, p, t)
}

/// The normalised scores of `plugin` for `pod` over every node, in node order.
fn scores_of(store: &Store, sched: &Scheduler, pod: &crate::sched::PodInfo, plugin: &dyn Score) -> Vec<i64> {
    let cx = ClusterView {
        cache: sched.cache(),
        store,
    };
    let nodes = by_name(&cx);
    let mut state = CycleState::new(0, 1);
    let slot = Slot::score(0);
    if plugin.pre_score(&cx, pod, slot, &mut state, &nodes).code == crate::sched::Code::Skip {
        return Vec::new();
    }
    let mut s: Vec<i64> = nodes
        .iter()
        .map(|n| plugin.score(&cx, pod, slot, &state, &cx.node(*n)))
        .collect();
    plugin.normalize(pod, slot, &state, &nodes, &mut s);
    s
}

/// Node slots sorted by node name (results are listed in that order, not the zone-interleaved
/// scheduling order).
fn by_name(cx: &ClusterView<'_>) -> Vec<u32> {
    let mut v = cx.nodes().to_vec();
    v.sort_by_key(|s| cx.node(*s).name().as_str());
    v
}

fn filter_of(
    store: &Store,
    sched: &Scheduler,
    pod: &crate::sched::PodInfo,
    plugin: &dyn Filter,
) -> Vec<String> {
    let cx = ClusterView {
        cache: sched.cache(),
        store,
    };
    let mut state = CycleState::new(1, 0);
    let slot = Slot::filter(0);
    let pre = plugin.pre_filter(&cx, pod, slot, &mut state);
    if pre.code == crate::sched::Code::Skip {
        return cx.nodes().iter().map(|_| "skip".to_owned()).collect();
    }
    by_name(&cx)
        .iter()
        .map(|n| {
            let s = plugin.filter(&cx, pod, slot, &state, &cx.node(*n));
            if s.is_success() {
                "ok".to_owned()
            } else {
                format!("{:?}: {}", s.code, s.message())
            }
        })
        .collect()
}

fn taint(key: &str, effect: TaintEffect) -> Taint {
    Taint {
        key: Symbol::intern(key),
        value: Symbol::EMPTY,
        effect,
        time_added: None,
    }
}

fn with_taints(mut n: Node, taints: Vec<Taint>) -> Node {
    n.spec.taints = taints;
    n
}

#[test]
fn taint_toleration_filter_and_score() {
    let nodes = vec![
        node("n0", "4", "8Gi", 110, &[]),
        with_taints(
            node("n1", "4", "8Gi", 110, &[]),
            vec![taint("a", TaintEffect::PreferNoSchedule)],
        ),
        with_taints(
            node("n2", "4", "8Gi", 110, &[]),
            vec![
                taint("a", TaintEffect::PreferNoSchedule),
                taint("b", TaintEffect::PreferNoSchedule),
            ],
        ),
        with_taints(
            node("n3", "4", "8Gi", 110, &[]),
            vec![taint("c", TaintEffect::NoExecute)],
        ),
    ];
    let (mut store, sched) = setup(nodes, vec![]);
    let plain = info_of(&mut store, pod("p", &Arc::new(spec(Some("1"), None)), &[]));
    assert_eq!(
        filter_of(&store, &sched, &plain, &TaintToleration),
        [
            "ok",
            "ok",
            "ok",
            "UnschedulableAndUnresolvable: node(s) had untolerated taint(s)"
        ]
    );
    // Untolerated PreferNoSchedule taints 0, 1, 2, 0 -> reversed: 100, 50, 0, 100.
    assert_eq!(
        scores_of(&store, &sched, &plain, &TaintToleration),
        [100, 50, 0, 100]
    );
    let mut s = spec(Some("1"), None);
    s.tolerations.push(Toleration {
        key: Symbol::intern("b"),
        effect: Some(TaintEffect::PreferNoSchedule),
        operator: crate::api::scheduling::TolerationOperator::Exists,
        ..Toleration::default()
    });
    let tolerant = info_of(&mut store, pod("q", &Arc::new(s), &[]));
    assert_eq!(
        scores_of(&store, &sched, &tolerant, &TaintToleration),
        [100, 0, 0, 100]
    );
}

#[test]
fn node_unschedulable_and_node_affinity_filters() {
    let mut cordoned = node("n0", "4", "8Gi", 110, &[("zone", "a"), ("gen", "3")]);
    cordoned.spec.unschedulable = true;
    let nodes = vec![
        cordoned,
        node("n1", "4", "8Gi", 110, &[("zone", "b"), ("gen", "5")]),
        node("n2", "4", "8Gi", 110, &[("gen", "9")]),
    ];
    let (mut store, sched) = setup(nodes, vec![]);
    let p = info_of(&mut store, pod("p", &Arc::new(spec(None, None)), &[]));
    assert_eq!(
        filter_of(&store, &sched, &p, &NodeUnschedulable),
        [
            "UnschedulableAndUnresolvable: node(s) were unschedulable",
            "ok",
            "ok"
        ]
    );
    let req = |key: &str, op, values: &[&str]| NodeSelectorRequirement {
        key: Symbol::intern(key),
        operator: op,
        values: values.iter().map(|v| Symbol::intern(v)).collect(),
    };
    let term = |reqs: Vec<NodeSelectorRequirement>, fields: Vec<NodeSelectorRequirement>| NodeSelectorTerm {
        match_expressions: reqs,
        match_fields: fields,
    };
    let with = |terms: Vec<NodeSelectorTerm>| {
        let mut s = spec(None, None);
        s.affinity = Some(Affinity {
            node_affinity: Some(NodeAffinity {
                required_during_scheduling_ignored_during_execution: Some(NodeSelector {
                    node_selector_terms: terms,
                }),
                ..NodeAffinity::default()
            }),
            ..Affinity::default()
        });
        Arc::new(s)
    };
    use NodeSelectorOperator::*;
    let cases: Vec<(Arc<PodSpec>, [bool; 3])> = vec![
        (
            with(vec![term(vec![req("gen", Gt, &["4"])], vec![])]),
            [false, true, true],
        ),
        (
            with(vec![term(vec![req("gen", Lt, &["4"])], vec![])]),
            [true, false, false],
        ),
        (
            with(vec![term(vec![req("zone", NotIn, &["a"])], vec![])]),
            [false, true, true],
        ),
        (
            with(vec![term(vec![req("zone", DoesNotExist, &[])], vec![])]),
            [false, false, true],
        ),
        (
            with(vec![term(
                vec![req("zone", Exists, &[]), req("gen", In, &["3"])],
                vec![],
            )]),
            [true, false, false],
        ),
        // Terms are ORed.
        (
            with(vec![
                term(vec![req("zone", In, &["a"])], vec![]),
                term(vec![req("gen", In, &["9"])], vec![]),
            ]),
            [true, false, true],
        ),
        (
            with(vec![term(vec![], vec![req("metadata.name", In, &["n1"])])]),
            [false, true, false],
        ),
        // An empty term matches nothing.
        (with(vec![term(vec![], vec![])]), [false, false, false]),
    ];
    for (i, (s, want)) in cases.into_iter().enumerate() {
        let p = info_of(&mut store, pod(&format!("a{i}"), &s, &[]));
        let got = filter_of(&store, &sched, &p, &NodeAffinity);
        let got: Vec<bool> = got.iter().map(|g| g == "ok").collect();
        assert_eq!(got, want, "case {i}");
    }
    let mut s = spec(None, None);
    s.node_selector = [("zone", "b")].into_iter().collect();
    let p = info_of(&mut store, pod("sel", &Arc::new(s), &[]));
    assert_eq!(
        filter_of(&store, &sched, &p, &NodeAffinity)[0],
        "UnschedulableAndUnresolvable: node(s) didn't match Pod's node affinity/selector"
    );
}

#[test]
fn node_affinity_preferred_score() {
    let nodes = vec![
        node("n0", "4", "8Gi", 110, &[("disk", "ssd"), ("zone", "a")]),
        node("n1", "4", "8Gi", 110, &[]),
        node("n2", "4", "8Gi", 110, &[("disk", "ssd"), ("zone", "b")]),
    ];
    let (mut store, sched) = setup(nodes, vec![]);
    let pref = |w, key: &str, v: &str| PreferredSchedulingTerm {
        weight: w,
        preference: NodeSelectorTerm {
            match_expressions: vec![NodeSelectorRequirement {
                key: Symbol::intern(key),
                operator: NodeSelectorOperator::In,
                values: vec![Symbol::intern(v)],
            }],
            match_fields: vec![],
        },
    };
    let mut s = spec(None, None);
    s.affinity = Some(Affinity {
        node_affinity: Some(NodeAffinity {
            preferred_during_scheduling_ignored_during_execution: vec![
                pref(2, "disk", "ssd"),
                pref(2, "zone", "b"),
            ],
            ..NodeAffinity::default()
        }),
        ..Affinity::default()
    });
    let p = info_of(&mut store, pod("p", &Arc::new(s), &[]));
    // Raw 2, 0, 4 -> normalised by the largest: 50, 0, 100.
    assert_eq!(scores_of(&store, &sched, &p, &NodeAffinity), [50, 0, 100]);
    let plain = info_of(&mut store, pod("q", &Arc::new(spec(None, None)), &[]));
    assert!(
        scores_of(&store, &sched, &plain, &NodeAffinity).is_empty(),
        "skipped"
    );
}

#[test]
fn resource_fit_filter_reasons() {
    let mut gpu = node("n2", "4", "8Gi", 110, &[]);
    gpu.status.allocatable.set(Symbol::NVIDIA_GPU, 1);
    let nodes = vec![
        node("n0", "1", "1Gi", 1, &[]),
        node("n1", "4", "8Gi", 110, &[]),
        gpu,
    ];
    let bound = vec![(pod("b", &Arc::new(spec(Some("500m"), Some("512Mi"))), &[]), "n0")];
    let (mut store, sched) = setup(nodes, bound);
    let p = info_of(
        &mut store,
        pod("p", &Arc::new(spec(Some("600m"), Some("600Mi"))), &[]),
    );
    assert_eq!(
        filter_of(&store, &sched, &p, &NodeResourcesFit::default()),
        [
            "Unschedulable: Too many pods, Insufficient cpu, Insufficient memory",
            "ok",
            "ok"
        ]
    );
    let mut s = spec(Some("100m"), None);
    s.containers[0].resources.requests.set(Symbol::NVIDIA_GPU, 1);
    s.containers[0].resources.limits.set(Symbol::NVIDIA_GPU, 1);
    let g = info_of(&mut store, pod("g", &Arc::new(s), &[]));
    let r = filter_of(&store, &sched, &g, &NodeResourcesFit::default());
    assert_eq!(r[1], "UnschedulableAndUnresolvable: Insufficient nvidia.com/gpu");
    assert_eq!(r[2], "ok");
    // Requests beyond an empty node's allocatable are unresolvable (no preemption helps).
    let huge = info_of(&mut store, pod("h", &Arc::new(spec(Some("8"), None)), &[]));
    assert!(
        filter_of(&store, &sched, &huge, &NodeResourcesFit::default())[1]
            .starts_with("UnschedulableAndUnresolvable")
    );
}

#[test]
fn node_ports_conflict() {
    let port = |ip: Option<&str>| {
        let mut s = spec(None, None);
        s.containers[0].ports.push(crate::api::pod::ContainerPort {
            name: None,
            container_port: 80,
            host_port: Some(8080),
            host_ip: ip.map(Symbol::intern),
            protocol: Default::default(),
        });
        Arc::new(s)
    };
    let nodes = vec![node("n0", "4", "8Gi", 110, &[]), node("n1", "4", "8Gi", 110, &[])];
    let bound = vec![(pod("b", &port(Some("10.0.0.1")), &[]), "n0")];
    let (mut store, sched) = setup(nodes, bound);
    let any = info_of(&mut store, pod("p", &port(None), &[]));
    assert_eq!(
        filter_of(&store, &sched, &any, &NodePorts),
        [
            "Unschedulable: node(s) didn't have free ports for the requested pod ports",
            "ok"
        ]
    );
    let other_ip = info_of(&mut store, pod("q", &port(Some("10.0.0.2")), &[]));
    assert_eq!(filter_of(&store, &sched, &other_ip, &NodePorts), ["ok", "ok"]);
    let none = info_of(&mut store, pod("r", &Arc::new(spec(None, None)), &[]));
    assert_eq!(filter_of(&store, &sched, &none, &NodePorts), ["skip", "skip"]);
}

fn spread(key: Symbol, skew: i32, action: UnsatisfiableConstraintAction) -> TopologySpreadConstraint {
    TopologySpreadConstraint {
        max_skew: skew,
        topology_key: key,
        when_unsatisfiable: action,
        label_selector: PodSelector::match_labels([("app", "web")].into_iter().collect()),
        min_domains: None,
        match_label_keys: vec![],
        node_affinity_policy: None,
        node_taints_policy: None,
    }
}

#[test]
fn topology_spread_filter_and_score() {
    let nodes = vec![
        node("n0", "4", "8Gi", 110, &[("topology.kubernetes.io/zone", "a")]),
        node("n1", "4", "8Gi", 110, &[("topology.kubernetes.io/zone", "a")]),
        node("n2", "4", "8Gi", 110, &[("topology.kubernetes.io/zone", "b")]),
        node("n3", "4", "8Gi", 110, &[]),
    ];
    let web = Arc::new(spec(None, None));
    let bound = vec![
        (pod("w0", &web, &[("app", "web")]), "n0"),
        (pod("w1", &web, &[("app", "web")]), "n1"),
        (pod("x", &web, &[("app", "other")]), "n2"),
    ];
    let (mut store, sched) = setup(nodes, bound);
    let mut s = spec(None, None);
    s.topology_spread_constraints = vec![spread(
        Symbol::ZONE,
        1,
        UnsatisfiableConstraintAction::DoNotSchedule,
    )];
    let p = info_of(&mut store, pod("p", &Arc::new(s), &[("app", "web")]));
    // Zone a holds 2, zone b 0: a gives skew 2 + 1 - 0 = 3 > 1; n3 lacks the key.
    assert_eq!(
        filter_of(&store, &sched, &p, &PodTopologySpread::default()),
        [
            "Unschedulable: node(s) didn't match pod topology spread constraints",
            "Unschedulable: node(s) didn't match pod topology spread constraints",
            "ok",
            "UnschedulableAndUnresolvable: node(s) didn't match pod topology spread constraints (missing required label)"
        ]
    );
    let mut s = spec(None, None);
    s.topology_spread_constraints = vec![spread(
        Symbol::ZONE,
        1,
        UnsatisfiableConstraintAction::ScheduleAnyway,
    )];
    let q = info_of(&mut store, pod("q", &Arc::new(s), &[("app", "web")]));
    // Two zones among the scored nodes: weight ln(2 + 2); zone a scores round(2 * 1.386) = 3,
    // zone b 0; n3 (no zone) is ignored. Normalised: 100 * (3 + 0 - s) / 3.
    assert_eq!(
        scores_of(&store, &sched, &q, &PodTopologySpread::default()),
        [0, 0, 100, 0]
    );
}

#[test]
fn inter_pod_affinity_filter_and_score() {
    let nodes = vec![
        node(
            "n0",
            "4",
            "8Gi",
            110,
            &[
                ("kubernetes.io/hostname", "n0"),
                ("topology.kubernetes.io/zone", "a"),
            ],
        ),
        node(
            "n1",
            "4",
            "8Gi",
            110,
            &[
                ("kubernetes.io/hostname", "n1"),
                ("topology.kubernetes.io/zone", "a"),
            ],
        ),
        node(
            "n2",
            "4",
            "8Gi",
            110,
            &[
                ("kubernetes.io/hostname", "n2"),
                ("topology.kubernetes.io/zone", "b"),
            ],
        ),
    ];
    let term = |app: &str, key: Symbol| PodAffinityTerm {
        label_selector: PodSelector::match_labels([("app", app)].into_iter().collect()),
        topology_key: key,
        ..PodAffinityTerm::default()
    };
    let mut guarded = spec(None, None);
    guarded.affinity = Some(Affinity {
        pod_anti_affinity: Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: vec![term("web", Symbol::HOSTNAME)],
            preferred_during_scheduling_ignored_during_execution: vec![],
        }),
        ..Affinity::default()
    });
    let db = Arc::new(spec(None, None));
    let bound = vec![
        (pod("db", &db, &[("app", "db")]), "n2"),
        (pod("g", &Arc::new(guarded), &[("app", "guard")]), "n1"),
    ];
    let (mut store, sched) = setup(nodes, bound);
    // Required affinity to app=db per zone: only zone b.
    let mut s = spec(None, None);
    s.affinity = Some(Affinity {
        pod_affinity: Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: vec![term("db", Symbol::ZONE)],
            preferred_during_scheduling_ignored_during_execution: vec![],
        }),
        ..Affinity::default()
    });
    let p = info_of(&mut store, pod("p", &Arc::new(s), &[("app", "x")]));
    let ipa = InterPodAffinity::default();
    assert_eq!(
        filter_of(&store, &sched, &p, &ipa),
        [
            "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
            "UnschedulableAndUnresolvable: node(s) didn't match pod affinity rules",
            "ok"
        ]
    );
    // The existing pod on n1 refuses app=web pods on its host.
    let web = info_of(
        &mut store,
        pod("w", &Arc::new(spec(None, None)), &[("app", "web")]),
    );
    assert_eq!(
        filter_of(&store, &sched, &web, &ipa),
        [
            "ok",
            "Unschedulable: node(s) didn't satisfy existing pods anti-affinity rules",
            "ok"
        ]
    );
    // Preferred affinity (weight 10) to app=db per zone, anti-affinity (weight 5) to app=guard
    // per host: raw n0 0, n1 -5, n2 10 -> (s - min) / (max - min) * 100 = 33, 0, 100.
    let mut s = spec(None, None);
    s.affinity = Some(Affinity {
        pod_affinity: Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: vec![],
            preferred_during_scheduling_ignored_during_execution: vec![WeightedPodAffinityTerm {
                weight: 10,
                pod_affinity_term: term("db", Symbol::ZONE),
            }],
        }),
        pod_anti_affinity: Some(PodAffinity {
            required_during_scheduling_ignored_during_execution: vec![],
            preferred_during_scheduling_ignored_during_execution: vec![WeightedPodAffinityTerm {
                weight: 5,
                pod_affinity_term: term("guard", Symbol::HOSTNAME),
            }],
        }),
        ..Affinity::default()
    });
    let q = info_of(&mut store, pod("q", &Arc::new(s), &[("app", "x")]));
    assert_eq!(scores_of(&store, &sched, &q, &ipa), [33, 0, 100]);
}

#[test]
fn fit_and_balanced_scores_on_nodes() {
    let nodes = vec![
        node("n0", "4", "10000", 110, &[]),
        node("n1", "6", "10000", 110, &[]),
    ];
    let (mut store, sched) = setup(nodes, vec![]);
    let mut s = spec(Some("3"), None);
    s.containers[0].resources.requests.set(Symbol::MEMORY, 5000);
    let p = info_of(&mut store, pod("p", &Arc::new(s), &[]));
    assert_eq!(
        scores_of(&store, &sched, &p, &BalancedAllocation::default()),
        [87, 100]
    );
    // LeastAllocated: cpu 25 / 50, memory (10000 - 5000) * 100 / 10000 = 50.
    assert_eq!(
        scores_of(&store, &sched, &p, &NodeResourcesFit::default()),
        [37, 50]
    );
    let most = NodeResourcesFit::with_strategy(Strategy::MostAllocated, node_resources::default_resources());
    assert_eq!(scores_of(&store, &sched, &p, &most), [62, 50]);
    // A pod without requests scores with 100m / 200Mi defaults and is skipped by balance.
    let empty = info_of(&mut store, pod("e", &Arc::new(spec(None, None)), &[]));
    assert!(scores_of(&store, &sched, &empty, &BalancedAllocation::default()).is_empty());
}
