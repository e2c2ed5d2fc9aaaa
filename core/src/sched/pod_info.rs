//! What the scheduler knows of a pod: [`PodInfo`] (per pod) over a [`Template`] computed once
//! per shared spec (requests, host ports, compiled node selectors and affinity terms), so that
//! pods of one template cost one compilation (kube-scheduler's `framework.PodInfo`).

use std::sync::Arc;

use smallvec::SmallVec;

use crate::api::pod::{PodSpec, PreemptionPolicy, Protocol};
use crate::api::scheduling::{
    NodeSelectorOperator, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm, Taint, TaintEffect,
    tolerated,
};
use crate::api::{Name, Pod, Time, Uid};
use crate::intern::Symbol;
use crate::labels::{Labels, Operator, Requirement, Selector};
use crate::store::Key;

/// Whether the scheduler tracks `name` as a scalar resource (extended resources such as
/// `nvidia.com/gpu`, `hugepages-*`, `attachable-volumes-*`; `schedutil.IsScalarResourceName`).
pub fn is_scalar_resource(name: &str) -> bool {
    (name.contains('/') && !name.starts_with("requests."))
        || name.starts_with("hugepages-")
        || name.starts_with("attachable-volumes-")
}

/// A pod's resource request in the units the scheduler compares: milli-CPU, bytes, counts.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Requests {
    /// Milli-CPU.
    pub cpu: i64,
    /// Bytes of memory.
    pub memory: i64,
    /// Bytes of ephemeral storage.
    pub ephemeral: i64,
    /// Scalar resources (extended, hugepages), sorted by name.
    pub scalars: SmallVec<[(Symbol, i64); 1]>,
}

impl Requests {
    /// The scalar amount of `name` (0 when not requested).
    pub fn scalar(&self, name: Symbol) -> i64 {
        self.scalars
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(0, |(_, v)| *v)
    }

    /// Whether nothing at all is requested (then only the pod count is checked).
    pub fn is_zero(&self) -> bool {
        self.cpu == 0 && self.memory == 0 && self.ephemeral == 0 && self.scalars.is_empty()
    }
}

/// A host port a container claims (only app containers with `hostPort > 0`, as
/// `schedutil.GetContainerPorts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HostPort {
    /// Protocol.
    pub protocol: Protocol,
    /// Host IP; empty means `0.0.0.0`.
    pub ip: Symbol,
    /// Port.
    pub port: i32,
}

/// One node selector term compiled: label requirements as a [`Selector`] plus the
/// `metadata.name` field requirements.
#[derive(Clone, Debug)]
pub struct CompiledTerm {
    /// Label requirements (`None` when the term has none).
    pub labels: Option<Selector>,
    /// `metadata.name` requirements: (In = true / NotIn = false, names).
    pub fields: SmallVec<[(bool, SmallVec<[Symbol; 1]>); 1]>,
    /// A term with no requirement (or one that failed to parse) matches nothing.
    pub matches_nothing: bool,
}

impl CompiledTerm {
    /// Compiles a term (`nodeaffinity.newNodeSelectorTerm`).
    pub fn compile(term: &NodeSelectorTerm) -> CompiledTerm {
        let mut out = CompiledTerm {
            labels: None,
            fields: SmallVec::new(),
            matches_nothing: term.match_expressions.is_empty() && term.match_fields.is_empty(),
        };
        if !term.match_expressions.is_empty() {
            let reqs: Option<Vec<Requirement>> =
                term.match_expressions.iter().map(node_requirement).collect();
            match reqs {
                Some(r) => out.labels = Some(Selector::from_requirements(r)),
                None => out.matches_nothing = true,
            }
        }
        for f in &term.match_fields {
            match f.operator {
                NodeSelectorOperator::In => out.fields.push((true, f.values.iter().copied().collect())),
                NodeSelectorOperator::NotIn => out.fields.push((false, f.values.iter().copied().collect())),
                _ => out.matches_nothing = true,
            }
        }
        out
    }

    /// Whether a node with `labels` and `name` matches.
    pub fn matches(&self, labels: &Labels, name: Symbol) -> bool {
        if self.matches_nothing {
            return false;
        }
        if let Some(sel) = &self.labels
            && !sel.matches(labels)
        {
            return false;
        }
        self.fields
            .iter()
            .all(|(is_in, names)| names.contains(&name) == *is_in)
    }
}

