//! The HorizontalPodAutoscaler controller
//! (`pkg/controller/podautoscaler/horizontal.go`), for CPU utilization
//! targets (`autoscaling/v2` Resource metrics, or the v1
//! `targetCPUUtilizationPercentage`), without `spec.behavior`.
//!
//! Every HPA is reconciled every sync period (15 s,
//! `--horizontal-pod-autoscaler-sync-period`; the first time one period
//! after it appears, as the rate-limited queue does). A reconcile reads the
//! target's scale (Deployment, ReplicaSet or StatefulSet `spec.replicas` and
//! selector), clamps it into [min, max] or asks the replica calculator
//! ([`calc`]), stabilizes scale-downs over the last 5 minutes of
//! recommendations (`--horizontal-pod-autoscaler-downscale-stabilization`),
//! limits scale-ups to max(2 × current, 4), writes the target's replicas
//! and the HPA status, and records `SuccessfulRescale`. Status conditions
//! and `currentMetrics` are not modelled.

pub mod calc;

use super::{Controller, Ctx};
use crate::api::policy::MetricSpec;
use crate::api::{Deployment, HorizontalPodAutoscaler, Kind, ObjectMeta, ReplicaSet, StatefulSet, Time};
use crate::collections::FxMap;
use crate::events::EventType;
use crate::labels::Selector;
use crate::store::{Change, ChangeOp, Key, ObjectKey, Store, Stored, object_key, typed_key};

/// `--horizontal-pod-autoscaler-sync-period`.
pub const SYNC_PERIOD_MS: i64 = 15_000;
/// `--horizontal-pod-autoscaler-downscale-stabilization`.
pub const DOWNSCALE_STABILIZATION_MS: i64 = 5 * 60 * 1000;
/// The CPU target of an HPA that names none (the API default).
pub const DEFAULT_TARGET_CPU_UTILIZATION: i32 = 80;
/// `scaleUpLimitFactor`.
const SCALE_UP_LIMIT_FACTOR: i32 = 2;
/// `scaleUpLimitMinimum`.
const SCALE_UP_LIMIT_MINIMUM: i32 = 4;

const NAME: &str = "horizontal-pod-autoscaler";

/// The HPA controller.
pub struct HpaController {
    /// When each HPA is next reconciled.
    due: FxMap<ObjectKey, Time>,
    /// Recent recommendations per HPA (`a.recommendations`).
    recommendations: FxMap<ObjectKey, Vec<(i32, Time)>>,
    sync_period_ms: i64,
    stabilization_ms: i64,
}

impl Default for HpaController {
    fn default() -> Self {
        HpaController::new(SYNC_PERIOD_MS, DOWNSCALE_STABILIZATION_MS)
    }
}

/// A target's scale subresource.
struct Scale {
    key: ObjectKey,
    replicas: i32,
    selector: Selector,
}

fn scale_of<T: Stored>(
    store: &Store,
    meta: &ObjectMeta,
    name: &str,
    resource: &str,
    read: impl Fn(&T) -> (i32, Selector),
) -> Result<Scale, String> {
    let key: Option<Key<T>> = store.lookup(meta.namespace.as_str(), name);
    let obj = key.and_then(|k| store.get(k).map(|o| (k, o)));
    match obj {
        Some((k, o)) => {
            let (replicas, selector) = read(o);
            Ok(Scale {
                key: object_key(k),
                replicas,
                selector,
            })
        }
        None => Err(format!("{resource} {name:?} not found")),
    }
}

