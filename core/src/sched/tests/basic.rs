//! End-to-end behaviour: binding, events, verdicts, queue.

use std::sync::Arc;

use super::*;
use crate::api::meta::ConditionStatus;

#[test]
fn pods_are_bound_and_events_emitted() {
    let (mut store, mut sched) = cluster(10, "4", "32Gi", SchedulerConfig::default(), 1);
    let s = Arc::new(spec(Some("100m"), Some("500Mi")));
    let keys = create_all(
        &mut store,
        (0..50).map(|i| pod(&format!("p{i}"), &s, &[])).collect(),
    );
    let events = run_once(&mut sched, &mut store, Time::ZERO);
    assert!(placements(&store, &keys).iter().all(Option::is_some));
    assert_eq!(sched.stats().scheduled, 50);
    let ev = &events.events()[0];
    assert_eq!(ev.reason, "Scheduled");
    assert!(
        ev.message.starts_with("Successfully assigned default/p"),
        "{}",
        ev.message
    );
    // LeastAllocated + BalancedAllocation spread 50 pods evenly over 10 nodes.
    for i in 0..10 {
        let n = crate::Symbol::intern(&format!("node-{i}"));
        assert_eq!(store.pods_on_node(n).len(), 5);
    }
}

#[test]
fn unschedulable_pod_gets_kubernetes_verdict() {
    let (mut store, mut sched) = cluster(3, "1", "1Gi", SchedulerConfig::default(), 2);
    let s = Arc::new(spec(Some("2"), Some("100Mi")));
    let keys = create_all(&mut store, vec![pod("big", &s, &[])]);
    let events = run_once(&mut sched, &mut store, Time::ZERO);
    let p = store.get(keys[0]).unwrap();
    assert!(p.node_name.is_none());
    let expected = "0/3 nodes are available: 3 Insufficient cpu. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
    assert_eq!(p.status.message.as_deref(), Some(expected));
    assert_eq!(p.status.reason.map(|r| r.as_str()), Some("Unschedulable"));
    assert_eq!(
        p.status.conditions.pod_scheduled.unwrap().status,
        ConditionStatus::False
    );
    assert_eq!(events.events()[0].reason, "FailedScheduling");
    assert_eq!(events.events()[0].message, expected);
    // Unchanged verdict: no new store write on retry.
    let rv = store.resource_version();
    let later = Time::from_secs(400);
    sched.schedule_pending(&mut store, later, &mut EventLog::counting());
    assert_eq!(sched.stats().attempts, 2);
    assert_eq!(store.resource_version(), rv);
}