fn node_requirement(r: &NodeSelectorRequirement) -> Option<Requirement> {
    let op = match r.operator {
        NodeSelectorOperator::In => Operator::In,
        NodeSelectorOperator::NotIn => Operator::NotIn,
        NodeSelectorOperator::Exists => Operator::Exists,
        NodeSelectorOperator::DoesNotExist => Operator::DoesNotExist,
        NodeSelectorOperator::Gt => Operator::GreaterThan,
        NodeSelectorOperator::Lt => Operator::LessThan,
    };
    let values: Vec<&str> = r.values.iter().map(|v| v.as_str()).collect();
    Requirement::new(r.key.as_str(), op, &values).ok()
}

/// A pod (anti-)affinity term compiled (`framework.AffinityTerm`).
#[derive(Clone, Debug)]
pub struct AffinityTerm {
    /// Which pods (nothing when the label selector is absent).
    pub selector: Selector,
    /// Listed namespaces.
    pub namespaces: SmallVec<[Symbol; 1]>,
    /// The owning pod's own namespace counts (no namespaces and no namespace selector).
    pub own_namespace: bool,
    /// Namespaces by label (nothing when absent; everything when empty).
    pub namespace_selector: Selector,
    /// The node label defining a domain.
    pub topology_key: Symbol,
}

impl AffinityTerm {
    fn compile(term: &PodAffinityTerm) -> AffinityTerm {
        AffinityTerm {
            selector: term.label_selector.selector().clone(),
            namespaces: term.namespaces.iter().copied().collect(),
            own_namespace: term.namespaces.is_empty() && term.namespace_selector.is_absent(),
            namespace_selector: term.namespace_selector.selector().clone(),
            topology_key: term.topology_key,
        }
    }

    /// Whether `pod` (in a namespace labelled `ns_labels`) matches this term of a pod in
    /// namespace `owner_ns` (`AffinityTerm.Matches`).
    pub fn matches(&self, owner_ns: Symbol, pod_ns: Symbol, pod_labels: &Labels, ns_labels: &Labels) -> bool {
        let ns_ok = (self.own_namespace && owner_ns == pod_ns)
            || self.namespaces.contains(&pod_ns)
            || self.namespace_selector.matches(ns_labels);
        ns_ok && self.selector.matches(pod_labels)
    }
}

/// A pod's compiled inter-pod affinity terms.
#[derive(Clone, Debug, Default)]
pub struct PodAffinityTerms {
    /// Required affinity.
    pub required_affinity: Vec<AffinityTerm>,
    /// Required anti-affinity.
    pub required_anti_affinity: Vec<AffinityTerm>,
    /// Preferred affinity with weights.
    pub preferred_affinity: Vec<(i32, AffinityTerm)>,
    /// Preferred anti-affinity with weights.
    pub preferred_anti_affinity: Vec<(i32, AffinityTerm)>,
}

impl PodAffinityTerms {
    /// Whether there are no terms at all.
    pub fn is_empty(&self) -> bool {
        self.required_affinity.is_empty()
            && self.required_anti_affinity.is_empty()
            && self.preferred_affinity.is_empty()
            && self.preferred_anti_affinity.is_empty()
    }
}

/// Everything the scheduler derives from a pod spec, computed once per shared spec.
#[derive(Debug)]
pub struct Template {
    /// The spec (kept alive so that its address identifies the template).
    pub spec: Arc<PodSpec>,
    /// The effective request (`computePodResourceRequest`).
    pub requests: Requests,
    /// Milli-CPU for scoring, with 100m per container that requests none.
    pub non_zero_cpu: i64,
    /// Memory for scoring, with 200 MiB per container that requests none.
    pub non_zero_memory: i64,
    /// Host ports of the app containers.
    pub host_ports: SmallVec<[HostPort; 1]>,
    /// `spec.nodeSelector` as a selector (`None` when empty).
    pub node_selector: Option<Selector>,
    /// Required node affinity terms (`None` when absent; an empty list matches nothing).
    pub required_terms: Option<Vec<CompiledTerm>>,
    /// Preferred node affinity terms with their weights (weight 0 dropped).
    pub preferred_terms: Vec<(i32, CompiledTerm)>,
    /// Whether `preferredDuringScheduling…` is non-empty.
    pub has_preferred_terms: bool,
    /// Whether the pod tolerates `node.kubernetes.io/unschedulable:NoSchedule`.
    pub tolerates_unschedulable: bool,
    /// Inter-pod affinity terms.
    pub affinity: PodAffinityTerms,
    /// Whether the spec has a podAffinity or podAntiAffinity section (`PodsWithAffinity`).
    pub has_pod_affinity: bool,
    /// Whether `preemptionPolicy: Never`.
    pub preempt_never: bool,
}

