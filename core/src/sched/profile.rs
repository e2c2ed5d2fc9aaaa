//! A scheduling profile: which filters run (in order) and which scores count with what weight
//! (`KubeSchedulerProfile`). [`Profile::default`] is kube-scheduler's default profile
//! (`pkg/scheduler/apis/config/v1/default_plugins.go`) without the volume plugins and
//! ImageLocality, which kubesim does not model.

use std::sync::Arc;

use super::framework::{Builtin, Filter, Score};
use super::plugins::{
    BalancedAllocation, InterPodAffinity, NodeAffinity, NodeName, NodePorts, NodeResourcesFit,
    NodeUnschedulable, PodTopologySpread, Strategy, TaintToleration,
};
use crate::intern::Symbol;

/// Filters in order and scores with weights.
#[derive(Clone)]
pub struct Profile {
    /// The `schedulerName` pods choose this profile with.
    pub scheduler_name: Symbol,
    filters: Vec<Arc<dyn Filter>>,
    scores: Vec<(Arc<dyn Score>, i64)>,
    pub(crate) fit: Option<Arc<NodeResourcesFit>>,
    pub(crate) balanced: Option<Arc<BalancedAllocation>>,
    pub(crate) spread: Option<Arc<PodTopologySpread>>,
    pub(crate) inter_pod: Option<Arc<InterPodAffinity>>,
}

impl std::fmt::Debug for Profile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Profile({}: {})",
            self.scheduler_name.as_str(),
            self.describe()
        )
    }
}

impl Default for Profile {
    /// The default profile: filters NodeUnschedulable, NodeName, TaintToleration,
    /// NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread, InterPodAffinity; scores
    /// TaintToleration ×3, NodeAffinity ×2, NodeResourcesFit ×1 (LeastAllocated),
    /// PodTopologySpread ×2, InterPodAffinity ×2, NodeResourcesBalancedAllocation ×1.
    fn default() -> Self {
        Profile::with_fit(NodeResourcesFit::default())
    }
}

impl Profile {
    /// The default profile with a NodeResourcesFit configured as given (scoring strategy).
    pub fn with_fit(fit: NodeResourcesFit) -> Profile {
        let fit = Arc::new(fit);
        let balanced = Arc::new(BalancedAllocation::default());
        let spread = Arc::new(PodTopologySpread::default());
        let inter_pod = Arc::new(InterPodAffinity::default());
        Profile {
            scheduler_name: Symbol::intern("default-scheduler"),
            filters: vec![
                Arc::new(NodeUnschedulable),
                Arc::new(NodeName),
                Arc::new(TaintToleration),
                Arc::new(NodeAffinity),
                Arc::new(NodePorts),
                fit.clone(),
                spread.clone(),
                inter_pod.clone(),
            ],
            scores: vec![
                (Arc::new(TaintToleration), 3),
                (Arc::new(NodeAffinity), 2),
                (fit.clone(), 1),
                (spread.clone(), 2),
                (inter_pod.clone(), 2),
                (balanced.clone(), 1),
            ],
            fit: Some(fit),
            balanced: Some(balanced),
            spread: Some(spread),
            inter_pod: Some(inter_pod),
        }
    }

    /// The default profile scoring with `strategy` (MostAllocated for bin packing).
    pub fn with_strategy(strategy: Strategy) -> Profile {
        Profile::with_fit(NodeResourcesFit::with_strategy(
            strategy,
            super::plugins::node_resources::default_resources(),
        ))
    }

    /// A profile with no plugins at all.
    pub fn empty(scheduler_name: &str) -> Profile {
        Profile {
            scheduler_name: Symbol::intern(scheduler_name),
            filters: Vec::new(),
            scores: Vec::new(),
            fit: None,
            balanced: None,
            spread: None,
            inter_pod: None,
        }
    }

    /// Appends a filter (after the existing ones).
    pub fn add_filter(mut self, filter: Arc<dyn Filter>) -> Profile {
        self.filters.push(filter);
        self
    }