/// The target's scale (`scaleForResourceMappings`).
fn get_scale(store: &Store, hpa: &HorizontalPodAutoscaler) -> Result<Scale, String> {
    let r = &hpa.spec.scale_target_ref;
    let name = r.name.as_str();
    let meta = &hpa.metadata;
    match r.kind.as_str() {
        "Deployment" => scale_of::<Deployment>(store, meta, name, "deployments.apps", |d| {
            (d.spec.replicas, d.spec.selector.selector().clone())
        }),
        "ReplicaSet" => scale_of::<ReplicaSet>(store, meta, name, "replicasets.apps", |d| {
            (d.spec.replicas, d.spec.selector.selector().clone())
        }),
        "StatefulSet" => scale_of::<StatefulSet>(store, meta, name, "statefulsets.apps", |d| {
            (d.spec.replicas, d.spec.selector.selector().clone())
        }),
        other => {
            let group = r
                .api_version
                .map(|v| v.as_str().rsplit_once('/').map_or("", |(g, _)| g).to_owned())
                .unwrap_or_default();
            Err(format!("no matches for kind {other:?} in group {group:?}"))
        }
    }
}

/// Writes the target's `spec.replicas` (the scale subresource's update).
fn set_scale(store: &mut Store, key: ObjectKey, replicas: i32) -> Result<(), String> {
    let res = if let Some(k) = typed_key::<Deployment>(key) {
        store.update(k, |d| d.spec.replicas = replicas)
    } else if let Some(k) = typed_key::<ReplicaSet>(key) {
        store.update(k, |d| d.spec.replicas = replicas)
    } else if let Some(k) = typed_key::<StatefulSet>(key) {
        store.update(k, |d| d.spec.replicas = replicas)
    } else {
        return Err("unsupported target".into());
    };
    res.map_err(|e| e.to_string())
}

/// The CPU utilization targets of an HPA (the v1 field as one metric).
fn cpu_targets(hpa: &HorizontalPodAutoscaler) -> Vec<Result<i32, String>> {
    if hpa.spec.metrics.is_empty() {
        return vec![Ok(hpa
            .spec
            .target_cpu_utilization_percentage
            .unwrap_or(DEFAULT_TARGET_CPU_UTILIZATION))];
    }
    hpa.spec.metrics.iter().map(metric_target).collect()
}

fn metric_target(m: &MetricSpec) -> Result<i32, String> {
    let ty = m.type_.as_str();
    match (ty, &m.resource) {
        ("Resource", Some(r)) if r.name.as_str() == "cpu" => r.target.average_utilization.ok_or_else(|| {
            "invalid resource metric source: neither a utilization target nor a value target was set".into()
        }),
        ("Resource", Some(r)) => Err(format!(
            "failed to get {} utilization: unable to get metrics for resource {}: no metrics returned from resource metrics API",
            r.name, r.name
        )),
        _ => Err(format!(
            "failed to get {ty} metric: the server could not find the requested resource"
        )),
    }
}

impl Controller for HpaController {
    fn name(&self) -> &'static str {
        NAME
    }

    fn observe(&mut self, store: &Store, change: &Change, enqueue: &mut dyn FnMut(ObjectKey)) {
        if change.key.kind != Kind::HorizontalPodAutoscaler {
            return;
        }
        match change.op {
            ChangeOp::Added => {
                self.due
                    .insert(change.key, store.now().plus_millis(self.sync_period_ms));
                enqueue(change.key);
            }
            ChangeOp::Deleted(_) => {
                self.due.remove(&change.key);
                self.recommendations.remove(&change.key);
            }
            ChangeOp::Modified => {}
        }
    }

    fn sync(&mut self, ctx: &mut Ctx<'_>, key: ObjectKey) {
        let Some(hk) = typed_key::<HorizontalPodAutoscaler>(key) else {
            return;
        };
        if ctx.store.get(hk).is_none() {
            return;
        }
        let due = *self.due.entry(key).or_insert(ctx.now);
        if ctx.now < due {
            ctx.requeue_after(key, due.since(ctx.now));
            return;
        }
        self.due.insert(key, ctx.now.plus_millis(self.sync_period_ms));
        ctx.requeue_after(key, self.sync_period_ms);
        self.reconcile(ctx, hk);
    }
}

impl HpaController {
    /// A controller with the given sync period and downscale stabilization window.
    pub fn new(sync_period_ms: i64, stabilization_ms: i64) -> HpaController {
        HpaController {
            due: FxMap::default(),
            recommendations: FxMap::default(),
            sync_period_ms,
            stabilization_ms,
        }
    }