impl Template {
    /// Derives the template of `spec`.
    pub fn new(spec: &Arc<PodSpec>) -> Template {
        let derived_owned;
        let derived = if spec.derived.computed {
            &spec.derived
        } else {
            derived_owned = spec.derive();
            &derived_owned
        };
        let mut requests = Requests::default();
        for (name, v) in derived.requests.iter() {
            if name == Symbol::CPU {
                requests.cpu = v;
            } else if name == Symbol::MEMORY {
                requests.memory = v;
            } else if name == Symbol::EPHEMERAL_STORAGE {
                requests.ephemeral = v;
            } else if is_scalar_resource(name.as_str()) {
                requests.scalars.push((name, v));
            }
        }
        let mut host_ports = SmallVec::new();
        for c in &spec.containers {
            for p in &c.ports {
                if let Some(hp) = p.host_port.filter(|hp| *hp > 0) {
                    host_ports.push(HostPort {
                        protocol: p.protocol,
                        ip: p.host_ip.unwrap_or(Symbol::EMPTY),
                        port: hp,
                    });
                }
            }
        }
        let node_affinity = spec.affinity.as_ref().and_then(|a| a.node_affinity.as_ref());
        let required_terms = node_affinity
            .and_then(|na| na.required_during_scheduling_ignored_during_execution.as_ref())
            .map(|sel| {
                sel.node_selector_terms
                    .iter()
                    .map(CompiledTerm::compile)
                    .collect()
            });
        let preferred = node_affinity.map_or(&[][..], |na| {
            &na.preferred_during_scheduling_ignored_during_execution[..]
        });
        let preferred_terms = preferred
            .iter()
            .filter(|p| p.weight != 0)
            .map(|p| (p.weight, CompiledTerm::compile(&p.preference)))
            .collect();
        let unschedulable_taint = Taint {
            key: Symbol::intern("node.kubernetes.io/unschedulable"),
            value: Symbol::EMPTY,
            effect: TaintEffect::NoSchedule,
            time_added: None,
        };
        let mut affinity = PodAffinityTerms::default();
        let mut has_pod_affinity = false;
        if let Some(a) = &spec.affinity {
            if let Some(pa) = &a.pod_affinity {
                has_pod_affinity = true;
                let r = &pa.required_during_scheduling_ignored_during_execution;
                affinity.required_affinity = r.iter().map(AffinityTerm::compile).collect();
                let p = &pa.preferred_during_scheduling_ignored_during_execution;
                affinity.preferred_affinity = p
                    .iter()
                    .map(|w| (w.weight, AffinityTerm::compile(&w.pod_affinity_term)))
                    .collect();
            }
            if let Some(pa) = &a.pod_anti_affinity {
                has_pod_affinity = true;
                let r = &pa.required_during_scheduling_ignored_during_execution;
                affinity.required_anti_affinity = r.iter().map(AffinityTerm::compile).collect();
                let p = &pa.preferred_during_scheduling_ignored_during_execution;
                affinity.preferred_anti_affinity = p
                    .iter()
                    .map(|w| (w.weight, AffinityTerm::compile(&w.pod_affinity_term)))
                    .collect();
            }
        }
        Template {
            spec: spec.clone(),
            requests,
            non_zero_cpu: derived.non_zero_milli_cpu,
            non_zero_memory: derived.non_zero_memory,
            host_ports,
            node_selector: (!spec.node_selector.is_empty())
                .then(|| Selector::from_labels(&spec.node_selector)),
            required_terms,
            preferred_terms,
            has_preferred_terms: !preferred.is_empty(),
            tolerates_unschedulable: tolerated(&spec.tolerations, &unschedulable_taint),
            affinity,
            has_pod_affinity,
            preempt_never: spec.preemption_policy == Some(PreemptionPolicy::Never),
        }
    }

    /// Whether a node with `labels` and `name` satisfies `nodeSelector` and the required node
    /// affinity (`nodeaffinity.RequiredNodeAffinity.Match`).
    pub fn node_affinity_matches(&self, labels: &Labels, name: Symbol) -> bool {
        if let Some(sel) = &self.node_selector
            && !sel.matches(labels)
        {
            return false;
        }
        match &self.required_terms {
            None => true,
            Some(terms) => terms.iter().any(|t| t.matches(labels, name)),
        }
    }

