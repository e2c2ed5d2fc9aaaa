//! One scheduling cycle through the plugins (`schedulePod` in `pkg/scheduler/schedule_one.go`):
//! pre-filters; the nominated node first; then nodes from the rotating start index until
//! `numFeasibleNodesToFind` feasible nodes are found (exactly as one filter worker does: the
//! search stops at the next feasible node, and every node examined before it advances the
//! start index); pre-scores, scores, normalisation, weighted sum; the best node, ties broken
//! by the seeded RNG.
//!
//! Nodes are evaluated in windows; above a size threshold a window is filtered (and feasible
//! nodes scored) on the rayon pool, and the results are read back in node order, so the
//! outcome never depends on the number of threads.

use std::sync::Arc;

use bumpalo::Bump;
use rayon::prelude::*;

use super::bitset::Bitset;
use super::cache::{ClusterView, NodeInfo, Overlay};
use super::framework::{Builtin, Code, CycleState, Slot, Status};
use super::pod_info::PodInfo;
use super::profile::Profile;
use super::verdict::Diagnosis;
use crate::collections::FxMap;
use crate::rng::Rng;

/// `minFeasibleNodesToFind`.
pub const MIN_FEASIBLE_NODES_TO_FIND: usize = 100;
/// `minFeasibleNodesPercentageToFind`.
pub const MIN_FEASIBLE_NODES_PERCENTAGE: usize = 5;
/// Nodes evaluated per parallel window.
const WINDOW: usize = 1024;
/// Below this many nodes a window is evaluated on the calling thread.
const PARALLEL_MIN: usize = 256;

/// `numFeasibleNodesToFind`: how many feasible nodes the search stops at. `percentage` `None`
/// or 0 is the adaptive default `max(5, 50 - nodes/125)` percent; at least 100 nodes.
pub fn num_feasible_nodes_to_find(percentage: Option<u32>, num_all_nodes: usize) -> usize {
    if num_all_nodes < MIN_FEASIBLE_NODES_TO_FIND {
        return num_all_nodes;
    }
    let mut p = percentage.unwrap_or(0) as usize;
    if p == 0 {
        p = 50usize
            .saturating_sub(num_all_nodes / 125)
            .max(MIN_FEASIBLE_NODES_PERCENTAGE);
    }
    let n = num_all_nodes * p / 100;
    n.max(MIN_FEASIBLE_NODES_TO_FIND)
}

/// Pods nominated to nodes by preemption, by node slot.
#[derive(Default)]
pub struct Nominator {
    pub(crate) by_node: FxMap<u32, Vec<Arc<PodInfo>>>,
}

impl Nominator {
    /// Whether no pod is nominated anywhere.
    pub fn is_empty(&self) -> bool {
        self.by_node.values().all(Vec::is_empty)
    }

    /// Pods nominated to `slot`.
    pub fn on(&self, slot: u32) -> &[Arc<PodInfo>] {
        self.by_node.get(&slot).map_or(&[], Vec::as_slice)
    }

    /// Records (or moves) `pod`'s nomination.
    pub fn set(&mut self, pod: Arc<PodInfo>, slot: Option<u32>) {
        self.remove(&pod);
        if let Some(s) = slot {
            self.by_node.entry(s).or_default().push(pod);
        }
    }

    /// Forgets `pod`'s nomination.
    pub fn remove(&mut self, pod: &PodInfo) {
        for list in self.by_node.values_mut() {
            list.retain(|p| p.key != pod.key);
        }
        self.by_node.retain(|_, l| !l.is_empty());
    }
}

/// What a cycle needs.
pub struct Env<'a> {
    /// The cluster.
    pub cx: ClusterView<'a>,
    /// The profile.
    pub profile: &'a Profile,
    /// The thread pool (None: evaluate on the calling thread).
    pub pool: Option<&'a rayon::ThreadPool>,
    /// Nominated pods.
    pub nominator: &'a Nominator,
    /// percentageOfNodesToScore.
    pub percentage: Option<u32>,
    /// Whether no pod is nominated anywhere (then no node needs the two-pass evaluation).
    pub no_nominations: bool,
}

impl<'a> Env<'a> {
    /// An environment for one cycle.
    pub fn new(
        cx: ClusterView<'a>,
        profile: &'a Profile,
        pool: Option<&'a rayon::ThreadPool>,
        nominator: &'a Nominator,
        percentage: Option<u32>,
    ) -> Env<'a> {
        Env {
            cx,
            profile,
            pool,
            nominator,
            percentage,
            no_nominations: nominator.is_empty(),
        }
    }
}

