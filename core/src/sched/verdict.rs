//! Why a pod fits nowhere, in Kubernetes' words (`framework.FitError.Error()`):
//! `0/5000 nodes are available: 2000 node(s) didn't match Pod's node affinity/selector, 3000
//! Insufficient cpu. preemption: 0/5000 nodes are available: ...` — each reason counted over the
//! nodes, the "count reason" strings sorted as strings (Go's `sort.Strings`), then the
//! pre-filter message (instead of the per-node reasons when a pre-filter rejected the pod) and
//! the preemption message.

use super::framework::{CycleState, Status};

/// The message when the cluster has no node (`ErrNoNodesAvailable`).
pub const NO_NODES: &str = "no nodes available to schedule pods";

/// What the filters said about every node for one pod (`framework.Diagnosis`).
pub struct Diagnosis {
    /// Nodes in the cluster.
    pub num_all_nodes: usize,
    /// The failing nodes' statuses (node slot, status).
    pub node_status: Vec<(u32, Status)>,
    /// The status of every node not listed (pre-filter narrowing or rejection).
    pub absent: Option<Status>,
    /// A pre-filter's rejection message.
    pub prefilter_msg: Option<String>,
    /// The plugins that rejected the pod on some node (sorted, deduplicated).
    pub plugins: Vec<&'static str>,
    /// The cycle state after the pre-filters (preemption evaluates filters with it).
    pub state: Option<CycleState>,
}

impl Diagnosis {
    /// A diagnosis where every node has `status` (a pre-filter rejected the pod).
    pub fn all(
        num_all_nodes: usize,
        status: Status,
        plugin: &'static str,
        state: Option<CycleState>,
    ) -> Diagnosis {
        Diagnosis {
            num_all_nodes,
            node_status: Vec::new(),
            prefilter_msg: Some(status.message()),
            absent: Some(status),
            plugins: vec![plugin],
            state,
        }
    }

    /// The status of node `slot` (the absent status when it is not listed).
    pub fn status_of(&self, slot: u32) -> Option<&Status> {
        self.node_status
            .iter()
            .find(|(s, _)| *s == slot)
            .map(|(_, st)| st)
            .or(self.absent.as_ref())
    }
}

/// "count reason" strings sorted as Go sorts them, joined by `, `.
pub fn reason_histogram(counts: &[(&str, usize)]) -> String {
    let mut merged: Vec<(&str, usize)> = Vec::new();
    for &(r, c) in counts {
        match merged.iter_mut().find(|(x, _)| *x == r) {
            Some(e) => e.1 += c,
            None => merged.push((r, c)),
        }
    }
    let mut strings: Vec<String> = merged
        .into_iter()
        .filter(|(_, c)| *c > 0)
        .map(|(r, c)| format!("{c} {r}"))
        .collect();
    strings.sort_unstable();
    strings.join(", ")
}

/// The FitError message of `d`, followed by the post-filter (preemption) message if any.
pub fn fit_error_message(d: &Diagnosis, post_filter_msg: Option<&str>) -> String {
    if d.num_all_nodes == 0 {
        return NO_NODES.to_owned();
    }
    let mut msg = format!("0/{} nodes are available:", d.num_all_nodes);
    match &d.prefilter_msg {
        Some(p) if !p.is_empty() => {
            msg.push(' ');
            msg.push_str(p);
            msg.push('.');
        }
        _ => {
            let mut counts: Vec<(&str, usize)> = Vec::new();
            for (_, s) in &d.node_status {
                for r in &s.reasons {
                    counts.push((r, 1));
                }
            }
            if d.node_status.len() < d.num_all_nodes
                && let Some(a) = &d.absent
            {
                for r in &a.reasons {
                    counts.push((r, d.num_all_nodes - d.node_status.len()));
                }
            }
            let h = reason_histogram(&counts);
            if !h.is_empty() {
                msg.push(' ');
                msg.push_str(&h);
                msg.push('.');
            }
        }
    }
    if let Some(p) = post_filter_msg
        && !p.is_empty()
    {
        msg.push(' ');
        msg.push_str(p);
    }
    msg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sched::framework::Code;

    #[test]
    fn histogram_sorts_as_strings() {
        let h = reason_histogram(&[
            ("Insufficient cpu", 3000),
            ("node(s) didn't match Pod's node affinity/selector", 2000),
        ]);
        assert_eq!(
            h,
            "2000 node(s) didn't match Pod's node affinity/selector, 3000 Insufficient cpu"
        );
        // Strings, not numbers: "10 …" sorts before "9 …".
        assert_eq!(reason_histogram(&[("b", 9), ("a", 10)]), "10 a, 9 b");
    }

    #[test]
    fn message_with_absent_nodes_and_preemption() {
        let d = Diagnosis {
            num_all_nodes: 3,
            node_status: vec![(0, Status::new(Code::Unschedulable, "Insufficient cpu"))],
            absent: Some(Status::new(
                Code::UnschedulableAndUnresolvable,
                "node(s) didn't satisfy plugin(s) [NodeAffinity]",
            )),
            prefilter_msg: None,
            plugins: vec!["NodeResourcesFit"],
            state: None,
        };
        assert_eq!(
            fit_error_message(&d, Some("preemption: x")),
            "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. preemption: x"
        );
    }
}
