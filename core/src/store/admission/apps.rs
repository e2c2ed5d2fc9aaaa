//! Admission of DaemonSets and StatefulSets (`pkg/apis/apps/validation`,
//! `pkg/apis/apps/v1/defaults.go`).

use super::common::{default_template, non_negative, same_template, validate_template_for};
use super::pod::mark_spec_validated;
use super::workloads::{DEFAULT_REVISION_HISTORY_LIMIT, is_zero, percent_or_int, selector_immutable};
use super::{Admission, Admit};
use crate::api::meta::IntOrString;
use crate::api::pod::RestartPolicy;
use crate::api::workloads::{
    PvcRetentionPolicy, RollingUpdateDaemonSet, RollingUpdateStatefulSet, UpdateStrategyType,
};
use crate::api::{DaemonSet, StatefulSet};
use crate::field::{FieldError, FieldPath};
use crate::intern::Symbol;
use crate::validation;

/// `IsNotMoreThan100Percent`.
pub fn not_more_than_100(v: &IntOrString, path: &FieldPath, errs: &mut Vec<FieldError>) {
    if v.percent().is_some_and(|p| p > 100) {
        errs.push(FieldError::invalid(
            path.clone(),
            v.to_string(),
            "must not be greater than 100%",
        ));
    }
}

/// A template's `activeDeadlineSeconds` is not supported by the kind: an
/// Invalid error for DaemonSets, a Forbidden one for StatefulSets (as upstream
/// words them).
fn active_deadline_forbidden(
    kind: &str,
    spec: &crate::api::pod::PodTemplateSpec,
    path: &FieldPath,
) -> Option<FieldError> {
    spec.spec.active_deadline_seconds.map(|v| {
        let p = path
            .child("template")
            .child("spec")
            .child("activeDeadlineSeconds");
        let msg = format!("activeDeadlineSeconds in {kind} is not Supported");
        if kind == "DaemonSet" {
            FieldError::invalid(p, v, msg)
        } else {
            FieldError::forbidden(p, msg)
        }
    })
}

impl Admit for DaemonSet {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        default_template(&mut self.spec.template, adm);
        if self.metadata.labels.is_empty() {
            self.metadata.labels = self.spec.template.metadata.labels.clone();
        }
        let strategy = &mut self.spec.update_strategy;
        if strategy.type_ == UpdateStrategyType::RollingUpdate {
            let ru = strategy
                .rolling_update
                .get_or_insert_with(RollingUpdateDaemonSet::default);
            ru.max_unavailable.get_or_insert(IntOrString::Int(1));
            ru.max_surge.get_or_insert(IntOrString::Int(0));
        }
        self.spec
            .revision_history_limit
            .get_or_insert(DEFAULT_REVISION_HISTORY_LIMIT);
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let mut errs = validate_template_for(
            Some("daemonset"),
            &spec.selector,
            &spec.template,
            &path,
            &[RestartPolicy::Always],
            true,
        );
        errs.extend(active_deadline_forbidden("DaemonSet", &spec.template, &path));
        errs.extend(non_negative(
            i64::from(spec.min_ready_seconds),
            &path.child("minReadySeconds"),
        ));
        let sp = path.child("updateStrategy");
        match (spec.update_strategy.type_, &spec.update_strategy.rolling_update) {
            (UpdateStrategyType::RollingUpdate, None) => {
                errs.push(FieldError::required(sp.child("rollingUpdate"), ""))
            }
            (UpdateStrategyType::RollingUpdate, Some(ru)) => {
                // ValidateRollingUpdateDaemonSet: exactly one of the two is non-zero.
                let rp = sp.child("rollingUpdate");
                for (field, v) in [
                    ("maxUnavailable", &ru.max_unavailable),
                    ("maxSurge", &ru.max_surge),
                ] {
                    if let Some(v) = v {
                        percent_or_int(v, &rp.child(field), &mut errs);
                        not_more_than_100(v, &rp.child(field), &mut errs);
                    }
                }
                match (!is_zero(&ru.max_unavailable), !is_zero(&ru.max_surge)) {
                    (true, true) => errs.push(FieldError::invalid(
                        rp.child("maxSurge"),
                        ru.max_surge.as_ref().map_or(String::new(), ToString::to_string),
                        "may not be set when maxUnavailable is non-zero",
                    )),
                    (false, false) => errs.push(FieldError::required(
                        rp.child("maxUnavailable"),
                        "cannot be 0 when maxSurge is 0",
                    )),
                    _ => {}
                }
            }
            (UpdateStrategyType::OnDelete, _) => {}
        }
        if let Some(limit) = spec.revision_history_limit {
            errs.extend(non_negative(
                i64::from(limit),
                &path.child("revisionHistoryLimit"),
            ));
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = self.validate(adm);
        errs.extend(selector_immutable(
            &self.spec.selector,
            &old.spec.selector,
            &FieldPath::new("spec.selector"),
        ));
        errs
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec.template.spec);
    }

    fn spec_changed(&self, old: &Self) -> bool {
        let (a, b) = (&self.spec, &old.spec);
        a.selector != b.selector
            || a.update_strategy != b.update_strategy
            || a.min_ready_seconds != b.min_ready_seconds
            || a.revision_history_limit != b.revision_history_limit
            || !same_template(&a.template, &b.template)
    }
}

