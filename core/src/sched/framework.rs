//! The plugin framework: the [`Filter`] and [`Score`] traits (with their pre-steps), the
//! [`Status`] a filter returns, and the per-cycle [`CycleState`] where pre-steps leave what they
//! computed once per pod (kube-scheduler `pkg/scheduler/framework/interface.go`).
//!
//! A plugin written outside the crate implements [`Filter`] and/or [`Score`] and is added to a
//! [`Profile`](super::Profile); `core/examples/custom_plugin.rs` shows one.

use std::any::Any;

use smallvec::SmallVec;

use crate::intern::Symbol;

use super::cache::{ClusterView, NodeInfo};
use super::pod_info::PodInfo;

/// The highest score a plugin gives a node after normalisation (`framework.MaxNodeScore`).
pub const MAX_NODE_SCORE: i64 = 100;

/// What a filter (or pre-step) says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// The node passes / the step succeeded.
    Success,
    /// The node does not fit, but preempting pods on it might help.
    Unschedulable,
    /// The node does not fit and preemption cannot change that.
    UnschedulableAndUnresolvable,
    /// The plugin has nothing to do for this pod (pre-steps only): its filter or score is skipped.
    Skip,
    /// Something went wrong; the cycle fails.
    Error,
}

/// A filter's verdict on one node: a code and the reasons, in Kubernetes' words
/// (`Insufficient cpu`, `node(s) didn't match Pod's node affinity/selector`).
///
/// Reasons are `&'static str` so that a verdict costs no allocation; a plugin with reasons built
/// at run time interns them with [`reason`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Status {
    /// The code.
    pub code: Code,
    /// The reasons (one per insufficient resource for NodeResourcesFit).
    pub reasons: SmallVec<[&'static str; 2]>,
}

impl Status {
    /// Success.
    pub fn success() -> Status {
        Status {
            code: Code::Success,
            reasons: SmallVec::new(),
        }
    }

    /// A status with one reason.
    pub fn new(code: Code, reason: &'static str) -> Status {
        let mut reasons = SmallVec::new();
        reasons.push(reason);
        Status { code, reasons }
    }

    /// Unschedulable (preemption may help) with one reason.
    pub fn unschedulable(reason: &'static str) -> Status {
        Status::new(Code::Unschedulable, reason)
    }

    /// Unschedulable and unresolvable with one reason.
    pub fn unresolvable(reason: &'static str) -> Status {
        Status::new(Code::UnschedulableAndUnresolvable, reason)
    }

    /// Skip (from a pre-step).
    pub fn skip() -> Status {
        Status {
            code: Code::Skip,
            reasons: SmallVec::new(),
        }
    }

    /// Whether the code is Success.
    pub fn is_success(&self) -> bool {
        self.code == Code::Success
    }

    /// Whether the node was rejected (Unschedulable or UnschedulableAndUnresolvable).
    pub fn is_rejected(&self) -> bool {
        matches!(
            self.code,
            Code::Unschedulable | Code::UnschedulableAndUnresolvable
        )
    }

    /// The reasons joined by `, ` (Kubernetes' `Status.Message()`).
    pub fn message(&self) -> String {
        self.reasons.join(", ")
    }
}

/// Interns a reason built at run time, so that it can live in a [`Status`].
pub fn reason(text: &str) -> &'static str {
    crate::intern::Symbol::intern(text).as_str()
}

/// Per-plugin data a pre-step computes once per pod, read by the per-node steps.
pub trait PluginState: Any + Send + Sync {
    /// A copy (preemption and nominated pods evaluate filters on modified copies).
    fn clone_state(&self) -> Box<dyn PluginState>;
    /// As `Any`, to downcast.
    fn as_any(&self) -> &dyn Any;
    /// As mutable `Any`, to downcast.
    fn as_any_mut(&mut self) -> &mut dyn Any;
}

impl<T: Any + Clone + Send + Sync> PluginState for T {
    fn clone_state(&self) -> Box<dyn PluginState> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
}

