//! The `jobs`, `daemonSets` and `statefulSets` generators: N objects each,
//! built like the `deployments` generator's (labels `app: <name>` plus the
//! template's, requests drawn per object), for core's Job, DaemonSet and
//! StatefulSet controllers to run.

use kubesim::api::batch::{CompletionMode, JobSpec};
use kubesim::api::pod::RestartPolicy;
use kubesim::api::workloads::{
    DaemonSetSpec, DaemonSetUpdateStrategy, PodManagementPolicy, RollingUpdateDaemonSet, StatefulSetSpec,
    UpdateStrategyType,
};
use kubesim::api::{AnyObject, DaemonSet, Job, ObjectMeta, PodSelector, PodTemplateSpec, StatefulSet};
use kubesim::rng::Rng;
use kubesim::{Symbol, build};

use super::format::{DaemonSetGen, JobGen, StatefulSetGen, TemplateGen, Workload};
use super::generate::{DEFAULT_IMAGE, fill_template, int_or_string, labels_of};

/// Object metadata, a pod template (labels, image, requests drawn from
/// `rng`) and the selector of its labels.
fn parts(
    name: &str,
    namespace: Option<&str>,
    t: &TemplateGen,
    restart: RestartPolicy,
    rng: &mut Rng,
) -> (ObjectMeta, PodTemplateSpec, PodSelector) {
    let labels = labels_of(name, t);
    let pairs: Vec<(&str, &str)> = labels.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let d = build::deployment(name, 0)
        .labels(&pairs)
        .image(t.image.as_deref().unwrap_or(DEFAULT_IMAGE))
        .namespace(namespace.unwrap_or("default"))
        .restart_policy(restart)
        .build();
    let mut meta = d.metadata;
    meta.labels = d.spec.template.metadata.labels.clone();
    let mut template = d.spec.template;
    fill_template(&mut template, t, rng);
    (meta, template, d.spec.selector)
}

fn name(prefix: Option<&str>, default: &str, index: u32) -> String {
    format!("{}-{index}", prefix.unwrap_or(default))
}

fn sample_i32(d: &super::values::IntDist, rng: &mut Rng, what: &str) -> i32 {
    d.sample(rng, what).clamp(0, i64::from(i32::MAX)) as i32
}

/// Job `index` of a generator. The selector is left to the API server, which
/// generates it (`batch.kubernetes.io/controller-uid`) as for `kubectl create job`.
pub fn job(g: &JobGen, index: u32, rng: &mut Rng) -> AnyObject {
    let name = name(g.name_prefix.as_deref(), "job", index);
    let restart = match g.restart_policy.as_deref() {
        Some("OnFailure") => RestartPolicy::OnFailure,
        _ => RestartPolicy::Never,
    };
    let (metadata, template, _) = parts(&name, g.namespace.as_deref(), &g.template, restart, rng);
    let spec = JobSpec {
        parallelism: g.parallelism.as_ref().map(|d| sample_i32(d, rng, "parallelism")),
        completions: g.completions.as_ref().map(|d| sample_i32(d, rng, "completions")),
        backoff_limit: g.backoff_limit,
        template,
        ttl_seconds_after_finished: g.ttl_seconds_after_finished,
        completion_mode: match g.completion_mode.as_deref() {
            Some("Indexed") => Some(CompletionMode::Indexed),
            Some(_) => Some(CompletionMode::NonIndexed),
            None => None,
        },
        ..JobSpec::default()
    };
    AnyObject::Job(Job {
        metadata,
        spec,
        status: Default::default(),
    })
}

/// DaemonSet `index` of a generator.
pub fn daemon_set(g: &DaemonSetGen, index: u32, rng: &mut Rng) -> AnyObject {
    let name = name(g.name_prefix.as_deref(), "daemon", index);
    let (metadata, template, selector) = parts(
        &name,
        g.namespace.as_deref(),
        &g.template,
        RestartPolicy::Always,
        rng,
    );
    let spec = DaemonSetSpec {
        selector,
        template,
        update_strategy: DaemonSetUpdateStrategy {
            type_: UpdateStrategyType::RollingUpdate,
            rolling_update: g.max_unavailable.as_deref().map(|m| RollingUpdateDaemonSet {
                max_unavailable: Some(int_or_string(m)),
                max_surge: None,
            }),
        },
        min_ready_seconds: g.min_ready_seconds.unwrap_or(0),
        revision_history_limit: None,
    };
    AnyObject::DaemonSet(DaemonSet {
        metadata,
        spec,
        status: Default::default(),
    })
}

/// StatefulSet `index` of a generator (its `serviceName` is its own name).
pub fn stateful_set(g: &StatefulSetGen, index: u32, rng: &mut Rng) -> AnyObject {
    let name = name(g.name_prefix.as_deref(), "db", index);
    let (metadata, template, selector) = parts(
        &name,
        g.namespace.as_deref(),
        &g.template,
        RestartPolicy::Always,
        rng,
    );
    let spec = StatefulSetSpec {
        replicas: sample_i32(&g.replicas, rng, "replicas"),
        selector,
        template,
        service_name: Symbol::intern(&name),
        pod_management_policy: match g.pod_management_policy.as_deref() {
            Some("Parallel") => PodManagementPolicy::Parallel,
            _ => PodManagementPolicy::OrderedReady,
        },
        min_ready_seconds: g.min_ready_seconds.unwrap_or(0),
        ..StatefulSetSpec::default()
    };
    AnyObject::StatefulSet(StatefulSet {
        metadata,
        spec,
        status: Default::default(),
    })
}

/// Object `index` of a generator workload (`None` for manifests and inline
/// objects, which are not generated).
pub fn generated(w: &Workload, index: u32, rng: &mut Rng) -> Option<AnyObject> {
    Some(match w {
        Workload::Deployments(g) => super::generate::deployment(g, index, rng),
        Workload::Pods(g) => super::generate::pod(g, index, rng),
        Workload::Jobs(g) => job(g, index, rng),
        Workload::DaemonSets(g) => daemon_set(g, index, rng),
        Workload::StatefulSets(g) => stateful_set(g, index, rng),
        Workload::Manifests(_) | Workload::Inline(_) => return None,
    })
}

/// How many objects a generator workload makes (`None` for manifests and
/// inline objects).
pub fn count(w: &Workload) -> Option<u32> {
    match w {
        Workload::Deployments(g) => Some(g.count),
        Workload::Pods(g) => Some(g.count),
        Workload::Jobs(g) => Some(g.count),
        Workload::DaemonSets(g) => Some(g.count),
        Workload::StatefulSets(g) => Some(g.count),
        Workload::Manifests(_) | Workload::Inline(_) => None,
    }
}
