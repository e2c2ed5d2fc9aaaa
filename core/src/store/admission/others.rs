//! Admission of the remaining kinds (interim: being completed).

use super::{Admission, Admit};
use crate::api::*;
use crate::field::FieldError;

/// LimitRange defaults for a pod's containers (interim: none).
pub fn apply_limit_range_defaults(_pod: &mut Pod, _adm: &Admission<'_>) {}

/// LimitRange bounds for a pod (interim: none).
pub fn check_limit_ranges(_pod: &Pod, _adm: &Admission<'_>) -> Vec<FieldError> {
    Vec::new()
}

macro_rules! no_rules {
    ($($ty:ty),*) => {$(
        impl Admit for $ty {
            fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> { Vec::new() }
        }
    )*};
}
no_rules!(
    DaemonSet,
    StatefulSet,
    Job,
    CronJob,
    Service,
    Endpoints,
    ConfigMap,
    Secret,
    ServiceAccount,
    ResourceQuota,
    LimitRange,
    PriorityClass,
    PodDisruptionBudget,
    HorizontalPodAutoscaler,
    PersistentVolumeClaim
);
