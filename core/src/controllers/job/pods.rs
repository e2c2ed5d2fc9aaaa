//! A Job's pods: claiming them (adopt matching orphans, release owned pods
//! that no longer match, as `ClaimPods` does), building new ones from the
//! template (`GetPodFromTemplate`, plus the completion index of Indexed
//! Jobs), and the order in which surplus pods are deleted
//! (`controller.ActivePods`).

use std::cmp::Ordering;
use std::sync::Arc;

use super::JobView;
use super::indexes::{COMPLETION_INDEX_ANNOTATION, COMPLETION_INDEX_ENV, completion_index};
use crate::api::pod::{EnvVar, EnvVarSource, ObjectFieldSelector, PodPhase, PodSpec};
use crate::api::{Kind, ObjectMeta, Pod};
use crate::controllers::{Ctx, controller_ref};
use crate::intern::Symbol;
use crate::store::{Key, typed_key};

/// `names.MaxGeneratedNameLength`: a generateName is cut to this length.
const MAX_GENERATED_NAME: usize = 58;

/// `getPodsForJob`: the pods the Job owns after adopting and releasing,
/// in slot order.
pub(super) fn claim_pods(ctx: &mut Ctx<'_>, job: &JobView) -> Vec<Key<Pod>> {
    let mut candidates = ctx.store.select_pods(job.meta.namespace, &job.selector);
    for dep in ctx.store.dependents(job.meta.uid) {
        if let Some(k) = typed_key::<Pod>(*dep) {
            candidates.push(k);
        }
    }
    candidates.sort();
    candidates.dedup();
    let can_adopt = job.meta.deletion_timestamp.is_none();
    let uid = job.meta.uid;
    let mut owned = Vec::with_capacity(candidates.len());
    for key in candidates {
        let Some(pod) = ctx.store.get(key) else { continue };
        let matches = job.selector.matches(&pod.metadata.labels);
        let deleting = pod.metadata.deletion_timestamp.is_some();
        match pod.metadata.controller_ref() {
            Some(r) if r.uid == uid => {
                if matches {
                    owned.push(key);
                } else if !deleting {
                    let _ = ctx
                        .store
                        .update(key, |p| p.metadata.owner_references.retain(|r| r.uid != uid));
                }
            }
            Some(_) => {}
            None if matches && can_adopt && !deleting => {
                let reference = controller_ref(Kind::Job, &job.meta);
                if ctx
                    .store
                    .update(key, |p| p.metadata.owner_references.push(reference))
                    .is_ok()
                {
                    owned.push(key);
                }
            }
            None => {}
        }
    }
    owned
}

/// The template's spec with `JOB_COMPLETION_INDEX` added to every container
/// (`addCompletionIndexEnvVariables`, reading the index label as the
/// `PodIndexLabel` feature does).
pub(super) fn indexed_spec(template: &Arc<PodSpec>) -> Arc<PodSpec> {
    let mut spec = PodSpec::clone(template);
    let var = EnvVar {
        name: COMPLETION_INDEX_ENV.to_owned(),
        value: None,
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector {
                api_version: Some("v1".to_owned()),
                field_path: format!("metadata.labels['{COMPLETION_INDEX_ANNOTATION}']"),
            }),
            ..EnvVarSource::default()
        }),
    };
    for c in spec.init_containers.iter_mut().chain(spec.containers.iter_mut()) {
        if !c.env.iter().any(|e| e.name == COMPLETION_INDEX_ENV) {
            c.env.push(var.clone());
        }
    }
    Arc::new(spec)
}

/// `podGenerateNameWithIndex`: `<job>-<index>-`, the job name cut so that
/// the index survives the generateName limit.
pub(super) fn generate_name_with_index(job: &str, index: i32) -> String {
    let suffix = format!("-{index}-");
    let full = format!("{job}{suffix}");
    if full.len() <= MAX_GENERATED_NAME {
        return full;
    }
    let mut end = MAX_GENERATED_NAME - suffix.len();
    while !job.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{suffix}", &job[..end])
}