/// The result of a cycle.
pub enum Outcome {
    /// The chosen node.
    Chosen {
        /// Its slot.
        slot: u32,
        /// Feasible nodes found.
        feasible: usize,
    },
    /// No node fits.
    Failed(Box<Diagnosis>),
}

/// Runs the filters on `node`; the failing plugin's index with the status.
pub fn run_filters(env: &Env<'_>, pod: &PodInfo, state: &CycleState, node: &NodeInfo<'_>) -> (Status, usize) {
    run_filters_skipping(env, pod, state, node, &state.skip_filter)
}

fn run_filters_skipping(
    env: &Env<'_>,
    pod: &PodInfo,
    state: &CycleState,
    node: &NodeInfo<'_>,
    skip: &[bool],
) -> (Status, usize) {
    for (i, f) in env.profile.filters().iter().enumerate() {
        if skip[i] {
            continue;
        }
        let s = f.filter(&env.cx, pod, Slot::filter(i), state, node);
        if !s.is_success() {
            return (s, i);
        }
    }
    (Status::success(), usize::MAX)
}

/// Runs the filters on `node` twice when pods of equal or higher priority are nominated to it:
/// once as if they were running there, then without them
/// (`RunFilterPluginsWithNominatedPods`).
pub fn run_filters_nominated(
    env: &Env<'_>,
    pod: &PodInfo,
    state: &CycleState,
    node: &NodeInfo<'_>,
) -> (Status, usize) {
    run_filters_nominated_skipping(env, pod, state, node, &state.skip_filter)
}

/// [`run_filters_nominated`] leaving out the filters flagged in `skip` (the static filters on
/// nodes that passed the static mask).
fn run_filters_nominated_skipping(
    env: &Env<'_>,
    pod: &PodInfo,
    state: &CycleState,
    node: &NodeInfo<'_>,
    skip: &[bool],
) -> (Status, usize) {
    if env.no_nominations {
        return run_filters_skipping(env, pod, state, node, skip);
    }
    let nominated: Vec<&Arc<PodInfo>> = env
        .nominator
        .on(node.slot())
        .iter()
        .filter(|p| p.key != pod.key && p.priority >= pod.priority)
        .collect();
    if nominated.is_empty() {
        return run_filters_skipping(env, pod, state, node, skip);
    }
    let mut with = state.clone();
    let mut overlay = Overlay::default();
    for p in &nominated {
        overlay.apply(p, 1);
        for (i, f) in env.profile.filters().iter().enumerate() {
            if !with.skip_filter[i] {
                f.update_for_pod(&env.cx, pod, Slot::filter(i), &mut with, p, node, true);
            }
        }
    }
    let first = run_filters_skipping(env, pod, &with, &node.with_overlay(&overlay), skip);
    if !first.0.is_success() {
        return first;
    }
    run_filters_skipping(env, pod, state, node, skip)
}