const RETAIN: &str = "Retain";
const DELETE: &str = "Delete";

impl Admit for StatefulSet {
    fn admit_defaults(&mut self, adm: &mut Admission<'_>) {
        default_template(&mut self.spec.template, adm);
        if self.metadata.labels.is_empty() {
            self.metadata.labels = self.spec.template.metadata.labels.clone();
        }
        let spec = &mut self.spec;
        if spec.update_strategy.type_ == UpdateStrategyType::RollingUpdate {
            spec.update_strategy
                .rolling_update
                .get_or_insert_with(RollingUpdateStatefulSet::default);
        }
        let policy = spec
            .persistent_volume_claim_retention_policy
            .get_or_insert_with(PvcRetentionPolicy::default);
        policy.when_deleted.get_or_insert(Symbol::intern(RETAIN));
        policy.when_scaled.get_or_insert(Symbol::intern(RETAIN));
        spec.revision_history_limit
            .get_or_insert(DEFAULT_REVISION_HISTORY_LIMIT);
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let spec = &self.spec;
        let path = FieldPath::new("spec");
        let mut errs = Vec::new();
        let sp = path.child("updateStrategy");
        match (spec.update_strategy.type_, &spec.update_strategy.rolling_update) {
            (UpdateStrategyType::OnDelete, Some(_)) => errs.push(FieldError::invalid(
                sp.child("rollingUpdate"),
                "",
                "only allowed for updateStrategy 'RollingUpdate'",
            )),
            (UpdateStrategyType::RollingUpdate, Some(ru)) => {
                let rp = sp.child("rollingUpdate");
                errs.extend(non_negative(i64::from(ru.partition), &rp.child("partition")));
                if let Some(v) = &ru.max_unavailable {
                    let mp = rp.child("maxUnavailable");
                    percent_or_int(v, &mp, &mut errs);
                    if is_zero(&ru.max_unavailable) {
                        errs.push(FieldError::invalid(
                            mp.clone(),
                            v.to_string(),
                            "must be greater than 0",
                        ));
                    }
                    not_more_than_100(v, &mp, &mut errs);
                }
            }
            _ => {}
        }
        if let Some(p) = &spec.persistent_volume_claim_retention_policy {
            let pp = path.child("persistentVolumeClaimRetentionPolicy");
            for (field, v) in [("whenDeleted", p.when_deleted), ("whenScaled", p.when_scaled)] {
                if let Some(v) = v
                    && v.as_str() != RETAIN
                    && v.as_str() != DELETE
                {
                    errs.push(FieldError::not_supported(
                        pp.child(field),
                        v.as_str(),
                        &[RETAIN, DELETE],
                    ));
                }
            }
        }
        if let Some(o) = &spec.ordinals {
            errs.extend(non_negative(i64::from(o.start), &path.child("ordinals.start")));
        }
        errs.extend(non_negative(i64::from(spec.replicas), &path.child("replicas")));
        errs.extend(non_negative(
            i64::from(spec.min_ready_seconds),
            &path.child("minReadySeconds"),
        ));
        errs.extend(validate_template_for(
            Some("statefulset"),
            &spec.selector,
            &spec.template,
            &path,
            &[RestartPolicy::Always],
            true,
        ));
        errs.extend(active_deadline_forbidden("StatefulSet", &spec.template, &path));
        if let Some(limit) = spec.revision_history_limit {
            errs.extend(non_negative(
                i64::from(limit),
                &path.child("revisionHistoryLimit"),
            ));
        }
        for (i, claim) in spec.volume_claim_templates.iter().enumerate() {
            let np = path
                .child("volumeClaimTemplates")
                .index(i)
                .child("metadata")
                .child("name");
            let name = claim.metadata.name.to_string();
            if name.is_empty() {
                errs.push(FieldError::required(np, "name or generateName is required"));
            } else {
                for msg in validation::dns1123_subdomain(&name) {
                    errs.push(FieldError::invalid(np.clone(), &name, msg));
                }
            }
        }
        errs
    }