/// A new pod of `job`: generateName `<job>-` (or `<job>-<index>-`), the
/// template's labels and annotations, a controller reference, and the
/// template's spec, shared unless the pod has an index (whose spec adds the
/// hostname `<job>-<index>`; `spec` then is the template with the index
/// variable).
pub(super) fn new_pod(job: &JobView, index: Option<i32>, spec: &Arc<PodSpec>) -> Pod {
    let mut meta = ObjectMeta {
        namespace: job.meta.namespace,
        labels: job.template.metadata.labels.clone(),
        annotations: job.template.metadata.annotations.clone(),
        ..ObjectMeta::default()
    };
    meta.owner_references.push(controller_ref(Kind::Job, &job.meta));
    let name = job.meta.name.to_string();
    let spec = match index {
        None => {
            meta.generate_name = Some(Symbol::intern(&format!("{name}-")));
            Arc::clone(spec)
        }
        Some(ix) => {
            let value = ix.to_string();
            meta.annotations.set(COMPLETION_INDEX_ANNOTATION, &value);
            meta.labels = meta.labels.with(
                Symbol::intern(COMPLETION_INDEX_ANNOTATION),
                Symbol::intern(&value),
            );
            meta.generate_name = Some(Symbol::intern(&generate_name_with_index(&name, ix)));
            let mut s = PodSpec::clone(spec);
            s.hostname = Some(Symbol::intern(&format!("{name}-{ix}")));
            Arc::new(s)
        }
    };
    Pod {
        metadata: meta,
        spec,
        node_name: None,
        status: Default::default(),
    }
}

fn phase_rank(phase: PodPhase) -> u8 {
    match phase {
        PodPhase::Pending => 0,
        PodPhase::Unknown => 1,
        PodPhase::Running => 2,
        PodPhase::Succeeded | PodPhase::Failed => 3,
    }
}

/// `ActivePods.Less`: unscheduled before scheduled, Pending before Unknown
/// before Running, not ready before ready, more recently ready first, more
/// restarts first, newer first. Equal pods keep their order.
pub(super) fn active_pods_order(a: &Pod, b: &Pod) -> Ordering {
    b.node_name
        .is_none()
        .cmp(&a.node_name.is_none())
        .then(phase_rank(a.status.phase).cmp(&phase_rank(b.status.phase)))
        .then(a.is_ready().cmp(&b.is_ready()))
        .then_with(|| {
            if a.is_ready() && b.is_ready() {
                let since = |p: &Pod| p.status.conditions.ready.map(|c| c.last_transition_time);
                since(b).cmp(&since(a))
            } else {
                Ordering::Equal
            }
        })
        .then(b.status.restart_count.cmp(&a.status.restart_count))
        .then(b.metadata.creation_timestamp.cmp(&a.metadata.creation_timestamp))
}

/// `activePodsForRemoval`: at least `at_least` of `active` to delete. For
/// Indexed Jobs, first every pod without a valid index and all but one pod
/// of each repeated index (`appendDuplicatedIndexPodsForRemoval`), then the
/// first of the rest in [`active_pods_order`].
pub(super) fn pods_for_removal(
    ctx: &Ctx<'_>,
    job: &JobView,
    active: &[Key<Pod>],
    at_least: usize,
) -> Vec<Key<Pod>> {
    let store = &*ctx.store;
    let get = |k: &Key<Pod>| store.get(*k).expect("active pods exist");
    let mut rm: Vec<Key<Pod>> = Vec::new();
    let mut left: Vec<Key<Pod>> = Vec::new();
    if job.indexed {
        let completions = job.completions.unwrap_or(0);
        let mut by_index: Vec<(Option<i32>, Key<Pod>)> =
            active.iter().map(|k| (completion_index(get(k)), *k)).collect();
        by_index.sort_by_key(|(ix, _)| ix.map_or(-1, i64::from));
        let mut i = 0;
        while i < by_index.len() {
            let ix = by_index[i].0;
            let mut j = i;
            while j < by_index.len() && by_index[j].0 == ix {
                j += 1;
            }
            let mut same: Vec<Key<Pod>> = by_index[i..j].iter().map(|(_, k)| *k).collect();
            match ix {
                Some(ix) if ix < completions => {
                    same.sort_by(|a, b| active_pods_order(get(a), get(b)));
                    let keep = same.pop().expect("non-empty group");
                    rm.extend(same);
                    left.push(keep);
                }
                _ => rm.extend(same),
            }
            i = j;
        }
    } else {
        left = active.to_vec();
    }
    if rm.len() < at_least {
        left.sort_by(|a, b| active_pods_order(get(a), get(b)));
        let more = at_least - rm.len();
        rm.extend(left.into_iter().take(more));
    }
    rm
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_survives_the_generate_name_limit() {
        assert_eq!(generate_name_with_index("pi", 3), "pi-3-");
        let long = "a".repeat(60);
        let g = generate_name_with_index(&long, 12);
        assert_eq!(g.len(), 58);
        assert!(g.ends_with("a-12-"));
    }
}