/// What the pre-steps of one scheduling cycle left for the per-node steps: one slot per filter
/// and one per score plugin of the profile.
#[derive(Default)]
pub struct CycleState {
    filter: Vec<Option<Box<dyn PluginState>>>,
    score: Vec<Option<Box<dyn PluginState>>>,
    /// Filters whose pre-filter returned Skip (their filter is not run for this pod).
    pub(crate) skip_filter: Vec<bool>,
    /// Score plugins whose pre-score returned Skip.
    pub(crate) skip_score: Vec<bool>,
    /// Nodes the pre-filters narrowed the candidates to (`PreFilterResult`), with the plugins
    /// that did it.
    pub(crate) restricted: Option<(Vec<&'static str>, Vec<Symbol>)>,
}

impl Clone for CycleState {
    fn clone(&self) -> Self {
        CycleState {
            filter: self
                .filter
                .iter()
                .map(|s| s.as_ref().map(|b| (**b).clone_state()))
                .collect(),
            score: self
                .score
                .iter()
                .map(|s| s.as_ref().map(|b| (**b).clone_state()))
                .collect(),
            skip_filter: self.skip_filter.clone(),
            skip_score: self.skip_score.clone(),
            restricted: self.restricted.clone(),
        }
    }
}

impl CycleState {
    pub(crate) fn new(filters: usize, scores: usize) -> CycleState {
        CycleState {
            filter: (0..filters).map(|_| None).collect(),
            score: (0..scores).map(|_| None).collect(),
            skip_filter: vec![false; filters],
            skip_score: vec![false; scores],
            restricted: None,
        }
    }

    /// Narrows the candidate nodes to `names` (intersected with earlier narrowing): what a
    /// pre-filter returns as `PreFilterResult.NodeNames`.
    pub fn restrict_nodes(&mut self, plugin: &'static str, names: Vec<Symbol>) {
        match &mut self.restricted {
            None => self.restricted = Some((vec![plugin], names)),
            Some((plugins, prev)) => {
                plugins.push(plugin);
                prev.retain(|n| names.contains(n));
            }
        }
    }
}

/// A plugin's handle on its own slot of the [`CycleState`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    score: bool,
    index: usize,
}

impl Slot {
    pub(crate) fn filter(index: usize) -> Slot {
        Slot { score: false, index }
    }
    pub(crate) fn score(index: usize) -> Slot {
        Slot { score: true, index }
    }

    /// Stores this plugin's per-pod data.
    pub fn write<T: PluginState>(self, state: &mut CycleState, value: T) {
        let slots = if self.score {
            &mut state.score
        } else {
            &mut state.filter
        };
        slots[self.index] = Some(Box::new(value));
    }

    /// Reads this plugin's per-pod data.
    pub fn read<T: 'static>(self, state: &CycleState) -> Option<&T> {
        let slots = if self.score { &state.score } else { &state.filter };
        (**slots[self.index].as_ref()?).as_any().downcast_ref()
    }

    /// Reads this plugin's per-pod data mutably.
    pub fn read_mut<T: 'static>(self, state: &mut CycleState) -> Option<&mut T> {
        let slots = if self.score {
            &mut state.score
        } else {
            &mut state.filter
        };
        (**slots[self.index].as_mut()?).as_any_mut().downcast_mut()
    }
}

/// A built-in plugin, so that the scheduler can recognise the profiles whose semantics its
/// incremental fast path reproduces exactly. Custom plugins leave [`Filter::builtin`] /
/// [`Score::builtin`] at `None`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Builtin {
    /// NodeUnschedulable.
    NodeUnschedulable,
    /// NodeName.
    NodeName,
    /// TaintToleration.
    TaintToleration,
    /// NodeAffinity.
    NodeAffinity,
    /// NodePorts.
    NodePorts,
    /// NodeResourcesFit.
    NodeResourcesFit,
    /// NodeResourcesBalancedAllocation.
    BalancedAllocation,
    /// PodTopologySpread.
    PodTopologySpread,
    /// InterPodAffinity.
    InterPodAffinity,
}

/// A filter plugin: decides whether a pod may run on a node.
///
/// `pre_filter` runs once per scheduling cycle and may store per-pod data in its [`Slot`];
/// returning [`Code::Skip`] means the filter has nothing to check for this pod, any rejection
/// means no node fits. `filter` runs per node (possibly on several threads at once, hence
/// `Sync`) and must be a pure function of its arguments.
pub trait Filter: Send + Sync {
    /// The plugin's name (`NodeResourcesFit`), used in messages and profiles.
    fn name(&self) -> &'static str;

