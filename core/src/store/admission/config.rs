//! Admission of ConfigMaps, Secrets and ServiceAccounts (`ValidateConfigMap`,
//! `ValidateSecret` and their updates in `pkg/apis/core/validation`).

use std::collections::BTreeMap;

use super::base64;
use super::{Admission, Admit};
use crate::api::{ConfigMap, Secret, ServiceAccount};
use crate::field::{FieldError, FieldPath};
use crate::validation;

/// Largest total size of a ConfigMap's or Secret's data (`MaxSecretSize`).
pub const MAX_SECRET_SIZE: usize = 1024 * 1024;

const IMMUTABLE_MSG: &str = "field is immutable when `immutable` is set";

fn keys(map: &BTreeMap<String, String>, path: &FieldPath, errs: &mut Vec<FieldError>) {
    for key in map.keys() {
        for msg in validation::config_map_key(key) {
            errs.push(FieldError::invalid(path.key(key), key, msg));
        }
    }
}

/// The immutable rule: once `immutable: true`, it stays and the data do not change.
fn immutable_rule(
    new: Option<bool>,
    old: Option<bool>,
    same_data: &[(&str, bool)],
    errs: &mut Vec<FieldError>,
) {
    if old != Some(true) {
        return;
    }
    if new != Some(true) {
        errs.push(FieldError::forbidden(FieldPath::new("immutable"), IMMUTABLE_MSG));
    }
    for (field, same) in same_data {
        if !same {
            errs.push(FieldError::forbidden(FieldPath::new(field), IMMUTABLE_MSG));
        }
    }
}

impl Admit for ConfigMap {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let data = FieldPath::new("data");
        let binary = FieldPath::new("binaryData");
        let mut total = 0;
        for (key, value) in &self.data {
            for msg in validation::config_map_key(key) {
                errs.push(FieldError::invalid(data.key(key), key, msg));
            }
            if self.binary_data.contains_key(key) {
                errs.push(FieldError::invalid(
                    data.key(key),
                    key,
                    "duplicate of key present in binaryData",
                ));
            }
            total += value.len();
        }
        keys(&self.binary_data, &binary, &mut errs);
        for (key, value) in &self.binary_data {
            match base64::decode(value) {
                Ok(bytes) => total += bytes.len(),
                Err(msg) => errs.push(FieldError {
                    field: binary.key(key),
                    error_type: crate::field::ErrorType::Invalid,
                    value: None,
                    detail: msg,
                }),
            }
        }
        if total > MAX_SECRET_SIZE {
            errs.push(FieldError::too_long(FieldPath::new(""), MAX_SECRET_SIZE));
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        immutable_rule(
            self.immutable,
            old.immutable,
            &[
                ("data", self.data == old.data),
                ("binaryData", self.binary_data == old.binary_data),
            ],
            &mut errs,
        );
        errs.extend(self.validate(adm));
        errs
    }
}

/// Secret types and the keys they require (`ValidateSecret`).
const SERVICE_ACCOUNT_TOKEN: &str = "kubernetes.io/service-account-token";
const BASIC_AUTH: &str = "kubernetes.io/basic-auth";
const SSH_AUTH: &str = "kubernetes.io/ssh-auth";
const TLS: &str = "kubernetes.io/tls";

impl Admit for Secret {
    fn admit_defaults(&mut self, _adm: &mut Admission<'_>) {
        if self.type_.as_deref().is_none_or(str::is_empty) {
            self.type_ = Some("Opaque".into());
        }
        // The v1 conversion: stringData overrides data, and is not stored.
        for (k, v) in std::mem::take(&mut self.string_data) {
            self.data.insert(k, base64::encode(v.as_bytes()));
        }
    }

    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        let data = FieldPath::new("data");
        keys(&self.data, &data, &mut errs);
        let mut total = 0;
        let mut decoded = BTreeMap::new();
        for (key, value) in &self.data {
            match base64::decode(value) {
                Ok(bytes) => {
                    total += bytes.len();
                    decoded.insert(key.as_str(), bytes.len());
                }
                Err(msg) => errs.push(FieldError {
                    field: data.key(key),
                    error_type: crate::field::ErrorType::Invalid,
                    value: None,
                    detail: msg,
                }),
            }
        }
        if total > MAX_SECRET_SIZE {
            errs.push(FieldError::too_long(data.clone(), MAX_SECRET_SIZE));
        }
        match self.type_.as_deref().unwrap_or("") {
            SERVICE_ACCOUNT_TOKEN => {
                let key = "kubernetes.io/service-account.name";
                if self.metadata.annotations.get(key).is_none_or(str::is_empty) {
                    errs.push(FieldError::required(
                        FieldPath::new("metadata").child("annotations").key(key),
                        "",
                    ));
                }
            }
            BASIC_AUTH if !self.data.contains_key("username") && !self.data.contains_key("password") => {
                errs.push(FieldError::required(data.key("username"), ""));
                errs.push(FieldError::required(data.key("password"), ""));
            }
            SSH_AUTH if decoded.get("ssh-privatekey").is_none_or(|n| *n == 0) => {
                errs.push(FieldError::required(data.key("ssh-privatekey"), ""));
            }
            TLS => {
                for key in ["tls.crt", "tls.key"] {
                    if !self.data.contains_key(key) {
                        errs.push(FieldError::required(data.key(key), ""));
                    }
                }
            }
            _ => {}
        }
        errs
    }

    fn validate_update(&self, old: &Self, adm: &Admission<'_>) -> Vec<FieldError> {
        let mut errs = Vec::new();
        if self.type_ != old.type_ {
            errs.push(FieldError::invalid(
                FieldPath::new("type"),
                self.type_.as_deref().unwrap_or(""),
                "field is immutable",
            ));
        }
        immutable_rule(
            self.immutable,
            old.immutable,
            &[("data", self.data == old.data)],
            &mut errs,
        );
        errs.extend(self.validate(adm));
        errs
    }
}

