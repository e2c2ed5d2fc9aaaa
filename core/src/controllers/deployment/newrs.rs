//! Finding or creating the new ReplicaSet and syncing revisions
//! (`getAllReplicaSetsAndSyncRevision`, `getNewReplicaSet` in `sync.go`).

use super::util::{self, RsInfo};
use super::{Ctx, NAME, write_back};
use crate::api::meta::{Condition, ConditionStatus, ObjectMeta};
use crate::api::pod::PodTemplateSpec;
use crate::api::workloads::ReplicaSetSpec;
use crate::api::{Deployment, Kind, Name, PodSelector, ReplicaSet};
use crate::controllers::controller_ref;
use crate::events::EventType;
use crate::intern::Symbol;
use crate::labels::LabelSelector;
use crate::store::{ApiError, Key};

/// The new ReplicaSet (index into `rss`) and the old ones.
pub struct Split {
    /// The ReplicaSet whose template equals the Deployment's.
    pub new: Option<usize>,
    /// All others, as indices into `rss`.
    pub old: Vec<usize>,
}

/// `FindNewReplicaSet`: the oldest ReplicaSet whose template equals the
/// Deployment's, ignoring the hash label.
fn find_new(d: &Deployment, rss: &[RsInfo]) -> Option<usize> {
    let mut order: Vec<usize> = (0..rss.len()).collect();
    order.sort_by(|a, b| util::by_creation(&rss[*a], &rss[*b]));
    order
        .into_iter()
        .find(|i| util::equal_ignore_hash(&rss[*i].template, &d.spec.template))
}

/// Sets the Progressing condition if it changes (`SetDeploymentCondition`).
pub(super) fn set_condition(
    d: &mut Deployment,
    type_: &str,
    status: ConditionStatus,
    reason: &str,
    message: String,
    now: crate::api::Time,
) {
    let conds = &mut d.status.conditions;
    let current = conds.iter().position(|c| c.type_.as_str() == type_);
    if let Some(i) = current
        && conds[i].status == status
        && conds[i].reason.as_str() == reason
    {
        return;
    }
    let mut cond = Condition {
        type_: Symbol::intern(type_),
        status,
        last_transition_time: now,
        last_update_time: Some(now),
        reason: Symbol::intern(reason),
        message,
    };
    if let Some(i) = current {
        if conds[i].status == status {
            cond.last_transition_time = conds[i].last_transition_time;
        }
        conds.remove(i);
    }
    conds.push(cond);
}

/// `getAllReplicaSetsAndSyncRevision`.
pub fn get_all_and_sync_revision(
    ctx: &mut Ctx<'_>,
    key: Key<Deployment>,
    d: &mut Deployment,
    rss: &mut Vec<RsInfo>,
    create: bool,
) -> Split {
    let new = find_new(d, rss);
    let old: Vec<usize> = (0..rss.len()).filter(|i| Some(*i) != new).collect();
    let max_old_revision = old.iter().map(|i| rss[*i].revision()).max().unwrap_or(0);
    let new_revision = max_old_revision + 1;
    let now = ctx.now;
    if let Some(i) = new {
        let mut meta = rss[i].meta.clone();
        let annotations_changed = util::set_new_rs_annotations(d, &mut meta, new_revision, true);
        let min_ready = d.spec.min_ready_seconds;
        if annotations_changed || rss[i].min_ready_seconds != min_ready {
            let annotations = meta.annotations.clone();
            let _ = ctx.store.update(rss[i].key, |r| {
                r.metadata.annotations = annotations;
                r.spec.min_ready_seconds = min_ready;
            });
            if let Some(rs) = ctx.store.get(rss[i].key) {
                rss[i] = RsInfo::of(rss[i].key, rs);
            }
            return Split { new, old };
        }
        let rev = rss[i].revision().to_string();
        let mut needs_update = set_deployment_revision(&mut d.metadata, &rev);
        if d.spec.progress_deadline_seconds.is_some()
            && !d
                .status
                .conditions
                .iter()
                .any(|c| c.type_.as_str() == "Progressing")
        {
            let msg = format!("Found new replica set {:?}", rss[i].meta.name.to_string());
            set_condition(
                d,
                "Progressing",
                ConditionStatus::True,
                "FoundNewReplicaSet",
                msg,
                now,
            );
            needs_update = true;
        }
        if needs_update {
            write_back(ctx, key, d);
        }
        return Split { new, old };
    }
    if !create {
        return Split { new: None, old };
    }
    match create_new(ctx, d, rss, &old, new_revision) {
        Ok((index, created)) => {
            let mut needs_update = set_deployment_revision(&mut d.metadata, &new_revision.to_string());
            if created && d.spec.progress_deadline_seconds.is_some() {
                let msg = format!("Created new replica set {:?}", rss[index].meta.name.to_string());
                set_condition(
                    d,
                    "Progressing",
                    ConditionStatus::True,
                    "NewReplicaSetCreated",
                    msg,
                    now,
                );
                needs_update = true;
            }
            if needs_update {
                write_back(ctx, key, d);
            }
            Split {
                new: Some(index),
                old,
            }
        }
        Err(()) => {
            // A hash collision (collisionCount was bumped) or a refused create:
            // the next sync tries again.
            ctx.requeue_after(crate::store::object_key(key), 0);
            Split { new: None, old }
        }
    }
}