/// Runs the pre-filters. `Err` holds the rejection (status, plugin).
pub fn pre_filter(
    env: &Env<'_>,
    pod: &PodInfo,
    state: &mut CycleState,
) -> Result<(), (Status, &'static str)> {
    let mut rejected: Option<(Status, &'static str)> = None;
    for (i, f) in env.profile.filters().iter().enumerate() {
        let s = f.pre_filter(&env.cx, pod, Slot::filter(i), state);
        match s.code {
            Code::Success => {}
            Code::Skip => state.skip_filter[i] = true,
            Code::Unschedulable => rejected = Some((s, f.name())),
            Code::UnschedulableAndUnresolvable | Code::Error => return Err((s, f.name())),
        }
    }
    if let Some((names_plugins, names)) = &state.restricted
        && names.is_empty()
    {
        let msg = if names_plugins.len() == 1 {
            format!("node(s) didn't satisfy plugin {}", names_plugins[0])
        } else {
            format!(
                "node(s) didn't satisfy plugin(s) [{}] simultaneously",
                names_plugins.join(" ")
            )
        };
        return Err((
            Status::unresolvable(super::framework::reason(&msg)),
            names_plugins[0],
        ));
    }
    match rejected {
        Some(r) => Err(r),
        None => Ok(()),
    }
}

enum Eval {
    Feasible,
    Failed(Status, usize),
    Masked,
}

fn par_map<T: Send>(env: &Env<'_>, n: usize, f: impl Fn(usize) -> T + Sync + Send) -> Vec<T> {
    match env.pool {
        Some(pool) if n >= PARALLEL_MIN => {
            pool.install(|| (0..n).into_par_iter().with_min_len(64).map(&f).collect())
        }
        _ => (0..n).map(f).collect(),
    }
}

/// The full diagnosis of a pod that fits nowhere: the status of every failing node.
fn diagnose(
    env: &Env<'_>,
    pod: &PodInfo,
    state: CycleState,
    nodes: &[u32],
    known: Vec<(u32, Eval)>,
) -> Box<Diagnosis> {
    let known_len = known.len();
    let mut statuses: Vec<(u32, Status, usize)> = Vec::with_capacity(nodes.len());
    let masked: Vec<u32> = known
        .iter()
        .filter(|(_, e)| matches!(e, Eval::Masked))
        .map(|(s, _)| *s)
        .collect();
    let recomputed = par_map(env, masked.len(), |i| {
        run_filters_nominated(env, pod, &state, &env.cx.node(masked[i]))
    });
    let mut rec = recomputed.into_iter();
    for (s, e) in known {
        match e {
            Eval::Failed(st, p) => statuses.push((s, st, p)),
            Eval::Masked => {
                let (st, p) = rec.next().expect("recomputed");
                statuses.push((s, st, p));
            }
            Eval::Feasible => {}
        }
    }
    debug_assert_eq!(known_len, nodes.len());
    let mut plugins: Vec<&'static str> = statuses
        .iter()
        .filter(|(_, s, _)| s.is_rejected())
        .map(|(_, _, p)| env.profile.filters()[*p].name())
        .collect();
    plugins.sort_unstable();
    plugins.dedup();
    let num_all = env.cx.cache.node_count();
    let absent = (nodes.len() < num_all).then(|| {
        let names = state
            .restricted
            .as_ref()
            .map(|(p, _)| p.join(" "))
            .unwrap_or_default();
        Status::unresolvable(super::framework::reason(&format!(
            "node(s) didn't satisfy plugin(s) [{names}]"
        )))
    });
    Box::new(Diagnosis {
        num_all_nodes: num_all,
        node_status: statuses.into_iter().map(|(s, st, _)| (s, st)).collect(),
        absent,
        prefilter_msg: None,
        plugins,
        state: Some(state),
    })
}

/// One cycle for `pod`. `mask` (static eligibility by node slot) lets nodes that fail the static
/// filters be skipped without running them; `next_start` is the rotating start index.
pub fn schedule(
    env: &Env<'_>,
    pod: &PodInfo,
    mask: Option<&Bitset>,
    next_start: &mut usize,
    rng: &mut Rng,
    scratch: &Bump,
) -> Outcome {
    let cache = env.cx.cache;
    let num_all = cache.node_count();
    let filters = env.profile.filters();
    let scores = env.profile.scores();
    let mut state = CycleState::new(filters.len(), scores.len());
    if num_all == 0 {
        return Outcome::Failed(Box::new(Diagnosis {
            num_all_nodes: 0,
            node_status: Vec::new(),
            absent: None,
            prefilter_msg: None,
            plugins: Vec::new(),
            state: None,
        }));
    }
    if let Err((status, plugin)) = pre_filter(env, pod, &mut state) {
        return Outcome::Failed(Box::new(Diagnosis::all(num_all, status, plugin, Some(state))));
    }
    if let Some(nn) = pod.nominated_node
        && let Some(slot) = cache.slot_of(nn)
        && run_filters_nominated(env, pod, &state, &cache.node_info(slot))
            .0
            .is_success()
    {
        return Outcome::Chosen { slot, feasible: 1 };
    }
    let nodes: std::borrow::Cow<'_, [u32]> = match &state.restricted {
        None => std::borrow::Cow::Borrowed(cache.order()),
        Some((_, names)) => {
            let mut v: Vec<u32> = names.iter().filter_map(|n| cache.slot_of(*n)).collect();
            v.sort_by_key(|s| cache.position(*s));
            v.dedup();
            std::borrow::Cow::Owned(v)
        }
    };
    let len = nodes.len();
    let k = if scores.is_empty() {
        1
    } else {
        num_feasible_nodes_to_find(env.percentage, len)
    };
    // Per-cycle scratch: the feasible nodes (at most k) live in the bump arena.
    let feasible_buf: &mut [u32] = scratch.alloc_slice_fill_copy(k.min(len), 0);
    let mut found = 0usize;
    let mut examined: Vec<(u32, Eval)> = Vec::new();
    let mut failures = 0usize;
    let start = if len == 0 { 0 } else { *next_start % len };
    let mut i = 0;
    // On nodes that passed the static mask the static filters are known to pass.
    let mut skip = state.skip_filter.clone();
    if mask.is_some() {
        for (i, f) in filters.iter().enumerate() {
            if matches!(
                f.builtin(),
                Some(
                    Builtin::NodeUnschedulable
                        | Builtin::NodeName
                        | Builtin::TaintToleration
                        | Builtin::NodeAffinity
                )
            ) {
                skip[i] = true;
            }
        }
    }
    let eval = |slot: u32| -> Eval {
        if let Some(m) = mask
            && !m.get(slot as usize)
        {
            return Eval::Masked;
        }
        let (s, p) = run_filters_nominated_skipping(env, pod, &state, &cache.node_info(slot), &skip);
        if s.is_success() {
            Eval::Feasible
        } else {
            Eval::Failed(s, p)
        }
    };
    'scan: while i < len {
        let w = if env.pool.is_some() {
            WINDOW.min(len - i)
        } else {
            1
        };
        let base = i;
        let results: Vec<Eval> = if w == 1 {
            vec![eval(nodes[(start + base) % len])]
        } else {
            par_map(env, w, |j| eval(nodes[(start + base + j) % len]))
        };
        for (j, e) in results.into_iter().enumerate() {
            let slot = nodes[(start + base + j) % len];
            match e {
                Eval::Feasible => {
                    if found == k {
                        break 'scan;
                    }
                    feasible_buf[found] = slot;
                    found += 1;
                    examined.push((slot, Eval::Feasible));
                }
                other => {
                    failures += 1;
                    examined.push((slot, other));
                }
            }
        }
        i += w;
    }
    let feasible: &[u32] = &feasible_buf[..found];
    let processed = feasible.len() + failures;
    *next_start = (*next_start + processed) % num_all;
    if feasible.is_empty() {
        return Outcome::Failed(diagnose(env, pod, state, &nodes, examined));
    }
    if feasible.len() == 1 {
        return Outcome::Chosen {
            slot: feasible[0],
            feasible: 1,
        };
    }
    let totals = score_nodes(env, pod, &mut state, feasible, scratch);
    let slot = select(feasible, totals, rng);
    Outcome::Chosen {
        slot,
        feasible: feasible.len(),
    }
}

