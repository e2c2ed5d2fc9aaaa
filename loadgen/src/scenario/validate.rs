//! Checks a scenario beyond its syntax: names, labels, selectors,
//! distributions, step arguments and scheduler settings. Each problem names the field path it is about, so the
//! loader can print its line and column.

use std::collections::BTreeMap;

use kubesim::field::FieldPath;
use kubesim::labels::{Labels, Selector};
use kubesim::validation;

use super::format::{
    DaemonSetGen, DeploymentGen, JobGen, NodePool, PodGen, ScenarioFile, StatefulSetGen, TemplateGen,
    Workload,
};
use super::steps::{NodeTarget, Op};

/// One problem: the field path and what is wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The field path, such as `nodes[2].shape.cpu`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn fail(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn labels(&mut self, path: &str, labels: &BTreeMap<String, String>) {
        let set: Labels = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        for e in set.validate(&FieldPath::new(path)) {
            let field = e.field.as_str().to_owned();
            let text = e.to_string();
            let message = text
                .strip_prefix(&format!("{field}: "))
                .unwrap_or(&text)
                .to_owned();
            self.fail(field, message);
        }
    }

    fn selector(&mut self, path: &str, selector: Option<&str>) {
        if let Some(s) = selector
            && let Err(e) = Selector::parse(s)
        {
            self.fail(path, format!("invalid selector {s:?}: {e}"));
        }
    }

    fn dns_label(&mut self, path: &str, value: &str, what: &str) {
        if let Some(e) = validation::dns1123_label(value).first() {
            self.fail(path, format!("invalid {what} {value:?}: {e}"));
        }
    }

    fn namespace(&mut self, path: &str, ns: Option<&str>) {
        if let Some(ns) = ns {
            self.dns_label(path, ns, "namespace");
        }
    }

    fn pool(&mut self, path: &str, pool: &NodePool, names: &mut BTreeMap<String, String>) {
        let name = pool.name.as_deref().unwrap_or("node");
        self.dns_label(&format!("{path}.name"), name, "pool name");
        if let Some(first) = names.insert(name.to_owned(), path.to_owned()) {
            self.fail(
                format!("{path}.name"),
                format!("pool name {name:?} is already used by {first} (node names would collide)"),
            );
        }
        let shape = &pool.shape;
        if shape.cpu.units("cpu") <= 0 {
            self.fail(format!("{path}.shape.cpu"), "must be greater than 0");
        }
        if shape.memory.units("memory") <= 0 {
            self.fail(format!("{path}.shape.memory"), "must be greater than 0");
        }
        if shape.pods == Some(0) {
            self.fail(format!("{path}.shape.pods"), "must be at least 1");
        }
        for (k, q) in &shape.extended {
            if let Some(e) = validation::qualified_name(k).first() {
                self.fail(
                    format!("{path}.shape.extended[{k}]"),
                    format!("invalid resource name: {e}"),
                );
            }
            if q.units(k) < 0 {
                self.fail(format!("{path}.shape.extended[{k}]"), "must not be negative");
            }
        }
        self.labels(&format!("{path}.labels"), &pool.labels);
        for (i, z) in pool.zones.iter().enumerate() {
            if let Some(e) = validation::label_value(z).first() {
                self.fail(format!("{path}.zones[{i}]"), format!("invalid zone {z:?}: {e}"));
            }
        }
        for (i, t) in pool.taints.iter().enumerate() {
            if let Some(e) = validation::qualified_name(&t.key).first() {
                self.fail(
                    format!("{path}.taints[{i}]"),
                    format!("invalid taint key {:?}: {e}", t.key),
                );
            }
        }
    }

    fn template(&mut self, path: &str, t: &TemplateGen) {
        for (name, d) in [("cpu", &t.cpu), ("memory", &t.memory)] {
            if let Some(d) = d
                && let Err(e) = d.validate(name)
            {
                self.fail(format!("{path}.{name}"), e);
            }
        }
        for (name, d) in &t.extended {
            if let Err(e) = d.validate(name) {
                self.fail(format!("{path}.extended[{name}]"), e);
            }
            if let Some(e) = validation::qualified_name(name).first() {
                self.fail(
                    format!("{path}.extended[{name}]"),
                    format!("invalid resource name: {e}"),
                );
            }
        }
        self.labels(&format!("{path}.labels"), &t.labels);
        self.labels(&format!("{path}.nodeSelector"), &t.node_selector);
    }

    fn prefix(&mut self, path: &str, prefix: Option<&str>, default: &str) {
        let p = prefix.unwrap_or(default);
        // The longest generated name must still be a valid name and label value.
        let longest = format!("{p}-99999999");
        if let Some(e) = validation::dns1123_label(&longest).first() {
            self.fail(
                format!("{path}.namePrefix"),
                format!("invalid name prefix {p:?}: {e}"),
            );
        }
    }

    /// A `maxSurge` / `maxUnavailable` style value: a count or a percentage.
    fn int_or_percent(&mut self, path: &str, field: &str, v: Option<&String>) {
        if let Some(v) = v {
            let ok = v.parse::<u32>().is_ok()
                || v.strip_suffix('%')
                    .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n <= 100));
            if !ok {
                self.fail(
                    format!("{path}.{field}"),
                    format!(
                        "invalid value {v:?}: expected a count such as \"1\" or a percentage such as \"25%\""
                    ),
                );
            }
        }
    }

    /// A field that must be one of `allowed`.
    fn one_of(&mut self, path: &str, v: Option<&String>, allowed: &[&str]) {
        if let Some(v) = v
            && !allowed.contains(&v.as_str())
        {
            let names: Vec<String> = allowed.iter().map(|a| format!("{a:?}")).collect();
            self.fail(
                path,
                format!("invalid value {v:?}: expected {}", names.join(" or ")),
            );
        }
    }

    fn not_negative(&mut self, path: &str, v: Option<i32>) {
        if v.is_some_and(|v| v < 0) {
            self.fail(path, "must not be negative");
        }
    }

    fn deployments(&mut self, path: &str, g: &DeploymentGen) {
        self.prefix(path, g.name_prefix.as_deref(), "app");
        self.namespace(&format!("{path}.namespace"), g.namespace.as_deref());
        if let Err(e) = g.replicas.validate("replicas") {
            self.fail(format!("{path}.replicas"), e);
        }
        self.int_or_percent(path, "maxSurge", g.max_surge.as_ref());
        self.int_or_percent(path, "maxUnavailable", g.max_unavailable.as_ref());
        self.not_negative(&format!("{path}.minReadySeconds"), g.min_ready_seconds);
        self.template(&format!("{path}.template"), &g.template);
    }

    fn pods(&mut self, path: &str, g: &PodGen) {
        self.prefix(path, g.name_prefix.as_deref(), "pod");
        self.namespace(&format!("{path}.namespace"), g.namespace.as_deref());
        self.template(&format!("{path}.template"), &g.template);
    }

    fn jobs(&mut self, path: &str, g: &JobGen) {
        self.prefix(path, g.name_prefix.as_deref(), "job");
        self.namespace(&format!("{path}.namespace"), g.namespace.as_deref());
        for (field, d) in [("parallelism", &g.parallelism), ("completions", &g.completions)] {
            if let Some(d) = d
                && let Err(e) = d.validate(field)
            {
                self.fail(format!("{path}.{field}"), e);
            }
        }
        self.not_negative(&format!("{path}.backoffLimit"), g.backoff_limit);
        self.not_negative(
            &format!("{path}.ttlSecondsAfterFinished"),
            g.ttl_seconds_after_finished,
        );
        self.one_of(
            &format!("{path}.completionMode"),
            g.completion_mode.as_ref(),
            &["NonIndexed", "Indexed"],
        );
        if g.completion_mode.as_deref() == Some("Indexed") && g.completions.is_none() {
            self.fail(
                format!("{path}.completions"),
                "Required value: when completion mode is Indexed",
            );
        }
        self.one_of(
            &format!("{path}.restartPolicy"),
            g.restart_policy.as_ref(),
            &["Never", "OnFailure"],
        );
        self.template(&format!("{path}.template"), &g.template);
    }

    fn daemon_sets(&mut self, path: &str, g: &DaemonSetGen) {
        self.prefix(path, g.name_prefix.as_deref(), "daemon");
        self.namespace(&format!("{path}.namespace"), g.namespace.as_deref());
        self.int_or_percent(path, "maxUnavailable", g.max_unavailable.as_ref());
        if g.max_unavailable
            .as_deref()
            .is_some_and(|v| v == "0" || v == "0%")
        {
            self.fail(format!("{path}.maxUnavailable"), "must not be 0");
        }
        self.not_negative(&format!("{path}.minReadySeconds"), g.min_ready_seconds);
        self.template(&format!("{path}.template"), &g.template);
    }

    fn stateful_sets(&mut self, path: &str, g: &StatefulSetGen) {
        self.prefix(path, g.name_prefix.as_deref(), "db");
        self.namespace(&format!("{path}.namespace"), g.namespace.as_deref());
        if let Err(e) = g.replicas.validate("replicas") {
            self.fail(format!("{path}.replicas"), e);
        }
        self.one_of(
            &format!("{path}.podManagementPolicy"),
            g.pod_management_policy.as_ref(),
            &["OrderedReady", "Parallel"],
        );
        self.not_negative(&format!("{path}.minReadySeconds"), g.min_ready_seconds);
        self.template(&format!("{path}.template"), &g.template);
    }

    fn workload(&mut self, path: &str, w: &Workload) {
        match w {
            Workload::Manifests(paths) if paths.0.is_empty() => {
                self.fail(format!("{path}.manifests"), "expected at least one path")
            }
            Workload::Manifests(_) | Workload::Inline(_) => {}
            Workload::Deployments(g) => self.deployments(&format!("{path}.deployments"), g),
            Workload::Pods(g) => self.pods(&format!("{path}.pods"), g),
            Workload::Jobs(g) => self.jobs(&format!("{path}.jobs"), g),
            Workload::DaemonSets(g) => self.daemon_sets(&format!("{path}.daemonSets"), g),
            Workload::StatefulSets(g) => self.stateful_sets(&format!("{path}.statefulSets"), g),
        }
    }

    fn node_target(&mut self, path: &str, t: &NodeTarget) {
        if t.names.is_empty() && t.selector.is_none() && t.count.is_none() {
            self.fail(path, "expected names, selector or count");
        }
        if t.count == Some(0) {
            self.fail(format!("{path}.count"), "must be at least 1");
        }
        self.selector(&format!("{path}.selector"), t.selector.as_deref());
    }

    fn step(&mut self, path: &str, op: &Op, names: &mut BTreeMap<String, String>) {
        let here = format!("{path}.{}", op.name());
        match op {
            Op::CreateNodes(pool) => self.pool(&here, pool, names),
            Op::CreatePods(g) => self.pods(&here, g),
            Op::CreateDeployments(g) => self.deployments(&here, g),
            Op::Apply(w) => self.workload(&here, w),
            Op::Scale(s) => {
                if s.selector.is_none() && s.name.is_none() {
                    self.fail(&here, "expected selector or name");
                }
                match (s.replicas, s.factor) {
                    (Some(_), Some(_)) | (None, None) => {
                        self.fail(&here, "expected one of replicas or factor")
                    }
                    (Some(r), None) if r < 0 => self.fail(format!("{here}.replicas"), "must not be negative"),
                    (None, Some(f)) if !f.is_finite() || f < 0.0 => {
                        self.fail(format!("{here}.factor"), "must be a number >= 0")
                    }
                    _ => {}
                }
                self.selector(&format!("{here}.selector"), s.selector.as_deref());
                self.namespace(&format!("{here}.namespace"), s.namespace.as_deref());
            }
            Op::Rollout(r) => {
                self.selector(&format!("{here}.selector"), r.selector.as_deref());
                self.namespace(&format!("{here}.namespace"), r.namespace.as_deref());
            }
            Op::FailNodes(t) | Op::RecoverNodes(t) | Op::Cordon(t) | Op::Uncordon(t) | Op::Drain(t) => {
                self.node_target(&here, t)
            }
            Op::FailZone(z) | Op::RecoverZone(z) => {
                if z.is_empty() {
                    self.fail(&here, "expected a zone name");
                }
            }
            Op::DeletePods(t) => {
                if t.selector.is_none() && t.count.is_none() {
                    self.fail(
                        &here,
                        "expected selector or count (deleting every pod is rarely meant)",
                    );
                }
                self.selector(&format!("{here}.selector"), t.selector.as_deref());
                self.namespace(&format!("{here}.namespace"), t.namespace.as_deref());
            }
            Op::Churn(c) => {
                if c.every.0 <= 0 {
                    self.fail(format!("{here}.every"), "must be greater than 0");
                }
                if c.count == 0 {
                    self.fail(format!("{here}.count"), "must be at least 1");
                }
                self.selector(&format!("{here}.selector"), c.selector.as_deref());
                self.namespace(&format!("{here}.namespace"), c.namespace.as_deref());
            }
            Op::Barrier(_) | Op::Sleep(_) => {}
        }
    }
}

