//! The scheduler: kube-scheduler's default plugins and queue over kubesim's store, with an
//! incremental fast path that makes the same choices in O(log N) per pod.
//!
//! - [`queue`]: active / back-off / unschedulable queues;
//! - [`framework`]: the [`Filter`] and [`Score`] traits and their pre-steps; [`Profile`];
//! - [`plugins`]: the built-in filters and scores;
//! - [`cache`]: nodes as columns, bound pods, kube-scheduler's node order;
//! - [`cycle`]: one scheduling cycle through the plugins; [`fast`]: the same decision from
//!   per-class selection trees ([`segtree`]) and static masks ([`mask`], via the node label
//!   index);
//! - [`preemption`], [`verdict`] (the unschedulable message), [`quality`].
//!
//! Every random choice comes from the seeded [`Rng`]; the thread count never changes a result.

pub mod bitset;
pub mod cache;
pub mod counters;
pub mod cycle;
pub mod fast;
pub mod fast_spread;
pub mod framework;
mod handle;
pub mod mask;
pub mod plugins;
pub mod pod_info;
pub mod preemption;
pub mod profile;
pub mod quality;
pub mod queue;
pub mod segtree;
pub mod stats;
mod sync;
pub mod verdict;
pub mod view;

#[cfg(test)]
mod tests;

use std::sync::Arc;

pub use cache::{ClusterCache, ClusterView, NodeInfo, Res};
pub use framework::{Builtin, Code, CycleState, Filter, MAX_NODE_SCORE, PluginState, Score, Slot, Status};
pub use pod_info::{PodInfo, Template};
pub use profile::Profile;
pub use quality::{PlacementQuality, placement_quality};
pub use stats::{CycleStats, LatencyHistogram, SchedulerStats};

use crate::api::{Pod, Time};
use crate::events::EventLog;
use crate::rng::Rng;
use crate::store::{Cursor, Key, Store};
use cycle::{Env, Nominator, Outcome};
use fast::{FastPath, FastScoring};
use fast_spread::{SpreadInput, SpreadTerm};
use mask::StaticMasks;
use pod_info::Templates;
use queue::SchedulingQueue;

/// The scheduler's configuration. `Default` is kube-scheduler's default profile, adaptive
/// `percentageOfNodesToScore`, one thread, preemption on, fast path and node index on.
#[derive(Clone, Debug)]
pub struct SchedulerConfig {
    /// Plugins and weights.
    pub profile: Profile,
    /// `percentageOfNodesToScore`: `None` (or 0) is the adaptive default, `Some(100)` scores
    /// every feasible node.
    pub percentage_of_nodes_to_score: Option<u32>,
    /// Threads for filtering and scoring node chunks (results never depend on it).
    pub parallelism: usize,
    /// Whether DefaultPreemption runs for pods that fit nowhere.
    pub preemption: bool,
    /// Whether eligible pods are decided by the incremental fast path (same choices).
    pub fast_path: bool,
    /// Whether static filters are answered through the node label index (cached masks); off
    /// means every filter runs on every node.
    pub node_index: bool,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        SchedulerConfig {
            profile: Profile::default(),
            percentage_of_nodes_to_score: None,
            parallelism: 1,
            preemption: true,
            fast_path: true,
            node_index: true,
        }
    }
}

impl SchedulerConfig {
    /// The default configuration scoring every feasible node.
    pub fn exhaustive() -> SchedulerConfig {
        SchedulerConfig {
            percentage_of_nodes_to_score: Some(100),
            ..SchedulerConfig::default()
        }
    }
}

/// (namespace, labels address, controller owner) of a pod, for the default-spreading cache.
type SpreadKey = (
    crate::intern::Symbol,
    usize,
    Option<(crate::intern::Symbol, crate::intern::Symbol)>,
);

/// The scheduler.
pub struct Scheduler {
    config: SchedulerConfig,
    rng: Rng,
    cursor: Option<Cursor>,
    cache: ClusterCache,
    queue: SchedulingQueue,
    templates: Templates,
    masks: StaticMasks,
    fast: FastPath,
    scoring: Option<FastScoring>,
    nominator: Nominator,
    pool: Option<rayon::ThreadPool>,
    next_start: usize,
    stats: SchedulerStats,
    now: Time,
    /// Bumped when Services, ReplicaSets or StatefulSets change (default spreading selectors).
    selector_epoch: u64,
    /// What PodTopologySpread does with each (namespace, labels, owner), until `selector_epoch`
    /// moves.
    spread_plans: crate::collections::FxMap<SpreadKey, (u64, crate::labels::Labels, sync::SpreadPlan)>,
    unschedulable_reason: crate::intern::Symbol,
    flags: sync::ProfileFlags,
    /// Per-cycle scratch (feasible nodes, score vectors), reset before each general cycle.
    scratch: bumpalo::Bump,
}