impl Admit for ServiceAccount {
    fn validate(&self, _adm: &Admission<'_>) -> Vec<FieldError> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ObjectMeta;
    use crate::api::name::Name;
    use crate::store::{ApiError, Store};

    fn errors(e: ApiError) -> Vec<String> {
        e.field_errors().iter().map(ToString::to_string).collect()
    }

    fn cm(name: &str) -> ConfigMap {
        ConfigMap {
            metadata: ObjectMeta::named("default", name),
            ..ConfigMap::default()
        }
    }

    #[test]
    fn config_map_rules() {
        let mut store = Store::new(1);
        let mut c = cm("app");
        c.data.insert("app.properties".into(), "a=b".into());
        c.binary_data.insert("logo".into(), base64::encode(b"\x89PNG"));
        let key = store.create(c).unwrap();

        let mut bad = cm("bad");
        bad.data.insert("..x".into(), String::new());
        bad.data.insert("both".into(), String::new());
        bad.binary_data.insert("both".into(), String::new());
        assert_eq!(
            errors(store.create(bad).unwrap_err()),
            [
                "data[..x]: Invalid value: \"..x\": must not start with '..'",
                "data[both]: Invalid value: \"both\": duplicate of key present in binaryData",
            ]
        );
        let mut big = cm("big");
        big.data.insert("a".into(), "x".repeat(MAX_SECRET_SIZE));
        big.data.insert("b".into(), "y".into());
        assert_eq!(
            errors(store.create(big).unwrap_err()),
            [": Too long: may not be more than 1048576 bytes"]
        );

        store.update(key, |c| c.immutable = Some(true)).unwrap();
        let err = store
            .update(key, |c| {
                c.data.insert("new".into(), "v".into());
            })
            .unwrap_err();
        assert_eq!(
            errors(err),
            ["data: Forbidden: field is immutable when `immutable` is set"]
        );
        let err = store.update(key, |c| c.immutable = Some(false)).unwrap_err();
        assert_eq!(
            errors(err),
            ["immutable: Forbidden: field is immutable when `immutable` is set"]
        );
    }

    #[test]
    fn secret_rules() {
        let mut store = Store::new(1);
        let mut s = Secret {
            metadata: ObjectMeta::named("default", "creds"),
            ..Secret::default()
        };
        s.string_data.insert("password".into(), "hunter2".into());
        s.data.insert("user".into(), base64::encode(b"admin"));
        let key = store.create(s.clone()).unwrap();
        let stored = store.get(key).unwrap();
        assert_eq!(stored.type_.as_deref(), Some("Opaque"));
        assert!(stored.string_data.is_empty());
        assert_eq!(stored.data["password"], "aHVudGVyMg==");
        assert_eq!(stored.data["user"], "YWRtaW4=");

        s.metadata.name = Name::new("bad");
        s.data.insert("user".into(), "not base64!".into());
        assert_eq!(
            errors(store.create(s.clone()).unwrap_err()),
            ["data[user]: Invalid value: illegal base64 data at input byte 3"]
        );
        s.data.clear();
        s.string_data.clear();
        s.type_ = Some(TLS.into());
        assert_eq!(
            errors(store.create(s).unwrap_err()),
            ["data[tls.crt]: Required value", "data[tls.key]: Required value"]
        );

        store.update(key, |s| s.immutable = Some(true)).unwrap();
        let err = store
            .update(key, |s| {
                s.string_data.insert("password".into(), "changed".into());
            })
            .unwrap_err();
        assert_eq!(
            errors(err),
            ["data: Forbidden: field is immutable when `immutable` is set"]
        );
        let err = store.update(key, |s| s.type_ = Some(TLS.into())).unwrap_err();
        assert!(errors(err)[0].starts_with("type: Invalid value: \"kubernetes.io/tls\": field is immutable"));
    }

    #[test]
    fn service_account_names() {
        let mut store = Store::new(1);
        let sa = |n: &str| ServiceAccount {
            metadata: ObjectMeta::named("default", n),
        };
        store.create(sa("builder")).unwrap();
        assert_eq!(errors(store.create(sa("Builder")).unwrap_err()).len(), 1);
    }
}
