//! ResourceQuotas: the object's validation (`ValidateResourceQuota`) and the
//! ResourceQuota admission plugin (`plugin/pkg/admission/resourcequota`,
//! usage as `pkg/quota/v1/evaluator/core/pods.go` and the object-count
//! evaluators compute it).
//!
//! Usage comes from the store's per-namespace usage cache
//! ([`crate::store::usage`], updated on every commit), so a check costs
//! O(quotas), not O(objects); the quota's `status.used` is left to the quota
//! controller.

use std::any::Any;

use super::common::validate_resources;
use super::{Admission, Admit};
use crate::api::resources::{ResourceList, units_to_quantity};
use crate::api::service::ServiceType;
use crate::api::{Kind, PersistentVolumeClaim, Pod, ResourceQuota, Service};
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::store::Stored;
use crate::store::usage::{
    BEST_EFFORT, CROSS_NAMESPACE, PRIORITY_CLASS, ScopeClass, TERMINATING, scope_class,
};

/// The scopes a quota may have.
pub const SCOPES: [&str; 6] = [
    "BestEffort",
    "CrossNamespacePodAffinity",
    "NotBestEffort",
    "NotTerminating",
    "PriorityClass",
    "Terminating",
];

/// The compute resources that, when a quota tracks them, every container
/// must state (`validationSet` in the pod evaluator).
const MUST_SPECIFY: [&str; 6] = [
    "cpu",
    "limits.cpu",
    "limits.memory",
    "memory",
    "requests.cpu",
    "requests.memory",
];

const POD_COMPUTE: [&str; 6] = MUST_SPECIFY;

/// Standard quota resource names (`IsStandardQuotaResourceName`).
fn standard_quota_name(name: &str) -> bool {
    matches!(
        name,
        "pods"
            | "services"
            | "replicationcontrollers"
            | "resourcequotas"
            | "secrets"
            | "configmaps"
            | "persistentvolumeclaims"
            | "services.nodeports"
            | "services.loadbalancers"
            | "cpu"
            | "memory"
            | "ephemeral-storage"
            | "storage"
    ) || name.starts_with("requests.")
        || name.starts_with("limits.")
        || name.starts_with("hugepages-")
}

/// `IsResourceQuotaScopeValidForResource`.
fn scope_valid_for(scope: &str, name: &str) -> bool {
    match scope {
        "BestEffort" => name == "pods",
        "Terminating"
        | "NotTerminating"
        | "NotBestEffort"
        | "PriorityClass"
        | "CrossNamespacePodAffinity" => name == "pods" || POD_COMPUTE.contains(&name),
        _ => true,
    }
}

fn go_scopes(scopes: &[Symbol]) -> String {
    let parts: Vec<String> = scopes.iter().map(|s| format!("{:?}", s.as_str())).collect();
    format!("[]core.ResourceQuotaScope{{{}}}", parts.join(", "))
}

impl Admit for ResourceQuota {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let hard = FieldPath::new("spec").child("hard");
        let mut errs = validate_resources(&spec.hard, &hard);
        for (k, _) in spec.hard.iter() {
            if !k.as_str().contains('/') && !standard_quota_name(k.as_str()) {
                errs.push(FieldError::invalid(
                    hard.key(k.as_str()),
                    k.as_str(),
                    "must be a standard resource type or fully qualified",
                ));
            }
        }
        let sp = FieldPath::new("spec").child("scopes");
        let value = go_scopes(&spec.scopes);
        let invalid = |detail: &str| super::common::invalid_raw(sp.clone(), value.clone(), detail);
        for scope in &spec.scopes {
            if !SCOPES.contains(&scope.as_str()) {
                errs.push(invalid("unsupported scope"));
            }
            for (k, _) in spec.hard.iter() {
                if standard_quota_name(k.as_str()) && !scope_valid_for(scope.as_str(), k.as_str()) {
                    errs.push(invalid("unsupported scope applied to resource"));
                }
            }
        }
        let has = |s: &str| spec.scopes.iter().any(|x| x.as_str() == s);
        for (a, b) in [("BestEffort", "NotBestEffort"), ("Terminating", "NotTerminating")] {
            if has(a) && has(b) {
                errs.push(invalid("conflicting scopes"));
            }
        }
        errs
    }

    fn spec_changed(&self, old: &Self) -> bool {
        self.spec != old.spec
    }
}

fn add(list: &mut ResourceList, name: &str, v: i64) {
    let k = Symbol::intern(name);
    list.set(k, list.get_or_zero(k).saturating_add(v));
}

fn add_symbol(list: &mut ResourceList, k: Symbol, v: i64) {
    list.set(k, list.get_or_zero(k).saturating_add(v));
}