#[test]
fn unschedulable_message_for_a_known_mix() {
    let mut store = Store::new(4);
    let mut cordoned = node("cordoned", "4", "8Gi", 110, &[("disk", "ssd")]);
    cordoned.spec.unschedulable = true;
    store.create(cordoned).unwrap();
    for i in 0..2 {
        let mut n = node(&format!("tainted-{i}"), "4", "8Gi", 110, &[("disk", "ssd")]);
        n.spec.taints.push(crate::api::scheduling::Taint {
            key: crate::Symbol::intern("dedicated"),
            value: crate::Symbol::intern("infra"),
            effect: crate::api::scheduling::TaintEffect::NoSchedule,
            time_added: None,
        });
        store.create(n).unwrap();
    }
    for i in 0..3 {
        store
            .create(node(&format!("small-{i}"), "1", "8Gi", 110, &[("disk", "ssd")]))
            .unwrap();
    }
    for i in 0..4 {
        store
            .create(node(&format!("hdd-{i}"), "4", "8Gi", 110, &[("disk", "hdd")]))
            .unwrap();
    }
    let mut sched = Scheduler::new(SchedulerConfig::default(), 4);
    sched.attach(&mut store);
    let mut s = spec(Some("2"), None);
    s.node_selector = [("disk", "ssd")].into_iter().collect();
    let key = store.create(pod("p", &Arc::new(s), &[])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    let msg = store.get(key).unwrap().status.message.clone().unwrap();
    // The small nodes' CPU request exceeds their whole allocatable: unresolvable too.
    assert_eq!(
        &*msg,
        "0/10 nodes are available: 1 node(s) were unschedulable, 2 node(s) had untolerated taint(s), \
         3 Insufficient cpu, 4 node(s) didn't match Pod's node affinity/selector. \
         preemption: 0/10 nodes are available: 10 Preemption is not helpful for scheduling."
    );
}

fn priority_classes(store: &mut Store) {
    for (name, value) in [("low", 0), ("high", 100)] {
        store
            .create(crate::api::PriorityClass {
                metadata: ObjectMeta::named("", name),
                value,
                ..Default::default()
            })
            .unwrap();
    }
}

#[test]
fn preemption_evicts_lower_priority_pods_and_nominates() {
    let mut store = Store::new(5);
    priority_classes(&mut store);
    for i in 0..2 {
        store
            .create(node(&format!("n{i}"), "2", "8Gi", 110, &[]))
            .unwrap();
    }
    let mut sched = Scheduler::new(SchedulerConfig::default(), 5);
    sched.attach(&mut store);
    let mut low = spec(Some("1"), None);
    low.priority_class_name = Some(crate::Symbol::intern("low"));
    low.termination_grace_period_seconds = Some(0);
    let low = Arc::new(low);
    let lows = create_all(
        &mut store,
        (0..4)
            .map(|i| pod(&format!("low-{i}"), &low, &[("app", "low")]))
            .collect(),
    );
    run_once(&mut sched, &mut store, Time::ZERO);
    assert!(placements(&store, &lows).iter().all(Option::is_some));
    let mut high = spec(Some("2"), None);
    high.priority_class_name = Some(crate::Symbol::intern("high"));
    let hk = store.create(pod("high", &Arc::new(high), &[])).unwrap();
    let events = run_once(&mut sched, &mut store, Time::ZERO);
    let h = store.get(hk).unwrap();
    let nominated = h.status.nominated_node_name.expect("nominated");
    assert_eq!(
        h.status.message.as_deref(),
        Some("0/2 nodes are available: 2 Insufficient cpu.")
    );
    let preempted: Vec<_> = events
        .events()
        .iter()
        .filter(|e| e.reason == "Preempted")
        .collect();
    assert_eq!(preempted.len(), 2, "both pods of one node are evicted");
    assert!(
        preempted[0]
            .message
            .ends_with(&format!("on node {}", nominated.as_str()))
    );
    assert_eq!(sched.stats().preemptions, 1);
    // After the back-off the preemptor lands on the nominated node.
    let when = sched.next_wakeup().expect("back-off");
    assert_eq!(when, Time::from_secs(1));
    run_once(&mut sched, &mut store, when);
    let h = store.get(hk).unwrap();
    assert_eq!(h.node_name, Some(nominated));
    assert_eq!(h.status.nominated_node_name, None);
}

#[test]
fn preemption_respects_pod_disruption_budgets() {
    let mut store = Store::new(6);
    priority_classes(&mut store);
    for i in 0..2 {
        store
            .create(node(&format!("n{i}"), "1", "8Gi", 110, &[]))
            .unwrap();
    }
    let mut sched = Scheduler::new(SchedulerConfig::default(), 6);
    sched.attach(&mut store);
    let mut low = spec(Some("1"), None);
    low.priority_class_name = Some(crate::Symbol::intern("low"));
    low.termination_grace_period_seconds = Some(0);
    let low = Arc::new(low);
    let protected = store.create(pod("protected", &low, &[("app", "db")])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    let free = store.create(pod("free", &low, &[("app", "batch")])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    let pdb = crate::api::PodDisruptionBudget {
        metadata: ObjectMeta::named("default", "db"),
        spec: crate::api::policy::PodDisruptionBudgetSpec {
            min_available: Some(crate::api::meta::IntOrString::Int(1)),
            selector: crate::api::PodSelector::match_labels([("app", "db")].into_iter().collect()),
            ..Default::default()
        },
        ..Default::default()
    };
    store.create(pdb).unwrap();
    let mut high = spec(Some("1"), None);
    high.priority_class_name = Some(crate::Symbol::intern("high"));
    store.create(pod("high", &Arc::new(high), &[])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    assert!(store.get(protected).is_some(), "the PDB-protected pod stays");
    assert!(store.get(free).is_none(), "the unprotected pod is evicted");
}

#[test]
fn queue_orders_by_priority_and_retries_on_cluster_events() {
    let mut store = Store::new(7);
    priority_classes(&mut store);
    store.create(node("n0", "1", "8Gi", 110, &[])).unwrap();
    let mut sched = Scheduler::new(
        SchedulerConfig {
            preemption: false,
            ..SchedulerConfig::default()
        },
        7,
    );
    sched.attach(&mut store);
    let low = Arc::new(spec(Some("1"), None));
    let mut high = spec(Some("1"), None);
    high.priority_class_name = Some(crate::Symbol::intern("high"));
    let lk = store.create(pod("first-low", &low, &[])).unwrap();
    let hk = store.create(pod("second-high", &Arc::new(high), &[])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    assert!(
        store.get(hk).unwrap().node_name.is_some(),
        "higher priority goes first"
    );
    assert!(store.get(lk).unwrap().node_name.is_none());
    // Parked until an event could help: a new node moves it (after its 1 s back-off).
    assert_eq!(sched.next_wakeup(), Some(Time::from_secs(300)));
    store.create(node("n1", "1", "8Gi", 110, &[])).unwrap();
    run_once(&mut sched, &mut store, Time::from_millis(500));
    assert!(store.get(lk).unwrap().node_name.is_none(), "still backing off");
    assert_eq!(sched.next_wakeup(), Some(Time::from_secs(1)));
    run_once(&mut sched, &mut store, Time::from_secs(1));
    assert_eq!(store.get(lk).unwrap().node_name.map(|n| n.as_str()), Some("n1"));
    assert_eq!(sched.stats().latency.count, 2);
    assert_eq!(sched.stats().latency.max_ms, 1000);
}

#[test]
fn placement_quality_numbers() {
    let (mut store, mut sched) = cluster(4, "2", "4Gi", SchedulerConfig::default(), 8);
    let s = Arc::new(spec(Some("1"), Some("1Gi")));
    create_all(
        &mut store,
        (0..9).map(|i| pod(&format!("p{i}"), &s, &[])).collect(),
    );
    run_once(&mut sched, &mut store, Time::ZERO);
    let q = crate::sched::placement_quality(&store);
    assert_eq!((q.nodes, q.nodes_used, q.pods_bound, q.pending), (4, 4, 8, 1));
    assert_eq!(q.allocation[0].resource, "cpu");
    assert!((q.allocation[0].ratio - 1.0).abs() < 1e-9);
    assert!((q.allocation[1].ratio - 0.5).abs() < 1e-9);
    // Free memory sits on nodes without CPU: no pending shape can use it.
    assert!((q.fragmentation_memory - 1.0).abs() < 1e-9);
}

#[test]
fn preemptor_waits_for_terminating_victims() {
    let mut store = Store::new(9);
    priority_classes(&mut store);
    store.create(node("n0", "1", "8Gi", 110, &[])).unwrap();
    let mut sched = Scheduler::new(SchedulerConfig::default(), 9);
    sched.attach(&mut store);
    let mut low = spec(Some("1"), None);
    low.priority_class_name = Some(crate::Symbol::intern("low"));
    let victim = store.create(pod("victim", &Arc::new(low), &[])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    let mut high = spec(Some("1"), None);
    high.priority_class_name = Some(crate::Symbol::intern("high"));
    let hk = store.create(pod("high", &Arc::new(high), &[])).unwrap();
    run_once(&mut sched, &mut store, Time::ZERO);
    // The victim is terminating (30 s grace) and still holds the node.
    assert!(store.get(victim).unwrap().metadata.deletion_timestamp.is_some());
    assert_eq!(
        store
            .get(hk)
            .unwrap()
            .status
            .nominated_node_name
            .map(|n| n.as_str()),
        Some("n0")
    );
    // Retried (5-minute flush): still no room, and no second preemption.
    run_once(&mut sched, &mut store, Time::from_secs(301));
    let h = store.get(hk).unwrap();
    assert!(h.node_name.is_none());
    assert_eq!(
        h.status.message.as_deref(),
        Some(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to a terminating pod on the nominated node."
        )
    );
    assert_eq!(h.status.nominated_node_name.map(|n| n.as_str()), Some("n0"));
    assert_eq!(sched.stats().preemptions, 1);
    // The kubelet removes the victim: the preemptor binds to its nominated node.
    store.delete(victim, crate::store::DeleteOptions::now()).unwrap();
    run_once(&mut sched, &mut store, Time::from_secs(400));
    assert_eq!(store.get(hk).unwrap().node_name.map(|n| n.as_str()), Some("n0"));
}