    /// Per-pod preparation. The default does nothing.
    fn pre_filter(
        &self,
        _cx: &ClusterView<'_>,
        _pod: &PodInfo,
        _slot: Slot,
        _state: &mut CycleState,
    ) -> Status {
        Status::success()
    }

    /// Whether `pod` may run on `node`.
    fn filter(
        &self,
        cx: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &CycleState,
        node: &NodeInfo<'_>,
    ) -> Status;

    /// Updates the pre-filter data as if `other` were added to (`add = true`) or removed from
    /// `node` (kube-scheduler's `PreFilterExtensions`, used by preemption and nominated pods).
    #[allow(clippy::too_many_arguments)]
    fn update_for_pod(
        &self,
        _cx: &ClusterView<'_>,
        _pod: &PodInfo,
        _slot: Slot,
        _state: &mut CycleState,
        _other: &PodInfo,
        _node: &NodeInfo<'_>,
        _add: bool,
    ) {
    }

    /// Which built-in this is (`None` for custom plugins).
    fn builtin(&self) -> Option<Builtin> {
        None
    }
}

/// A score plugin: ranks the nodes that passed the filters.
///
/// `pre_score` runs once per cycle with the feasible nodes (returning [`Code::Skip`] leaves the
/// plugin out of this pod's ranking), `score` once per feasible node, and `normalize` once over
/// all of them (the raw scores are then expected in `0..=100`).
pub trait Score: Send + Sync {
    /// The plugin's name.
    fn name(&self) -> &'static str;

    /// Per-pod preparation over the feasible nodes. The default does nothing.
    fn pre_score(
        &self,
        _cx: &ClusterView<'_>,
        _pod: &PodInfo,
        _slot: Slot,
        _state: &mut CycleState,
        _nodes: &[u32],
    ) -> Status {
        Status::success()
    }

    /// The raw score of `node`.
    fn score(
        &self,
        cx: &ClusterView<'_>,
        pod: &PodInfo,
        slot: Slot,
        state: &CycleState,
        node: &NodeInfo<'_>,
    ) -> i64;

    /// Normalises the raw scores of all feasible nodes in place (same order as `nodes` given to
    /// `pre_score`). The default leaves them as they are.
    fn normalize(
        &self,
        _pod: &PodInfo,
        _slot: Slot,
        _state: &CycleState,
        _nodes: &[u32],
        _scores: &mut [i64],
    ) {
    }

    /// Which built-in this is (`None` for custom plugins).
    fn builtin(&self) -> Option<Builtin> {
        None
    }
}

/// Kubernetes' `helper.DefaultNormalizeScore`: scales scores to `0..=max` by the largest one;
/// `reverse` turns the ranking around (all-zero scores become `max` each when reversed).
pub fn default_normalize(max: i64, reverse: bool, scores: &mut [i64]) {
    let largest = scores.iter().copied().max().unwrap_or(0).max(0);
    if largest == 0 {
        if reverse {
            scores.iter_mut().for_each(|s| *s = max);
        }
        return;
    }
    for s in scores.iter_mut() {
        let mut v = max * *s / largest;
        if reverse {
            v = max - v;
        }
        *s = v;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_normalize_matches_kubernetes() {
        let mut s = [0, 2, 4];
        default_normalize(100, false, &mut s);
        assert_eq!(s, [0, 50, 100]);
        let mut s = [0, 1, 3];
        default_normalize(100, true, &mut s);
        assert_eq!(s, [100, 67, 0]);
        let mut s = [0, 0];
        default_normalize(100, true, &mut s);
        assert_eq!(s, [100, 100]);
        let mut s = [0, 0];
        default_normalize(100, false, &mut s);
        assert_eq!(s, [0, 0]);
    }

    #[test]
    fn status_helpers() {
        let s = Status::new(Code::Unschedulable, "Insufficient cpu");
        assert!(s.is_rejected() && !s.is_success());
        assert_eq!(s.message(), "Insufficient cpu");
        assert!(Status::success().is_success());
        assert_eq!(
            reason("Insufficient example.com/foo"),
            "Insufficient example.com/foo"
        );
    }
}