/// The quota names used for every pod, interned once: `pods`,
/// `requests.<r>` and `limits.<r>` of the three standard resources, and
/// `count/<plural>[.<group>]` of every kind.
struct QuotaNames {
    pods: Symbol,
    /// (resource, `requests.<resource>`, `limits.<resource>`).
    standard: [(Symbol, Symbol, Symbol); 3],
    count: Vec<(Kind, Symbol)>,
}

static QUOTA_NAMES: std::sync::LazyLock<QuotaNames> = std::sync::LazyLock::new(|| QuotaNames {
    pods: Symbol::PODS,
    standard: [Symbol::CPU, Symbol::MEMORY, Symbol::EPHEMERAL_STORAGE].map(|r| {
        (
            r,
            Symbol::intern(&format!("requests.{r}")),
            Symbol::intern(&format!("limits.{r}")),
        )
    }),
    count: Kind::ALL
        .iter()
        .map(|k| (*k, Symbol::intern(&k.count_resource())))
        .collect(),
});

/// `podComputeUsageHelper`: quota names of a request and limit list.
fn compute_usage(requests: &ResourceList, limits: &ResourceList, out: &mut ResourceList) {
    let names = &*QUOTA_NAMES;
    for (k, v) in requests.iter() {
        if let Some((_, req, _)) = names.standard.iter().find(|s| s.0 == k) {
            add_symbol(out, k, v);
            add_symbol(out, *req, v);
            continue;
        }
        let n = k.as_str();
        if n.starts_with("hugepages-") || n.contains('/') && !n.starts_with("kubernetes.io/") {
            add(out, &format!("requests.{n}"), v);
        }
    }
    for (k, v) in limits.iter() {
        if let Some((_, _, lim)) = names.standard.iter().find(|s| s.0 == k) {
            add_symbol(out, *lim, v);
        }
    }
}

/// Whether a pod still uses quota at `now` (`QuotaV1Pod`): not terminal and
/// not past its deletion grace.
fn pod_counts(pod: &Pod, now: crate::api::Time) -> bool {
    !pod.is_terminal() && pod.metadata.deletion_timestamp.is_none_or(|t| now <= t)
}

/// Whether a quota's scopes select pods of scope class `class`.
fn scopes_select(quota: &ResourceQuota, class: ScopeClass) -> bool {
    quota.spec.scopes.iter().all(|s| match s.as_str() {
        "Terminating" => class & TERMINATING != 0,
        "NotTerminating" => class & TERMINATING == 0,
        "BestEffort" => class & BEST_EFFORT != 0,
        "NotBestEffort" => class & BEST_EFFORT == 0,
        "PriorityClass" => class & PRIORITY_CLASS != 0,
        "CrossNamespacePodAffinity" => class & CROSS_NAMESPACE != 0,
        _ => false,
    })
}

/// Whether a quota's scopes select an object (scoped quotas select only pods).
fn scopes_match(quota: &ResourceQuota, pod: Option<&Pod>) -> bool {
    match pod {
        Some(pod) => scopes_select(quota, scope_class(pod)),
        None => quota.spec.scopes.is_empty(),
    }
}

/// What one object uses, by quota resource name.
pub fn usage(obj: &dyn Any, kind: Kind) -> ResourceList {
    let mut out = ResourceList::new();
    let names = &*QUOTA_NAMES;
    match names.count.iter().find(|(k, _)| *k == kind) {
        Some((_, count)) => add_symbol(&mut out, *count, 1),
        None => add(&mut out, &kind.count_resource(), 1),
    }
    if let Some(pod) = obj.downcast_ref::<Pod>() {
        add_symbol(&mut out, names.pods, 1);
        let derived;
        let d = if pod.spec.derived.computed {
            &pod.spec.derived
        } else {
            derived = pod.spec.derive();
            &derived
        };
        compute_usage(&d.requests, &d.limits, &mut out);
    } else if let Some(svc) = obj.downcast_ref::<Service>() {
        add(&mut out, "services", 1);
        match svc.spec.type_ {
            ServiceType::NodePort => add(&mut out, "services.nodeports", svc.spec.ports.len() as i64),
            ServiceType::LoadBalancer => {
                add(&mut out, "services.nodeports", svc.spec.ports.len() as i64);
                add(&mut out, "services.loadbalancers", 1);
            }
            _ => {}
        }
    } else if let Some(pvc) = obj.downcast_ref::<PersistentVolumeClaim>() {
        let storage = pvc.spec.resources.requests.get_or_zero(Symbol::intern("storage"));
        add(&mut out, "persistentvolumeclaims", 1);
        add(&mut out, "requests.storage", storage);
        if let Some(class) = pvc.spec.storage_class_name.filter(|c| !c.is_empty()) {
            let prefix = format!("{class}.storageclass.storage.k8s.io/");
            add(&mut out, &format!("{prefix}persistentvolumeclaims"), 1);
            add(&mut out, &format!("{prefix}requests.storage"), storage);
        }
    } else {
        match kind {
            Kind::ConfigMap => add(&mut out, "configmaps", 1),
            Kind::Secret => add(&mut out, "secrets", 1),
            Kind::ResourceQuota => add(&mut out, "resourcequotas", 1),
            _ => {}
        }
    }
    out
}