    /// Appends a score plugin with `weight`.
    pub fn add_score(mut self, score: Arc<dyn Score>, weight: i64) -> Profile {
        self.scores.push((score, weight));
        self
    }

    /// Removes every filter and score plugin named `name`.
    pub fn without(mut self, name: &str) -> Profile {
        self.filters.retain(|f| f.name() != name);
        self.scores.retain(|(s, _)| s.name() != name);
        match name {
            "NodeResourcesFit" => self.fit = None,
            "NodeResourcesBalancedAllocation" => self.balanced = None,
            "PodTopologySpread" => self.spread = None,
            "InterPodAffinity" => self.inter_pod = None,
            _ => {}
        }
        self
    }

    /// Sets the weight of the score plugin named `name`.
    pub fn weight(mut self, name: &str, weight: i64) -> Profile {
        for (s, w) in &mut self.scores {
            if s.name() == name {
                *w = weight;
            }
        }
        self
    }

    /// Renames the profile (pods choose it with `schedulerName`).
    pub fn named(mut self, scheduler_name: &str) -> Profile {
        self.scheduler_name = Symbol::intern(scheduler_name);
        self
    }

    /// The filters, in order.
    pub fn filters(&self) -> &[Arc<dyn Filter>] {
        &self.filters
    }

    /// The score plugins with their weights.
    pub fn scores(&self) -> &[(Arc<dyn Score>, i64)] {
        &self.scores
    }

    /// The plugin names, filters then scores (for reports).
    pub fn describe(&self) -> String {
        let f: Vec<&str> = self.filters.iter().map(|f| f.name()).collect();
        let s: Vec<String> = self
            .scores
            .iter()
            .map(|(s, w)| format!("{}x{w}", s.name()))
            .collect();
        format!("filters [{}] scores [{}]", f.join(", "), s.join(", "))
    }

    /// Whether every plugin is a built-in the incremental fast path knows (custom plugins make
    /// every pod take the general path).
    pub(crate) fn all_builtin(&self) -> bool {
        self.filters.iter().all(|f| f.builtin().is_some())
            && self.scores.iter().all(|(s, _)| s.builtin().is_some())
    }

    pub(crate) fn has_filter(&self, b: Builtin) -> bool {
        self.filters.iter().any(|f| f.builtin() == Some(b))
    }

    pub(crate) fn score_weight(&self, b: Builtin) -> Option<i64> {
        self.scores
            .iter()
            .filter(|(s, _)| s.builtin() == Some(b))
            .map(|(_, w)| *w)
            .reduce(|a, b| a + b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_profile_has_kubernetes_order_and_weights() {
        let p = Profile::default();
        let filters: Vec<&str> = p.filters().iter().map(|f| f.name()).collect();
        assert_eq!(
            filters,
            [
                "NodeUnschedulable",
                "NodeName",
                "TaintToleration",
                "NodeAffinity",
                "NodePorts",
                "NodeResourcesFit",
                "PodTopologySpread",
                "InterPodAffinity"
            ]
        );
        assert_eq!(p.score_weight(Builtin::TaintToleration), Some(3));
        assert_eq!(p.score_weight(Builtin::NodeAffinity), Some(2));
        assert_eq!(p.score_weight(Builtin::NodeResourcesFit), Some(1));
        assert_eq!(p.score_weight(Builtin::PodTopologySpread), Some(2));
        assert_eq!(p.score_weight(Builtin::InterPodAffinity), Some(2));
        assert_eq!(p.score_weight(Builtin::BalancedAllocation), Some(1));
        assert!(p.all_builtin());
        let q = p.without("InterPodAffinity").weight("TaintToleration", 1);
        assert_eq!(q.score_weight(Builtin::InterPodAffinity), None);
        assert_eq!(q.score_weight(Builtin::TaintToleration), Some(1));
        assert!(q.describe().contains("TaintTolerationx1"));
    }
}