    /// `ValidateStatefulSetUpdate`: only replicas, ordinals, template,
    /// updateStrategy, revisionHistoryLimit, the claim retention policy and
    /// minReadySeconds may change.
    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = self.validate(adm);
        let mut clone = self.spec.clone();
        let o = &old.spec;
        clone.replicas = o.replicas;
        clone.template = o.template.clone();
        clone.update_strategy = o.update_strategy.clone();
        clone.min_ready_seconds = o.min_ready_seconds;
        clone.ordinals = o.ordinals.clone();
        clone.revision_history_limit = o.revision_history_limit;
        clone.persistent_volume_claim_retention_policy = o.persistent_volume_claim_retention_policy.clone();
        if clone != *o {
            errs.push(FieldError::forbidden(
                FieldPath::new("spec"),
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
            ));
        }
        errs
    }

    fn mark_validated(&mut self) {
        mark_spec_validated(&mut self.spec.template.spec);
    }

    fn spec_changed(&self, old: &Self) -> bool {
        let (a, b) = (&self.spec, &old.spec);
        let mut x = a.clone();
        x.template = b.template.clone();
        x != *b || !same_template(&a.template, &b.template)
    }
}

#[cfg(test)]
mod tests {
    use crate::api::meta::IntOrString;
    use crate::api::pod::{Container, PodSpec, PodTemplateSpec, RestartPolicy, TemplateMeta};
    use crate::api::workloads::UpdateStrategyType;
    use crate::api::*;
    use crate::intern::Symbol;
    use crate::labels::Labels;
    use crate::store::{ApiError, Store};
    use std::sync::Arc;

    fn template(restart: RestartPolicy) -> PodTemplateSpec {
        PodTemplateSpec {
            metadata: TemplateMeta {
                labels: Labels::parse("app=web").unwrap(),
                ..TemplateMeta::default()
            },
            spec: Arc::new(PodSpec {
                containers: vec![Container {
                    name: Symbol::intern("c"),
                    image: Symbol::intern("nginx"),
                    ..Container::default()
                }],
                restart_policy: restart,
                ..PodSpec::default()
            }),
        }
    }

    fn ds() -> DaemonSet {
        let mut d = DaemonSet {
            metadata: ObjectMeta::named("default", "agent"),
            ..DaemonSet::default()
        };
        d.spec.selector = PodSelector::match_labels(Labels::parse("app=web").unwrap());
        d.spec.template = template(RestartPolicy::Always);
        d
    }

    fn errors(e: ApiError) -> Vec<String> {
        e.field_errors().iter().map(ToString::to_string).collect()
    }