/// Pre-scores, scores, normalises and weights: the total score of each feasible node.
pub fn score_nodes<'b>(
    env: &Env<'_>,
    pod: &PodInfo,
    state: &mut CycleState,
    feasible: &[u32],
    scratch: &'b Bump,
) -> &'b [i64] {
    let scores = env.profile.scores();
    for (i, (s, _)) in scores.iter().enumerate() {
        if s.pre_score(&env.cx, pod, Slot::score(i), state, feasible).code == Code::Skip {
            state.skip_score[i] = true;
        }
    }
    let totals: &mut [i64] = scratch.alloc_slice_fill_copy(feasible.len(), 0);
    let raw: &mut [i64] = scratch.alloc_slice_fill_copy(feasible.len(), 0);
    let state = &*state;
    for (i, (s, w)) in scores.iter().enumerate() {
        if state.skip_score[i] {
            continue;
        }
        let slot = Slot::score(i);
        let score = |j: usize| s.score(&env.cx, pod, slot, state, &env.cx.node(feasible[j]));
        match env.pool {
            Some(_) if feasible.len() >= PARALLEL_MIN => {
                raw.copy_from_slice(&par_map(env, feasible.len(), score))
            }
            _ => raw.iter_mut().enumerate().for_each(|(j, r)| *r = score(j)),
        }
        s.normalize(pod, slot, state, feasible, raw);
        for (t, r) in totals.iter_mut().zip(raw.iter()) {
            *t += w * r;
        }
    }
    totals
}

/// `selectHost`: the best total; among equal bests, the j-th in examination order with j drawn
/// uniformly from the seeded RNG (one draw per selection among two or more feasible nodes).
pub fn select(feasible: &[u32], totals: &[i64], rng: &mut Rng) -> u32 {
    let max = totals.iter().copied().max().unwrap_or(0);
    let count = totals.iter().filter(|t| **t == max).count();
    let j = rng.index(count);
    let idx = totals
        .iter()
        .enumerate()
        .filter(|(_, t)| **t == max)
        .nth(j)
        .map(|(i, _)| i)
        .unwrap_or(0);
    feasible[idx]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feasible_nodes_to_find_matches_kubernetes() {
        assert_eq!(num_feasible_nodes_to_find(None, 50), 50);
        assert_eq!(num_feasible_nodes_to_find(None, 500), 230); // 50 - 4 = 46%
        assert_eq!(num_feasible_nodes_to_find(None, 5000), 500); // 50 - 40 = 10%
        assert_eq!(num_feasible_nodes_to_find(None, 15000), 750); // floor at 5%
        assert_eq!(num_feasible_nodes_to_find(Some(100), 5000), 5000);
        assert_eq!(num_feasible_nodes_to_find(Some(1), 5000), 100);
    }
}