    /// Whether the pod has neither a node selector nor required node affinity.
    pub fn no_node_affinity(&self) -> bool {
        self.node_selector.is_none() && self.required_terms.is_none()
    }
}

/// What the scheduler knows of one pod.
#[derive(Clone, Debug)]
pub struct PodInfo {
    /// The pod's key in the store.
    pub key: Key<Pod>,
    /// Its uid.
    pub uid: Uid,
    /// Namespace.
    pub namespace: Symbol,
    /// Name.
    pub name: Name,
    /// Labels.
    pub labels: Labels,
    /// Priority.
    pub priority: i32,
    /// `status.nominatedNodeName`.
    pub nominated_node: Option<Symbol>,
    /// Whether deletion has started (terminating pods still hold their resources).
    pub deleting: bool,
    /// When the pod started (preemption prefers evicting the most recently started).
    pub start_time: Option<Time>,
    /// Creation time.
    pub created: Time,
    /// The controller owner's kind and name, if any.
    pub owner: Option<(Symbol, Symbol)>,
    /// The per-spec data.
    pub template: Arc<Template>,
}

impl PodInfo {
    /// The info of `pod` over its `template`.
    pub fn new(key: Key<Pod>, pod: &Pod, template: Arc<Template>) -> PodInfo {
        PodInfo {
            key,
            uid: pod.metadata.uid,
            namespace: pod.metadata.namespace,
            name: pod.metadata.name,
            labels: pod.metadata.labels.clone(),
            priority: pod.priority(),
            nominated_node: pod.status.nominated_node_name,
            deleting: pod.metadata.deletion_timestamp.is_some(),
            start_time: pod.status.start_time,
            created: pod.metadata.creation_timestamp,
            owner: pod.metadata.controller_ref().map(|r| (r.kind, r.name)),
            template,
        }
    }

    /// The spec.
    pub fn spec(&self) -> &PodSpec {
        &self.template.spec
    }
}

/// Templates by spec address. Each entry keeps its spec alive, so an address is never reused
/// while its entry exists. Specs that admission copied per pod (bare pods created from one
/// undefaulted spec) are matched by content against the most recent templates, so that equal
/// specs share one template; entries whose spec no pod holds any more are dropped by
/// [`Templates::gc`].
#[derive(Default)]
pub struct Templates {
    map: crate::collections::FxMap<usize, (Arc<PodSpec>, Arc<Template>)>,
    recent: Vec<Arc<Template>>,
}

/// Recent templates compared by content.
const RECENT: usize = 8;

impl Templates {
    /// The template of `spec`, compiled on first use.
    pub fn get(&mut self, spec: &Arc<PodSpec>) -> Arc<Template> {
        let addr = Arc::as_ptr(spec) as usize;
        if let Some((_, t)) = self.map.get(&addr) {
            return t.clone();
        }
        let t = match self.recent.iter().position(|t| *t.spec == **spec) {
            Some(i) => {
                let t = self.recent.remove(i);
                self.recent.push(t.clone());
                t
            }
            None => {
                let t = Arc::new(Template::new(spec));
                if self.recent.len() == RECENT {
                    self.recent.remove(0);
                }
                self.recent.push(t.clone());
                t
            }
        };
        self.map.insert(addr, (spec.clone(), t.clone()));
        t
    }

    /// Drops templates of specs no pod holds any more.
    pub fn gc(&mut self) {
        self.map.retain(|_, (spec, t)| {
            let own = 1 + usize::from(Arc::ptr_eq(spec, &t.spec));
            Arc::strong_count(spec) > own
        });
    }

    /// Number of specs known.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether none are known.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

/// Scratch-free check used by several plugins: whether `tolerations` tolerate every NoSchedule
/// and NoExecute taint in `taints` (`FindMatchingUntoleratedTaint` with
/// `DoNotScheduleTaintsFilterFunc`).
pub fn tolerates_do_not_schedule(
    tolerations: &[crate::api::scheduling::Toleration],
    taints: &[Taint],
) -> bool {
    taints
        .iter()
        .filter(|t| matches!(t.effect, TaintEffect::NoSchedule | TaintEffect::NoExecute))
        .all(|t| tolerated(tolerations, t))
}
