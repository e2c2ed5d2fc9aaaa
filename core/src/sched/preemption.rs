//! Default preemption (`pkg/scheduler/framework/preemption/preemption.go`,
//! `plugins/defaultpreemption/default_preemption.go`): when a pod fits nowhere, find nodes
//! where evicting lower-priority pods would make it fit (a dry run from a random offset over
//! the nodes whose rejection was resolvable, stopping once enough candidates are found),
//! keep as few and as unimportant victims as possible (reprieving PDB-protected pods first),
//! and pick the node with the fewest PDB violations, then the lowest highest victim priority,
//! the lowest priority sum, the fewest victims, the latest start.

use std::sync::Arc;

use super::cache::Overlay;
use super::cycle::{Env, run_filters_nominated};
use super::framework::{Code, CycleState, Slot, Status};
use super::pod_info::PodInfo;
use super::verdict::{Diagnosis, fit_error_message};
use crate::api::PodDisruptionBudget;
use crate::intern::Symbol;
use crate::labels::Selector;
use crate::rng::Rng;

/// `MinCandidateNodesPercentage` default.
pub const MIN_CANDIDATE_NODES_PERCENTAGE: usize = 10;
/// `MinCandidateNodesAbsolute` default.
pub const MIN_CANDIDATE_NODES_ABSOLUTE: usize = 100;
/// The status of a node with no lower-priority pod.
pub const NO_VICTIMS: &str = "No preemption victims found for incoming pod";
/// The status of nodes preemption cannot help.
pub const NOT_HELPFUL: &str = "Preemption is not helpful for scheduling";

/// A PodDisruptionBudget as preemption reads it.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Namespace.
    pub namespace: Symbol,
    /// Which pods (empty or absent selectors match nothing here, as upstream).
    pub selector: Selector,
    /// `status.disruptionsAllowed`.
    pub allowed: i64,
}

impl Budget {
    /// From a stored PDB.
    pub fn of(pdb: &PodDisruptionBudget) -> Budget {
        Budget {
            namespace: pdb.metadata.namespace,
            selector: pdb.spec.selector.selector().clone(),
            allowed: i64::from(pdb.status.disruptions_allowed),
        }
    }
}

/// A node where preemption makes room, with its victims (most important first).
#[derive(Clone, Debug)]
pub struct Candidate {
    /// Node slot.
    pub node: u32,
    /// The pods to evict.
    pub victims: Vec<Arc<PodInfo>>,
    /// How many of them break a PDB.
    pub pdb_violations: usize,
}

/// What preemption decided.
pub enum PostFilter {
    /// Evict these victims and nominate the node.
    Preempt(Candidate),
    /// Nothing to do; the message (`preemption: …`).
    Unresolved(String),
}

fn start_key(p: &PodInfo) -> i64 {
    // A pod that has not started counts as starting now, i.e. after every started pod.
    p.start_time.map_or(i64::MAX, |t| t.millis())
}

/// `util.MoreImportantPod` as a sort order (higher priority, then earlier start, first).
fn importance(a: &PodInfo, b: &PodInfo) -> std::cmp::Ordering {
    b.priority
        .cmp(&a.priority)
        .then_with(|| start_key(a).cmp(&start_key(b)))
        .then_with(|| a.key.cmp(&b.key))
}

/// Splits pods (keeping order) into those whose eviction breaks a PDB and the others
/// (`filterPodsWithPDBViolation`).
fn split_by_pdb(pods: Vec<Arc<PodInfo>>, budgets: &[Budget]) -> (Vec<Arc<PodInfo>>, Vec<Arc<PodInfo>>) {
    let mut allowed: Vec<i64> = budgets.iter().map(|b| b.allowed).collect();
    let (mut violating, mut ok) = (Vec::new(), Vec::new());
    for p in pods {
        let mut violated = false;
        if !p.labels.is_empty() {
            for (i, b) in budgets.iter().enumerate() {
                if b.namespace != p.namespace || b.selector.is_everything() || !b.selector.matches(&p.labels)
                {
                    continue;
                }
                allowed[i] -= 1;
                if allowed[i] < 0 {
                    violated = true;
                }
            }
        }
        if violated {
            violating.push(p);
        } else {
            ok.push(p);
        }
    }
    (violating, ok)
}

fn update_all(env: &Env<'_>, pod: &PodInfo, state: &mut CycleState, other: &PodInfo, slot: u32, add: bool) {
    let node = env.cx.node(slot);
    for (i, f) in env.profile.filters().iter().enumerate() {
        if !state.skip_filter[i] {
            f.update_for_pod(&env.cx, pod, Slot::filter(i), state, other, &node, add);
        }
    }
}