    fn event(
        ctx: &mut Ctx<'_>,
        hpa: &HorizontalPodAutoscaler,
        warning: bool,
        reason: &'static str,
        msg: String,
    ) {
        let t = if warning {
            EventType::Warning
        } else {
            EventType::Normal
        };
        ctx.event(Kind::HorizontalPodAutoscaler, &hpa.metadata, t, reason, NAME, msg);
    }

    /// `reconcileAutoscaler`.
    fn reconcile(&mut self, ctx: &mut Ctx<'_>, key: Key<HorizontalPodAutoscaler>) {
        let Some(hpa) = ctx.store.get(key) else { return };
        let hpa = hpa.clone();
        let okey = object_key(key);
        let scale = match get_scale(ctx.store, &hpa) {
            Ok(s) => s,
            Err(e) => {
                Self::event(ctx, &hpa, true, "FailedGetScale", e);
                return;
            }
        };
        let current = scale.replicas;
        self.recommendations
            .entry(okey)
            .or_insert_with(|| vec![(current, ctx.now)]);
        let min = hpa.spec.min_replicas.unwrap_or(1);
        let max = hpa.spec.max_replicas;
        let mut reason = String::new();
        let mut desired;
        let rescale;
        if current == 0 && min != 0 {
            desired = 0;
            rescale = false;
        } else if current > max {
            reason = "Current number of replicas above Spec.MaxReplicas".into();
            desired = max;
            rescale = desired != current;
        } else if current < min {
            reason = "Current number of replicas below Spec.MinReplicas".into();
            desired = min;
            rescale = desired != current;
        } else {
            let (proposal, metric) = match self.replicas_for_metrics(ctx, &hpa, &scale) {
                Ok(p) => p,
                Err(e) => {
                    Self::event(ctx, &hpa, true, "FailedComputeMetricsReplicas", e);
                    self.set_status(ctx, key, &hpa, current, hpa.status.desired_replicas, false);
                    return;
                }
            };
            desired = 0;
            let mut rescale_metric = String::new();
            if proposal > desired {
                desired = proposal;
                rescale_metric = metric;
            }
            if desired > current {
                reason = format!("{rescale_metric} above target");
            }
            if desired < current {
                reason = "All metrics below target".into();
            }
            desired = self.normalize(okey, current, desired, min, max, ctx.now);
            rescale = desired != current;
        }
        if rescale {
            if let Err(e) = set_scale(ctx.store, scale.key, desired) {
                Self::event(
                    ctx,
                    &hpa,
                    true,
                    "FailedRescale",
                    format!("New size: {desired}; reason: {reason}; error: {e}"),
                );
                self.set_status(ctx, key, &hpa, current, hpa.status.desired_replicas, false);
                return;
            }
            Self::event(
                ctx,
                &hpa,
                false,
                "SuccessfulRescale",
                format!("New size: {desired}; reason: {reason}"),
            );
        } else {
            desired = current;
        }
        self.set_status(ctx, key, &hpa, current, desired, rescale);
    }

    /// `computeReplicasForMetrics`: the largest proposal of the valid
    /// metrics; an error when all are invalid, or some are and the valid
    /// ones would scale down.
    fn replicas_for_metrics(
        &self,
        ctx: &mut Ctx<'_>,
        hpa: &HorizontalPodAutoscaler,
        scale: &Scale,
    ) -> Result<(i32, String), String> {
        let targets = cpu_targets(hpa);
        let total = targets.len();
        let mut replicas = 0;
        let mut metric = String::new();
        let mut invalid = 0;
        let mut first_error = None;
        for target in targets {
            let result = target.and_then(|t| {
                calc::resource_replicas(
                    ctx.store,
                    hpa.metadata.namespace,
                    &scale.selector,
                    scale.replicas,
                    t,
                    ctx.now,
                )
                .map_err(|e| format!("failed to get cpu utilization: {e}"))
            });
            match result {
                Ok(p) => {
                    if replicas == 0 || p.replicas > replicas {
                        replicas = p.replicas;
                        metric = "cpu resource utilization (percentage of request)".into();
                    }
                }
                Err(e) => {
                    Self::event(ctx, hpa, true, "FailedGetResourceMetric", e.clone());
                    if first_error.is_none() {
                        first_error = Some(format!("failed to get cpu resource metric value: {e}"));
                    }
                    invalid += 1;
                }
            }
        }
        if invalid >= total || (invalid > 0 && replicas < scale.replicas) {
            return Err(format!(
                "invalid metrics ({invalid} invalid out of {total}), first error is: {}",
                first_error.unwrap_or_default()
            ));
        }
        Ok((replicas, metric))
    }