/// Sets the Deployment's revision annotation; returns whether it changed.
fn set_deployment_revision(meta: &mut ObjectMeta, revision: &str) -> bool {
    if meta.annotations.get(util::REVISION) == Some(revision) {
        return false;
    }
    meta.annotations.set(util::REVISION, revision);
    true
}

/// Creates `<deployment>-<hash>`; returns its index in `rss` and whether it
/// was created (false when an identical one already existed).
fn create_new(
    ctx: &mut Ctx<'_>,
    d: &mut Deployment,
    rss: &mut Vec<RsInfo>,
    old: &[usize],
    new_revision: i64,
) -> Result<(usize, bool), ()> {
    let hash = util::compute_hash(&d.spec.template, d.status.collision_count);
    let hash_sym = Symbol::intern(&hash);
    let mut template: PodTemplateSpec = d.spec.template.clone();
    template.metadata.labels = template.metadata.labels.with(Symbol::POD_TEMPLATE_HASH, hash_sym);
    let mut selector: LabelSelector = d.spec.selector.spec().cloned().unwrap_or_default();
    selector.match_labels = selector.match_labels.with(Symbol::POD_TEMPLATE_HASH, hash_sym);
    let name = format!("{}-{}", d.metadata.name, hash);
    let mut meta = ObjectMeta {
        name: Name::new(&name),
        namespace: d.metadata.namespace,
        labels: template.metadata.labels.clone(),
        ..ObjectMeta::default()
    };
    meta.owner_references
        .push(controller_ref(Kind::Deployment, &d.metadata));
    let all: i32 = old.iter().map(|i| rss[*i].replicas).sum();
    let replicas = util::new_rs_new_replicas(d, all, 0);
    util::set_new_rs_annotations(d, &mut meta, new_revision, false);
    let rs = ReplicaSet {
        metadata: meta,
        spec: ReplicaSetSpec {
            replicas,
            min_ready_seconds: d.spec.min_ready_seconds,
            selector: PodSelector::new(Some(selector)),
            template,
        },
        status: Default::default(),
    };
    match ctx.store.create(rs) {
        Ok(rs_key) => {
            let created = ctx.store.get(rs_key).expect("just created");
            rss.push(RsInfo::of(rs_key, created));
            if replicas > 0 {
                ctx.event(
                    Kind::Deployment,
                    &d.metadata,
                    EventType::Normal,
                    "ScalingReplicaSet",
                    NAME,
                    format!("Scaled up replica set {name} from 0 to {replicas}"),
                );
            }
            Ok((rss.len() - 1, true))
        }
        Err(ApiError::AlreadyExists { .. }) => {
            let existing = ctx
                .store
                .lookup::<ReplicaSet>(d.metadata.namespace.as_str(), &name);
            if let Some(k) = existing
                && let Some(rs) = ctx.store.get(k)
                && rs
                    .metadata
                    .controller_ref()
                    .is_some_and(|r| r.uid == d.metadata.uid)
                && util::equal_ignore_hash(&d.spec.template, &rs.spec.template)
            {
                rss.push(RsInfo::of(k, rs));
                return Ok((rss.len() - 1, false));
            }
            // A hash collision: bump collisionCount so the next hash differs.
            *d.status.collision_count.get_or_insert(0) += 1;
            let count = d.status.collision_count;
            let key = ctx
                .store
                .lookup_name::<Deployment>(d.metadata.namespace, &d.metadata.name);
            if let Some(key) = key {
                let _ = ctx.store.update(key, |x| x.status.collision_count = count);
            }
            Err(())
        }
        Err(e) => {
            let msg = format!("Failed to create new replica set {name:?}: {e}");
            if d.spec.progress_deadline_seconds.is_some() {
                set_condition(
                    d,
                    "Progressing",
                    ConditionStatus::False,
                    "ReplicaSetCreateError",
                    msg.clone(),
                    ctx.now,
                );
                if let Some(key) = ctx
                    .store
                    .lookup_name::<Deployment>(d.metadata.namespace, &d.metadata.name)
                {
                    write_back(ctx, key, d);
                }
            }
            ctx.event(
                Kind::Deployment,
                &d.metadata,
                EventType::Warning,
                "ReplicaSetCreateError",
                NAME,
                msg,
            );
            Err(())
        }
    }
}
