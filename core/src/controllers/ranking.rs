//! Which pods a ReplicaSet deletes first when it scales down
//! (`ActivePodsWithRanks.Less` in `pkg/controller/controller_utils.go`,
//! with the PodDeletionCost and LogarithmicScaleDown features on, as they
//! are by default).

use std::cmp::Ordering;

use crate::api::pod::PodPhase;
use crate::api::{Pod, Time};

/// The annotation that lets users order deletions.
pub const POD_DELETION_COST: &str = "controller.kubernetes.io/pod-deletion-cost";

/// A pod with its rank: the number of related active pods on the same node.
pub struct Ranked<'a> {
    /// The pod.
    pub pod: &'a Pod,
    /// Related pods co-located with it (doubled-up nodes lose pods first).
    pub rank: usize,
}

fn phase_ordinal(phase: PodPhase) -> u8 {
    match phase {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        PodPhase::Succeeded | PodPhase::Failed => 3,
    }
}

/// The deletion cost (default 0; an unparsable value counts as 0).
fn deletion_cost(pod: &Pod) -> i32 {
    pod.metadata
        .annotations
        .get(POD_DELETION_COST)
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// `logarithmicRankDiff`: compares floor(log2(age in ns)) of two times.
fn log_rank_diff(t1: Time, t2: Time, now: Time) -> i64 {
    let rank = |t: Time| {
        let d_ns = now.since(t).saturating_mul(1_000_000);
        if d_ns > 0 {
            i64::from(63 - d_ns.leading_zeros() as i32)
        } else {
            -1
        }
    };
    rank(t1) - rank(t2)
}

/// `afterOrZero`: a zero time sorts first, then the later time.
fn after_or_zero(t1: Option<Time>, t2: Option<Time>) -> bool {
    match (t1, t2) {
        (None, _) | (_, None) => t1.is_none(),
        (Some(a), Some(b)) => a > b,
    }
}

fn ready_since(pod: &Pod) -> Option<Time> {
    pod.status.conditions.ready.map(|c| c.last_transition_time)
}

/// Whether `a` is deleted before `b` (the `Less` of the upstream sort).
pub fn delete_before(a: &Ranked<'_>, b: &Ranked<'_>, now: Time) -> bool {
    let (pa, pb) = (a.pod, b.pod);
    // 1. Unassigned < assigned.
    if pa.node_name != pb.node_name && (pa.node_name.is_none() || pb.node_name.is_none()) {
        return pa.node_name.is_none();
    }
    // 2. Pending < Unknown < Running.
    let (oa, ob) = (phase_ordinal(pa.status.phase), phase_ordinal(pb.status.phase));
    if oa != ob {
        return oa < ob;
    }
    // 3. Not ready < ready.
    if pa.is_ready() != pb.is_ready() {
        return !pa.is_ready();
    }
    // 4. Lower pod-deletion-cost < higher.
    let (ca, cb) = (deletion_cost(pa), deletion_cost(pb));
    if ca != cb {
        return ca < cb;
    }
    // 5. Doubled-up pods < single pods.
    if a.rank != b.rank {
        return a.rank > b.rank;
    }
    // 6. Both ready: more recently ready first, on a log2 scale, then UID.
    if pa.is_ready() && pb.is_ready() {
        let (ra, rb) = (ready_since(pa), ready_since(pb));
        if ra != rb {
            return match (ra, rb) {
                (Some(x), Some(y)) => {
                    let diff = log_rank_diff(x, y, now);
                    if diff == 0 {
                        pa.metadata.uid < pb.metadata.uid
                    } else {
                        diff < 0
                    }
                }
                _ => after_or_zero(ra, rb),
            };
        }
    }
    // 7. More restarts < fewer.
    if pa.status.restart_count != pb.status.restart_count {
        return pa.status.restart_count > pb.status.restart_count;
    }
    // 8. Newer < older, on a log2 scale, then UID.
    let (ta, tb) = (pa.metadata.creation_timestamp, pb.metadata.creation_timestamp);
    if ta != tb {
        let diff = log_rank_diff(ta, tb, now);
        return if diff == 0 {
            pa.metadata.uid < pb.metadata.uid
        } else {
            diff < 0
        };
    }
    false
}

/// [`delete_before`] as an ordering, for a stable sort over the caller's
/// (deterministic) order; Go's `sort.Sort` is not stable, so upstream's order
/// among equal pods is arbitrary.
pub fn deletion_order(a: &Ranked<'_>, b: &Ranked<'_>, now: Time) -> Ordering {
    if delete_before(a, b, now) {
        Ordering::Less
    } else if delete_before(b, a, now) {
        Ordering::Greater
    } else {
        Ordering::Equal
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ObjectMeta;
    use crate::api::meta::Uid;
    use crate::api::pod::PodCondition;
    use crate::intern::Symbol;

    fn pod(node: Option<&str>, phase: PodPhase, ready_at: Option<i64>) -> Pod {
        let mut p = Pod {
            metadata: ObjectMeta::named("default", "p"),
            spec: Default::default(),
            node_name: node.map(Symbol::intern),
            status: Default::default(),
        };
        p.status.phase = phase;
        p.status.conditions.ready = ready_at.map(|t| PodCondition::new(true, Time::from_secs(t)));
        p
    }

    fn before(a: &Pod, ra: usize, b: &Pod, rb: usize, now: Time) -> bool {
        delete_before(&Ranked { pod: a, rank: ra }, &Ranked { pod: b, rank: rb }, now)
    }

    #[test]
    fn upstream_ordering_rules() {
        let now = Time::from_secs(10_000);
        let unassigned = pod(None, PodPhase::Pending, None);
        let assigned = pod(Some("n1"), PodPhase::Pending, None);
        assert!(before(&unassigned, 0, &assigned, 0, now));
        let unknown = pod(Some("n1"), PodPhase::Unknown, None);
        let running = pod(Some("n2"), PodPhase::Running, None);
        assert!(before(&unknown, 0, &running, 0, now));
        let ready = pod(Some("n1"), PodPhase::Running, Some(100));
        assert!(before(&running, 0, &ready, 0, now));
        // Co-located related pods go first.
        let other_ready = pod(Some("n2"), PodPhase::Running, Some(100));
        assert!(before(&ready, 3, &other_ready, 1, now));
        // Recently ready (10 s) before long ready (1000 s): different log2 buckets.
        let recent = pod(Some("n1"), PodPhase::Running, Some(10_000 - 10));
        let old = pod(Some("n1"), PodPhase::Running, Some(10_000 - 1000));
        assert!(before(&recent, 1, &old, 1, now));
        assert!(!before(&old, 1, &recent, 1, now));
        // Same log2 bucket: UID order.
        let mut x = pod(Some("n1"), PodPhase::Running, Some(10_000 - 1000));
        let mut y = pod(Some("n1"), PodPhase::Running, Some(10_000 - 1001));
        x.metadata.uid = Uid(2);
        y.metadata.uid = Uid(1);
        assert!(before(&y, 1, &x, 1, now));
        // Deletion cost.
        let mut cheap = pod(Some("n1"), PodPhase::Running, Some(100));
        cheap.metadata.annotations.set(POD_DELETION_COST, "-5");
        assert!(before(&cheap, 0, &ready, 0, now));
    }
}