    /// `normalizeDesiredReplicas`: stabilize, then apply the bounds and the
    /// scale-up limit (`convertDesiredReplicasWithRules`).
    fn normalize(
        &mut self,
        key: ObjectKey,
        current: i32,
        desired: i32,
        min: i32,
        max: i32,
        now: Time,
    ) -> i32 {
        let stabilized = self.stabilize(key, desired, now);
        let scale_up_limit = (SCALE_UP_LIMIT_FACTOR * current).max(SCALE_UP_LIMIT_MINIMUM);
        let maximum = max.min(scale_up_limit);
        if stabilized < min {
            min
        } else if stabilized > maximum {
            maximum
        } else {
            stabilized
        }
    }

    /// `stabilizeRecommendation`: the highest recommendation of the window;
    /// the new one replaces the last sample older than the window, or is appended.
    fn stabilize(&mut self, key: ObjectKey, desired: i32, now: Time) -> i32 {
        let cutoff = now.plus_millis(-self.stabilization_ms);
        let recs = self.recommendations.entry(key).or_default();
        let mut max = desired;
        let mut old = None;
        for (i, (rec, at)) in recs.iter().enumerate() {
            if *at < cutoff {
                old = Some(i);
            } else if *rec > max {
                max = *rec;
            }
        }
        match old {
            Some(i) => recs[i] = (desired, now),
            None => recs.push((desired, now)),
        }
        max
    }

    /// `setStatus` + `updateStatusIfNeeded`.
    fn set_status(
        &self,
        ctx: &mut Ctx<'_>,
        key: Key<HorizontalPodAutoscaler>,
        hpa: &HorizontalPodAutoscaler,
        current: i32,
        desired: i32,
        rescaled: bool,
    ) {
        let mut status = hpa.status.clone();
        status.current_replicas = current;
        status.desired_replicas = desired;
        if rescaled {
            status.last_scale_time = Some(ctx.now);
        }
        if status != hpa.status {
            let _ = ctx.store.update(key, |h| h.status = status);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k() -> ObjectKey {
        ObjectKey {
            kind: Kind::HorizontalPodAutoscaler,
            index: 0,
            generation: 0,
        }
    }

    #[test]
    fn stabilization_keeps_the_highest_recent_recommendation() {
        let mut c = HpaController::default();
        let t = |s: i64| Time::from_secs(s);
        assert_eq!(c.stabilize(k(), 6, t(0)), 6);
        assert_eq!(c.stabilize(k(), 3, t(15)), 6);
        assert_eq!(c.stabilize(k(), 2, t(299)), 6);
        // At 301 s the first sample (6 at 0 s) is older than 5 minutes.
        assert_eq!(c.stabilize(k(), 2, t(301)), 3);
    }

    #[test]
    fn scale_up_is_limited_to_double_or_four() {
        let n = |current, desired, min, max| {
            HpaController::default().normalize(k(), current, desired, min, max, Time::ZERO)
        };
        assert_eq!(n(1, 10, 1, 10), 4);
        assert_eq!(n(4, 20, 1, 10), 8);
        assert_eq!(n(8, 9, 1, 10), 9);
        assert_eq!(n(8, 20, 1, 10), 10);
        assert_eq!(n(8, 1, 3, 10), 3);
    }
}