/// The pod evaluator's `Constraints`: containers must state the compute
/// resources the quota tracks.
fn constraints(pod: &Pod, hard: &ResourceList) -> Result<(), String> {
    let required: Vec<&str> = MUST_SPECIFY
        .iter()
        .copied()
        .filter(|n| hard.contains(Symbol::intern(n)))
        .collect();
    if required.is_empty() {
        return Ok(());
    }
    let mut missing: Vec<(&str, Vec<&str>)> = Vec::new();
    for c in pod.spec.containers.iter().chain(&pod.spec.init_containers) {
        let mut have = ResourceList::new();
        compute_usage(&c.resources.requests, &c.resources.limits, &mut have);
        for r in &required {
            if !have.contains(Symbol::intern(r)) {
                match missing.iter_mut().find(|(n, _)| n == r) {
                    Some((_, names)) => names.push(c.name.as_str()),
                    None => missing.push((r, vec![c.name.as_str()])),
                }
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    missing.sort_by(|a, b| a.0.cmp(b.0));
    let parts: Vec<String> = missing
        .into_iter()
        .map(|(r, mut names)| {
            names.sort_unstable();
            names.dedup();
            format!("{r} for: {}", names.join(","))
        })
        .collect();
    Err(format!("must specify {}", parts.join("; ")))
}

/// `name=quantity` pairs, sorted, joined by `,` (the plugin's `prettyPrint`).
fn pretty(list: &ResourceList) -> String {
    let mut parts: Vec<String> = list
        .iter()
        .map(|(k, v)| format!("{}={}", k.as_str(), units_to_quantity(k.as_str(), v)))
        .collect();
    parts.sort();
    parts.join(",")
}

/// The usage of the namespace's existing objects of kind `T` that `quota`
/// selects, from the store's usage cache.
fn used<T: Stored>(adm: &Admission<'_>, ns: Symbol, quota: &ResourceQuota) -> ResourceList {
    let cache = &adm.store.usage;
    let all = if T::KIND == Kind::Pod {
        cache.pod_usage(ns, adm.store.now(), |class| scopes_select(quota, class))
    } else {
        cache.object_usage(T::KIND, ns)
    };
    let mut total = ResourceList::new();
    for (k, v) in all.iter() {
        if quota.spec.hard.contains(k) {
            total.set(k, v);
        }
    }
    total
}

/// A quota's `status.used`, as the ResourceQuota controller recalculates
/// it: every resource of `spec.hard` (0 when nothing uses it), pods through
/// the quota's scopes, other kinds only for unscoped quotas.
pub fn quota_used(store: &crate::store::Store, quota: &ResourceQuota) -> ResourceList {
    let ns = quota.metadata.namespace;
    let cache = &store.usage;
    let mut all = cache.pod_usage(ns, store.now(), |class| scopes_select(quota, class));
    if quota.spec.scopes.is_empty() {
        for kind in Kind::ALL.iter().filter(|k| **k != Kind::Pod && k.is_namespaced()) {
            for (k, v) in cache.object_usage(*kind, ns).iter() {
                all.set(k, all.get_or_zero(k).saturating_add(v));
            }
        }
    }
    let mut used = ResourceList::new();
    for (k, _) in quota.spec.hard.iter() {
        used.set(k, all.get_or_zero(k));
    }
    used
}

/// [`quota_used`] computed by scanning the quota's namespace instead of
/// reading the store's usage cache: what the invariant checker compares a
/// converged quota's `status.used` with.
pub fn quota_used_by_scan(store: &crate::store::Store, quota: &ResourceQuota) -> ResourceList {
    use crate::api::*;
    fn sum<T: Stored>(store: &crate::store::Store, quota: &ResourceQuota, total: &mut ResourceList) {
        let (ns, now) = (quota.metadata.namespace, store.now());
        for (_, obj) in store.iter::<T>() {
            if obj.metadata().namespace != ns {
                continue;
            }
            let pod = (obj as &dyn Any).downcast_ref::<Pod>();
            if pod.is_some_and(|p| !pod_counts(p, now)) || !scopes_match(quota, pod) {
                continue;
            }
            for (k, v) in usage(obj, T::KIND).iter() {
                total.set(k, total.get_or_zero(k).saturating_add(v));
            }
        }
    }
    let mut total = ResourceList::new();
    for kind in Kind::ALL.iter().filter(|k| k.is_namespaced()) {
        crate::store::dispatch_kind!(*kind, sum(store, quota, &mut total));
    }
    let mut used = ResourceList::new();
    for (k, _) in quota.spec.hard.iter() {
        used.set(k, total.get_or_zero(k));
    }
    used
}

/// The same by scanning the namespace (the reference the cache is tested against).
#[cfg(test)]
pub fn used_by_scan<T: Stored>(adm: &Admission<'_>, ns: Symbol, quota: &ResourceQuota) -> ResourceList {
    let mut total = ResourceList::new();
    let mut sum = |u: ResourceList| {
        for (k, v) in u.iter() {
            if quota.spec.hard.contains(k) {
                total.set(k, total.get_or_zero(k).saturating_add(v));
            }
        }
    };
    let now = adm.store.now();
    if T::KIND == Kind::Pod {
        for key in adm.store.select_pods(ns, &crate::labels::Selector::everything()) {
            if let Some(pod) = adm.store.get(key)
                && pod_counts(pod, now)
                && scopes_match(quota, Some(pod))
            {
                sum(usage(pod, Kind::Pod));
            }
        }
    } else {
        for (_, obj) in adm.store.iter::<T>() {
            if obj.metadata().namespace == ns {
                sum(usage(obj, T::KIND));
            }
        }
    }
    total
}

/// The cached usage, for tests.
#[cfg(test)]
pub fn used_cached<T: Stored>(adm: &Admission<'_>, ns: Symbol, quota: &ResourceQuota) -> ResourceList {
    used::<T>(adm, ns, quota)
}

/// Checks a new object against its namespace's quotas; `Err` carries the
/// Forbidden message (`failed quota: ...` or `exceeded quota: ...`).
pub fn check_quota<T: Stored>(obj: &T, adm: &Admission<'_>) -> Result<(), String> {
    let ns = obj.metadata().namespace;
    if !T::KIND.is_namespaced() {
        return Ok(());
    }
    let mut quotas: Vec<&ResourceQuota> = adm
        .store
        .iter::<ResourceQuota>()
        .map(|(_, q)| q)
        .filter(|q| q.metadata.namespace == ns)
        .collect();
    if quotas.is_empty() {
        return Ok(());
    }
    quotas.sort_by_key(|q| q.metadata.name.to_string());
    let any: &dyn Any = obj;
    let pod = any.downcast_ref::<Pod>();
    let requested = usage(any, T::KIND);
    let mut interesting = Vec::new();
    for q in quotas {
        if !scopes_match(q, pod) {
            continue;
        }
        let tracked = q.spec.hard.iter().any(|(k, _)| match pod {
            Some(_) => pod_resource(k.as_str()),
            None => requested.contains(k),
        });
        if !tracked {
            continue;
        }
        if let Some(p) = pod {
            constraints(p, &q.spec.hard).map_err(|e| format!("failed quota: {}: {e}", q.metadata.name))?;
        }
        interesting.push(q);
    }
    for q in interesting {
        let mut req = ResourceList::new();
        for (k, v) in requested.iter() {
            if q.spec.hard.contains(k) {
                req.set(k, v);
            }
        }
        if req.is_empty() {
            continue;
        }
        let used = used::<T>(adm, ns, q);
        let mut failed = (ResourceList::new(), ResourceList::new(), ResourceList::new());
        for (k, v) in req.iter() {
            let hard = q.spec.hard.get_or_zero(k);
            let u = used.get_or_zero(k);
            if u.saturating_add(v) > hard {
                failed.0.set(k, v);
                failed.1.set(k, u);
                failed.2.set(k, hard);
            }
        }
        if !failed.0.is_empty() {
            return Err(format!(
                "exceeded quota: {}, requested: {}, used: {}, limited: {}",
                q.metadata.name,
                pretty(&failed.0),
                pretty(&failed.1),
                pretty(&failed.2)
            ));
        }
    }
    Ok(())
}

/// Names the pod evaluator tracks (`MatchingResources`).
fn pod_resource(name: &str) -> bool {
    matches!(
        name,
        "pods" | "count/pods" | "cpu" | "memory" | "ephemeral-storage"
    ) || name.starts_with("requests.")
        || name.starts_with("limits.")
        || name.starts_with("hugepages-")
}

#[cfg(test)]
#[path = "quota_tests.rs"]
mod tests;