/// Parses `--survive`: `zone`, or `N-nodes` (`N-node`), into the number of
/// nodes lost (`None` for a zone).
pub fn parse_survive(s: &str) -> Result<Option<u32>, String> {
    if s == "zone" {
        return Ok(None);
    }
    s.strip_suffix("-nodes")
        .or_else(|| s.strip_suffix("-node"))
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .map(Some)
        .ok_or_else(|| format!("invalid survive {s:?}: expected \"zone\" or \"N-nodes\" such as \"2-nodes\""))
}

/// Every problem of `file`, in document order.
pub fn check(file: &ScenarioFile) -> Vec<Problem> {
    let mut c = Checker { problems: Vec::new() };
    let mut names = BTreeMap::new();
    for (i, pool) in file.nodes.iter().enumerate() {
        c.pool(&format!("nodes[{i}]"), pool, &mut names);
    }
    for (i, w) in file.workloads.iter().enumerate() {
        c.workload(&format!("workloads[{i}]"), w);
    }
    let mut last_at = 0;
    for (i, step) in file.timeline.iter().enumerate() {
        let path = format!("timeline[{i}]");
        if let Some(at) = step.at {
            if at.0 < last_at {
                c.fail(
                    format!("{path}.at"),
                    format!("steps must be in time order: {at} is before an earlier step's `at`"),
                );
            }
            last_at = at.0;
        }
        c.step(&path, &step.op, &mut names);
    }
    if let Some(p) = &file.scheduler.profile
        && super::sched::profile(p).is_none()
    {
        c.fail(
            "scheduler.profile",
            format!(
                "unknown profile {p:?}: expected one of {}",
                super::sched::profile_names()
            ),
        );
    }
    if file
        .scheduler
        .percentage_of_nodes_to_score
        .is_some_and(|p| p > 100)
    {
        c.fail("scheduler.percentageOfNodesToScore", "must be between 0 and 100");
    }
    if let Err(e) = file.kubelet.validate() {
        c.fail("kubelet", e);
    }
    if let Some(r) = &file.replay {
        if r.format != "openb" {
            c.fail(
                "replay.format",
                format!("unknown trace format {:?}: expected \"openb\"", r.format),
            );
        }
        if let Some(g) = &r.gpu
            && g != "whole"
            && g != "milli"
        {
            c.fail(
                "replay.gpu",
                format!("invalid value {g:?}: expected \"whole\" or \"milli\""),
            );
        }
        c.namespace("replay.namespace", r.namespace.as_deref());
    }
    if let Some(p) = &file.plan {
        if let Some(s) = &p.survive
            && let Err(e) = parse_survive(s)
        {
            c.fail("plan.survive", e);
        }
        c.labels("plan.labels", &p.labels);
    }
    c.problems
}