/// `SelectVictimsOnNode`: the fewest, least important victims on `slot`.
pub fn select_victims(
    env: &Env<'_>,
    pod: &PodInfo,
    state: &CycleState,
    slot: u32,
    budgets: &[Budget],
) -> Result<(Vec<Arc<PodInfo>>, usize), Status> {
    let node = env.cx.node(slot);
    let mut potential: Vec<Arc<PodInfo>> = node
        .rec()
        .pods
        .iter()
        .filter_map(|p| env.cx.cache.pod(*p))
        .filter(|r| r.info.priority < pod.priority)
        .map(|r| r.info.clone())
        .collect();
    if potential.is_empty() {
        return Err(Status::unresolvable(NO_VICTIMS));
    }
    let mut state = state.clone();
    let mut overlay = Overlay::default();
    for v in &potential {
        overlay.apply(v, -1);
        overlay.removed.push(v.key.index());
        update_all(env, pod, &mut state, v, slot, false);
    }
    let (s, _) = run_filters_nominated(env, pod, &state, &node.with_overlay(&overlay));
    if !s.is_success() {
        return Err(s);
    }
    potential.sort_by(|a, b| importance(a, b));
    let (violating, ok) = split_by_pdb(potential, budgets);
    let mut victims = Vec::new();
    let mut violations = 0;
    let had_both = !violating.is_empty() && !ok.is_empty();
    for (group, pods) in [(true, violating), (false, ok)] {
        for p in pods {
            overlay.apply(&p, 1);
            overlay.removed.retain(|x| *x != p.key.index());
            update_all(env, pod, &mut state, &p, slot, true);
            let fits = run_filters_nominated(env, pod, &state, &node.with_overlay(&overlay))
                .0
                .is_success();
            if !fits {
                overlay.apply(&p, -1);
                overlay.removed.push(p.key.index());
                update_all(env, pod, &mut state, &p, slot, false);
                if group {
                    violations += 1;
                }
                victims.push(p);
            }
        }
    }
    if had_both {
        victims.sort_by(|a, b| importance(a, b));
    }
    Ok((victims, violations))
}

/// `pickOneNodeForPreemption` (ties: the first candidate found).
pub fn pick_candidate(candidates: &[Candidate]) -> Option<&Candidate> {
    let mut best: Vec<&Candidate> = candidates.iter().collect();
    let keys: [&dyn Fn(&Candidate) -> i64; 5] = [
        &|c| -(c.pdb_violations as i64),
        &|c| -i64::from(c.victims.first().map_or(0, |v| v.priority)),
        &|c| {
            -c.victims
                .iter()
                .map(|v| i64::from(v.priority) + i64::from(i32::MAX) + 1)
                .sum::<i64>()
        },
        &|c| -(c.victims.len() as i64),
        &|c| {
            // The earliest start among the highest-priority victims; later is better.
            let top = c.victims.iter().map(|v| v.priority).max().unwrap_or(0);
            c.victims
                .iter()
                .filter(|v| v.priority == top)
                .map(|v| start_key(v))
                .min()
                .unwrap_or(i64::MIN)
        },
    ];
    for key in keys {
        let max = best.iter().map(|c| key(c)).max()?;
        best.retain(|c| key(c) == max);
        if best.len() == 1 {
            break;
        }
    }
    best.first().copied()
}

/// Runs default preemption for `pod`, which `diag` says fits nowhere.
pub fn preempt(
    env: &Env<'_>,
    pod: &PodInfo,
    diag: &Diagnosis,
    budgets: &[Budget],
    rng: &mut Rng,
) -> PostFilter {
    let cache = env.cx.cache;
    if pod.template.preempt_never {
        return PostFilter::Unresolved("preemption: not eligible due to preemptionPolicy=Never.".into());
    }
    if let Some(nn) = pod.nominated_node
        && let Some(slot) = cache.slot_of(nn)
        && diag
            .status_of(slot)
            .is_none_or(|s| s.code != Code::UnschedulableAndUnresolvable)
        && env
            .cx
            .node(slot)
            .pods()
            .any(|p| p.priority < pod.priority && p.deleting)
    {
        return PostFilter::Unresolved(
            "preemption: not eligible due to a terminating pod on the nominated node.".into(),
        );
    }
    let mut code_by_slot: Vec<Option<Code>> =
        vec![diag.absent.as_ref().map(|a| a.code); cache.slot_capacity()];
    for (slot, st) in &diag.node_status {
        code_by_slot[*slot as usize] = Some(st.code);
    }
    let potential: Vec<u32> = cache
        .order()
        .iter()
        .copied()
        .filter(|s| code_by_slot[*s as usize] == Some(Code::Unschedulable))
        .collect();
    let no_candidates = |statuses: Vec<(u32, Status)>| {
        let d = Diagnosis {
            num_all_nodes: cache.node_count(),
            node_status: statuses,
            absent: Some(Status::unresolvable(NOT_HELPFUL)),
            prefilter_msg: None,
            plugins: Vec::new(),
            state: None,
        };
        PostFilter::Unresolved(format!("preemption: {}", fit_error_message(&d, None)))
    };
    let Some(state) = diag.state.as_ref().filter(|_| !potential.is_empty()) else {
        return no_candidates(Vec::new());
    };
    let n = potential.len();
    let offset = rng.index(n);
    let wanted = (n * MIN_CANDIDATE_NODES_PERCENTAGE / 100)
        .max(MIN_CANDIDATE_NODES_ABSOLUTE)
        .min(n);
    let (mut good, mut violating) = (Vec::new(), Vec::new());
    let mut statuses = Vec::new();
    for i in 0..n {
        let slot = potential[(offset + i) % n];
        match select_victims(env, pod, state, slot, budgets) {
            Ok((victims, violations)) if !victims.is_empty() => {
                let c = Candidate {
                    node: slot,
                    victims,
                    pdb_violations: violations,
                };
                if violations == 0 {
                    good.push(c);
                } else {
                    violating.push(c);
                }
                if !good.is_empty() && good.len() + violating.len() >= wanted {
                    break;
                }
            }
            Ok(_) => statuses.push((slot, Status::new(Code::Error, "expected at least one victim pod"))),
            Err(s) => statuses.push((slot, s)),
        }
    }
    good.truncate(wanted);
    violating.truncate(wanted);
    good.extend(violating);
    if good.is_empty() {
        return no_candidates(statuses);
    }
    match pick_candidate(&good) {
        Some(c) => PostFilter::Preempt(c.clone()),
        None => PostFilter::Unresolved("preemption: no candidate node for preemption".into()),
    }
}
