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