impl Scheduler {
    /// A scheduler with `config`, drawing its random choices from `seed`.
    pub fn new(config: SchedulerConfig, seed: u64) -> Scheduler {
        let pool = (config.parallelism > 1).then(|| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(config.parallelism)
                .build()
                .expect("thread pool")
        });
        let scoring = FastScoring::of(&config.profile);
        let flags = Scheduler::profile_flags(&config.profile);
        Scheduler {
            rng: Rng::derive(seed, 0x5c4ed),
            config,
            cursor: None,
            cache: ClusterCache::default(),
            queue: SchedulingQueue::default(),
            templates: Templates::default(),
            masks: StaticMasks::default(),
            fast: FastPath::default(),
            scoring,
            nominator: Nominator::default(),
            pool,
            next_start: 0,
            stats: SchedulerStats::default(),
            now: Time::ZERO,
            selector_epoch: 0,
            spread_plans: Default::default(),
            unschedulable_reason: crate::intern::Symbol::intern("Unschedulable"),
            flags,
            scratch: bumpalo::Bump::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &SchedulerConfig {
        &self.config
    }

    /// Starts watching the store and builds the cache from its current state (call once).
    pub fn attach(&mut self, store: &mut Store) {
        self.cursor = Some(store.watch());
        let now = store.now();
        self.now = now;
        let nodes: Vec<_> = store.iter::<crate::api::Node>().map(|(k, _)| k).collect();
        for k in nodes {
            if let Some(n) = store.get(k) {
                self.cache.upsert_node(k, n);
            }
        }
        self.cache.refresh();
        let pods: Vec<Key<Pod>> = store.iter::<Pod>().map(|(k, _)| k).collect();
        for k in pods {
            self.pod_changed(store, k, now);
        }
    }

    /// Reads the store's change feed: updates the cache, enqueues new pending pods, drops
    /// deleted ones, and moves unschedulable pods back on cluster events that may help them.
    pub fn sync(&mut self, store: &mut Store, now: Time) {
        self.now = self.now.max(now);
        self.sync_feed(store, now);
    }

    /// Runs a scheduling cycle for every pod whose turn has come at `now`.
    pub fn schedule_pending(&mut self, store: &mut Store, now: Time, events: &mut EventLog) -> CycleStats {
        self.now = self.now.max(now);
        self.sync_feed(store, now);
        self.queue.flush(now);
        let mut out = CycleStats::default();
        while let Some(slot) = self.queue.pop() {
            let Some(q) = self.queue.get(slot) else { continue };
            let info = q.info.clone();
            match store.get(info.key) {
                Some(p) if p.node_name.is_none() && p.metadata.deletion_timestamp.is_none() => {}
                _ => {
                    self.queue.done(slot);
                    continue;
                }
            }
            out.attempts += 1;
            self.stats.attempts += 1;
            let outcome = self.decide(store, &info);
            match outcome {
                Outcome::Chosen { slot: node, .. } => {
                    if self.bind(store, &info, node, now, events) {
                        out.scheduled += 1;
                    }
                }
                Outcome::Failed(diag) => {
                    out.unschedulable += 1;
                    self.stats.unschedulable += 1;
                    if self.fail(store, &info, *diag, now, events) {
                        out.preemptions += 1;
                    }
                    self.sync_feed(store, now);
                }
            }
        }
        if self.stats.attempts.is_multiple_of(4096) {
            self.templates.gc();
            self.masks.gc();
        }
        out
    }

    /// Decides where `info` goes (fast path when eligible, else the plugins).
    fn decide(&mut self, store: &Store, info: &Arc<PodInfo>) -> Outcome {
        for s in std::mem::take(&mut self.cache.dirty) {
            if let Some(sc) = &self.scoring {
                self.fast.node_changed(sc, &self.cache, s);
            }
        }
        let mask = if self.config.node_index {
            let cx = ClusterView {
                cache: &self.cache,
                store,
            };
            Some(self.masks.get(&cx, &self.config.profile, &info.template))
        } else {
            None
        };
        if let Some(m) = &mask
            && let Some(plan) = self.fast_eligible(store, info)
            && let Some(sc) = &self.scoring
        {
            let spread = plan.spread.map(|(constraints, weight)| {
                let cx = ClusterView {
                    cache: &self.cache,
                    store,
                };
                SpreadInput {
                    terms: constraints
                        .iter()
                        .map(|c| SpreadTerm {
                            key: c.key,
                            max_skew: c.max_skew,
                            counts: plugins::topology_spread::counter(&cx, info, c),
                        })
                        .collect(),
                    weight,
                }
            });
            let choice = self.fast.choose(
                sc,
                &self.cache,
                &info.template,
                m.clone(),
                plan.anti,
                spread.as_ref(),
                self.config.percentage_of_nodes_to_score,
                &mut self.next_start,
                &mut self.rng,
            );
            if let Some(c) = choice {
                self.stats.fast_path += 1;
                self.stats.fast_path_spread += u64::from(spread.is_some());
                return Outcome::Chosen {
                    slot: c.slot,
                    feasible: c.feasible,
                };
            }
        }
        let env = Env::new(
            ClusterView {
                cache: &self.cache,
                store,
            },
            &self.config.profile,
            self.pool.as_ref(),
            &self.nominator,
            self.config.percentage_of_nodes_to_score,
        );
        self.scratch.reset();
        cycle::schedule(
            &env,
            info,
            mask.as_deref(),
            &mut self.next_start,
            &mut self.rng,
            &self.scratch,
        )
    }

    /// Earliest time something becomes schedulable again (back-off expiry), for the
    /// simulation's event queue.
    pub fn next_wakeup(&self) -> Option<Time> {
        self.queue.next_wakeup(self.now, true)
    }

    /// Like [`Scheduler::next_wakeup`], but without the periodic 5-minute
    /// retry of unschedulable pods (`flushUnschedulablePodsLeftover`). In the
    /// simulation every event that could make a pod fit moves it back at once,
    /// so that retry cannot change an outcome; a cluster whose only work left
    /// is that retry has converged.
    pub fn next_busy_wakeup(&self) -> Option<Time> {
        self.queue.next_wakeup(self.now, false)
    }

    /// Counters and latencies.
    pub fn stats(&self) -> &SchedulerStats {
        &self.stats
    }

    /// Pods waiting in the queues.
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The cache (read-only), for tests and reports.
    pub fn cache(&self) -> &ClusterCache {
        &self.cache
    }
}