    #[test]
    fn daemonset_defaults_and_rules() {
        let mut store = Store::new(1);
        let key = store.create(ds()).unwrap();
        let d = store.get(key).unwrap();
        let ru = d.spec.update_strategy.rolling_update.as_ref().unwrap();
        assert_eq!(ru.max_unavailable, Some(IntOrString::Int(1)));
        assert_eq!(ru.max_surge, Some(IntOrString::Int(0)));
        assert_eq!(d.spec.revision_history_limit, Some(10));
        assert_eq!(d.metadata.labels, Labels::parse("app=web").unwrap());

        let mut both = ds();
        both.metadata.name = Name::new("both");
        both.spec.update_strategy.rolling_update = Some(Default::default());
        let ru = both.spec.update_strategy.rolling_update.as_mut().unwrap();
        ru.max_surge = Some(IntOrString::Int(1));
        assert_eq!(
            errors(store.create(both.clone()).unwrap_err()),
            [
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"1\": may not be set when maxUnavailable is non-zero"
            ]
        );
        let ru = both.spec.update_strategy.rolling_update.as_mut().unwrap();
        ru.max_unavailable = Some(IntOrString::Int(0));
        ru.max_surge = Some(IntOrString::String(Symbol::intern("0%")));
        assert_eq!(
            errors(store.create(both.clone()).unwrap_err()),
            [
                "spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0"
            ]
        );
        let ru = both.spec.update_strategy.rolling_update.as_mut().unwrap();
        ru.max_surge = Some(IntOrString::String(Symbol::intern("150%")));
        assert_eq!(
            errors(store.create(both).unwrap_err()),
            [
                "spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"150%\": must not be greater than 100%"
            ]
        );

        let mut never = ds();
        never.metadata.name = Name::new("never");
        never.spec.template = template(RestartPolicy::Never);
        assert_eq!(
            errors(store.create(never).unwrap_err()),
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]
        );

        let mut empty = ds();
        empty.metadata.name = Name::new("empty");
        empty.spec.selector = PodSelector::match_labels(Labels::new());
        assert!(errors(store.create(empty).unwrap_err()).contains(
            &"spec.selector: Invalid value: \"\": empty selector is invalid for daemonset".to_string()
        ));

        let err = store
            .update(key, |d| {
                d.spec.selector = PodSelector::match_labels(Labels::parse("app=web,x=y").unwrap());
                d.spec.template.metadata.labels = Labels::parse("app=web,x=y").unwrap();
            })
            .unwrap_err();
        assert_eq!(
            errors(err),
            ["spec.selector: Invalid value: \"app=web,x=y\": field is immutable"]
        );
    }

    fn sts() -> StatefulSet {
        let mut s = StatefulSet {
            metadata: ObjectMeta::named("default", "db"),
            ..StatefulSet::default()
        };
        s.spec.selector = PodSelector::match_labels(Labels::parse("app=web").unwrap());
        s.spec.template = template(RestartPolicy::Always);
        s
    }

    #[test]
    fn statefulset_defaults_and_rules() {
        let mut store = Store::new(1);
        let key = store.create(sts()).unwrap();
        let s = store.get(key).unwrap();
        assert_eq!(s.spec.update_strategy.type_, UpdateStrategyType::RollingUpdate);
        assert_eq!(
            s.spec.update_strategy.rolling_update.as_ref().unwrap().partition,
            0
        );
        assert_eq!(s.spec.revision_history_limit, Some(10));
        let policy = s.spec.persistent_volume_claim_retention_policy.as_ref().unwrap();
        assert_eq!(policy.when_deleted.unwrap().as_str(), "Retain");

        let mut bad = sts();
        bad.metadata.name = Name::new("bad");
        bad.spec.replicas = -1;
        bad.spec.ordinals = Some(Default::default());
        bad.spec.ordinals.as_mut().unwrap().start = -2;
        bad.spec.update_strategy.rolling_update = Some(Default::default());
        bad.spec
            .update_strategy
            .rolling_update
            .as_mut()
            .unwrap()
            .partition = -1;
        assert_eq!(
            errors(store.create(bad).unwrap_err()),
            [
                "spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0",
                "spec.ordinals.start: Invalid value: -2: must be greater than or equal to 0",
                "spec.replicas: Invalid value: -1: must be greater than or equal to 0",
            ]
        );

        let mut claims = sts();
        claims.metadata.name = Name::new("claims");
        claims.spec.volume_claim_templates.push(PersistentVolumeClaim {
            metadata: ObjectMeta::named("default", "Data"),
            ..PersistentVolumeClaim::default()
        });
        assert_eq!(errors(store.create(claims).unwrap_err()).len(), 1);

        // replicas and the template may change; serviceName may not.
        store.update(key, |s| s.spec.replicas = 3).unwrap();
        assert_eq!(store.get(key).unwrap().metadata.generation, 2);
        let err = store
            .update(key, |s| s.spec.service_name = Symbol::intern("other"))
            .unwrap_err();
        assert_eq!(
            errors(err),
            [
                "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"
            ]
        );
    }
}
