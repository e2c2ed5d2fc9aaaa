//! Loading a scenario: read the document (YAML or JSON) with located
//! errors, apply `--set` overrides, check it, read every file it refers to,
//! and dry-run every object through admission on a scratch store, so that
//! bad input fails before anything runs or is written.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use kubesim::api::{AnyObject, Namespace, ObjectMeta};
use kubesim::manifest::{ManifestObject, decode_document, parse_manifests};
use kubesim::rng::Rng;
use kubesim::store::{ApiError, Store};
use serde_json::Value;

use super::format::{ScenarioFile, Workload};
use super::overrides::{self, Override};
use super::steps::Op;
use super::{Input, Origin, Scenario, Sourced, validate, workloads};
use crate::error::{Failure, Located, Result, input};
use crate::replay::{self, Trace};

/// Creates namespace `ns` if it does not exist. Returns whether it did.
pub fn ensure_namespace(store: &mut Store, ns: &str) -> Result<bool, ApiError> {
    if ns.is_empty() || store.lookup::<Namespace>("", ns).is_some() {
        return Ok(false);
    }
    store.create(Namespace {
        metadata: ObjectMeta::named("", ns),
        ..Namespace::default()
    })?;
    Ok(true)
}

/// The namespace an object will land in (`default` when unset).
pub fn namespace_of(obj: &AnyObject) -> Option<String> {
    if !obj.kind().is_namespaced() {
        return None;
    }
    let ns = obj.metadata().namespace.as_str();
    Some(if ns.is_empty() { "default" } else { ns }.to_owned())
}

/// Reads the files at `rel`: one file, or every `.yaml`, `.yml` and `.json`
/// file of a folder (sorted by name). Returns (name for errors, text) pairs.
fn read_ref(origin: &Origin, rel: &str) -> std::result::Result<Vec<(String, String)>, String> {
    let path = match origin {
        Origin::Preset(_) => {
            return crate::presets::data(rel)
                .map(|t| vec![(format!("preset:{rel}"), t.to_owned())])
                .ok_or_else(|| format!("no file {rel:?} among the preset's data"));
        }
        Origin::File(p) => p.parent().unwrap_or(Path::new(".")).join(rel),
        Origin::Flags => PathBuf::from(rel),
    };
    let shown = path.display().to_string();
    if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&path)
            .map_err(|e| format!("cannot read folder {shown}: {e}"))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.is_file()
                    && p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(format!("no manifests (.yaml, .yml, .json) in folder {shown}"));
        }
        files
            .into_iter()
            .map(|f| {
                let s = f.display().to_string();
                std::fs::read_to_string(&f)
                    .map(|t| (s.clone(), t))
                    .map_err(|e| format!("cannot read {s}: {e}"))
            })
            .collect()
    } else {
        std::fs::read_to_string(&path)
            .map(|t| vec![(shown.clone(), t)])
            .map_err(|e| format!("cannot read {shown}: {e}"))
    }
}

/// A store for dry runs: every object is applied to it as the run would.
struct Scratch(Store);

impl Scratch {
    fn try_apply(&mut self, obj: &AnyObject) -> Result<(), ApiError> {
        if let Some(ns) = namespace_of(obj) {
            ensure_namespace(&mut self.0, &ns)?;
        }
        self.0.apply(obj.clone()).map(|_| ())
    }
}

/// The first field path of an admission error.
fn error_field(e: &ApiError) -> Option<String> {
    e.field_errors().first().map(|f| f.field.as_str().to_owned())
}

/// Parses manifest files and dry-runs their objects, with errors at the
/// offending line.
fn manifests_from(files: Vec<(String, String)>, scratch: &mut Scratch) -> Result<Vec<Sourced>> {
    let mut out = Vec::new();
    for (name, text) in files {
        let objects = parse_manifests(&text, &name).map_err(Located::from)?;
        for mo in objects {
            check_object(&mo, &text, scratch)?;
            out.push(Sourced {
                origin: format!("{}:{}", mo.source, mo.line),
                object: mo.object,
            });
        }
    }
    Ok(out)
}

fn check_object(mo: &ManifestObject, text: &str, scratch: &mut Scratch) -> Result<()> {
    if let Err(e) = scratch.try_apply(&mo.object) {
        let field = error_field(&e);
        let pos = field
            .as_deref()
            .and_then(|f| mo.locate(text, f))
            .unwrap_or((mo.line, 1));
        return Err(Located {
            source: mo.source.clone(),
            line: pos.0,
            column: pos.1,
            field: None,
            message: e.to_string(),
        }
        .into());
    }
    Ok(())
}

/// Reads `--filename` paths for `apply` (files or folders, from the working
/// directory), dry-running every object.
pub fn resolve_manifests(paths: &[String]) -> Result<Vec<Sourced>> {
    let mut scratch = Scratch(Store::new(0));
    let mut out = Vec::new();
    for p in paths {
        let files = read_ref(&Origin::Flags, p).map_err(input)?;
        out.extend(manifests_from(files, &mut scratch)?);
    }
    Ok(out)
}

/// Objects written inline in the scenario at `path`.
fn inline_objects(value: &Value, path: &str, inp: &Input, scratch: &mut Scratch) -> Result<Vec<Sourced>> {
    let json = serde_json::to_string(value).map_err(input)?;
    let at = |field: Option<&str>, message: &str| -> Failure {
        let full = match field {
            Some(f) if f.starts_with('[') => format!("{path}{f}"),
            Some(f) if !f.is_empty() => format!("{path}.{f}"),
            _ => path.to_owned(),
        };
        Located::at_field(&inp.display, &inp.text, &full, message).into()
    };
    let objects = parse_manifests(&json, &inp.display).map_err(|e| at(e.field(), e.message()))?;
    let many = value.is_array();
    let mut out = Vec::new();
    for (i, mo) in objects.into_iter().enumerate() {
        let prefix = if many { format!("[{i}]") } else { String::new() };
        if let Err(e) = scratch.try_apply(&mo.object) {
            let field = match error_field(&e) {
                Some(f) if prefix.is_empty() => f,
                Some(f) => format!("{prefix}.{f}"),
                None => prefix.clone(),
            };
            return Err(at(Some(&field), &e.to_string()));
        }
        let line =
            kubesim::manifest::locate_field(&inp.text, 0, &format!("{path}{prefix}")).map_or(1, |p| p.0);
        out.push(Sourced {
            origin: format!("{}:{line}", inp.display),
            object: mo.object,
        });
    }
    Ok(out)
}

/// Dry-runs the first object of a generator written at `field`.
fn check_generator(w: &Workload, field: &str, inp: &Input, scratch: &mut Scratch) -> Result<()> {
    let mut rng = Rng::new(0);
    if workloads::count(w).is_none_or(|c| c == 0) {
        return Ok(());
    }
    let Some(obj) = workloads::generated(w, 0, &mut rng) else {
        return Ok(());
    };
    scratch
        .try_apply(&obj)
        .map_err(|e| Located::at_field(&inp.display, &inp.text, field, e.to_string()).into())
}

/// Reads one workload's references into `objects`.
fn resolve_workload(
    w: &Workload,
    path: &str,
    inp: &Input,
    scratch: &mut Scratch,
    objects: &mut BTreeMap<String, Arc<Vec<Sourced>>>,
) -> Result<()> {
    match w {
        Workload::Manifests(paths) => {
            let mut all = Vec::new();
            for (i, p) in paths.0.iter().enumerate() {
                let field = if paths.0.len() == 1 {
                    format!("{path}.manifests")
                } else {
                    format!("{path}.manifests[{i}]")
                };
                let files = read_ref(&inp.origin, p)
                    .map_err(|e| Failure::from(Located::at_field(&inp.display, &inp.text, &field, e)))?;
                all.extend(manifests_from(files, scratch)?);
            }
            objects.insert(path.to_owned(), Arc::new(all));
        }
        Workload::Inline(v) => {
            let objs = inline_objects(v, &format!("{path}.inline"), inp, scratch)?;
            objects.insert(path.to_owned(), Arc::new(objs));
        }
        Workload::Deployments(_) => check_generator(w, &format!("{path}.deployments"), inp, scratch)?,
        Workload::Pods(_) => check_generator(w, &format!("{path}.pods"), inp, scratch)?,
        Workload::Jobs(_) => check_generator(w, &format!("{path}.jobs"), inp, scratch)?,
        Workload::DaemonSets(_) => check_generator(w, &format!("{path}.daemonSets"), inp, scratch)?,
        Workload::StatefulSets(_) => check_generator(w, &format!("{path}.statefulSets"), inp, scratch)?,
    }
    Ok(())
}

/// Reads the replay's trace files.
fn resolve_trace(file: &ScenarioFile, inp: &Input) -> Result<Option<Arc<Trace>>> {
    let Some(r) = &file.replay else { return Ok(None) };
    let read = |rel: &str, field: &str| -> Result<(String, String)> {
        let mut files = read_ref(&inp.origin, rel)
            .map_err(|e| Failure::from(Located::at_field(&inp.display, &inp.text, field, e)))?;
        if files.len() != 1 {
            return Err(Located::at_field(&inp.display, &inp.text, field, "expected one CSV file").into());
        }
        Ok(files.remove(0))
    };
    let nodes = read(&r.nodes, "replay.nodes")?;
    let pods = read(&r.pods, "replay.pods")?;
    let trace = replay::parse_openb((&nodes.1, &nodes.0), (&pods.1, &pods.0), r.max_pods)?;
    Ok(Some(Arc::new(trace)))
}

/// Decodes the document with the overrides applied.
fn decode_with(inp: &Input, sets: &[Override]) -> Result<ScenarioFile> {
    let original = decode_document::<ScenarioFile>(&inp.text, &inp.display).map_err(Located::from)?;
    if sets.is_empty() {
        return Ok(original);
    }
    let mut doc = decode_document::<Value>(&inp.text, &inp.display).map_err(Located::from)?;
    for o in sets {
        overrides::apply(&mut doc, o).map_err(input)?;
    }
    let json = serde_json::to_string_pretty(&doc).map_err(input)?;
    decode_document::<ScenarioFile>(&json, &inp.display).map_err(|e| {
        let field = e.field().unwrap_or_default();
        let culprit = sets
            .iter()
            .find(|o| field.starts_with(&o.path))
            .map_or_else(|| "--set".to_owned(), |o| format!("{} {}", o.flag, o.to_arg()));
        input(format!("{}: {culprit}: {field}: {}", inp.display, e.message()))
    })
}

/// Loads, checks and resolves a scenario.
pub fn load(inp: &Input, sets: &[Override]) -> Result<Scenario> {
    let file = decode_with(inp, sets)?;
    let problems = validate::check(&file);
    if !problems.is_empty() {
        let lines: Vec<String> = problems
            .iter()
            .map(|p| match sets.iter().find(|o| p.path.starts_with(&o.path)) {
                Some(o) => format!(
                    "{}: {} {}: {}: {}",
                    inp.display,
                    o.flag,
                    o.to_arg(),
                    p.path,
                    p.message
                ),
                None => Located::at_field(&inp.display, &inp.text, &p.path, &p.message).to_string(),
            })
            .collect();
        return Err(input(lines.join("\n")));
    }
    let mut scratch = Scratch(Store::new(0));
    let mut objects = BTreeMap::new();
    for (i, w) in file.workloads.iter().enumerate() {
        resolve_workload(w, &format!("workloads[{i}]"), inp, &mut scratch, &mut objects)?;
    }
    for (i, step) in file.timeline.iter().enumerate() {
        let path = format!("timeline[{i}].{}", step.op.name());
        match &step.op {
            Op::Apply(w) => resolve_workload(w, &path, inp, &mut scratch, &mut objects)?,
            Op::CreateDeployments(g) => {
                check_generator(&Workload::Deployments(g.clone()), &path, inp, &mut scratch)?
            }
            Op::CreatePods(g) => check_generator(&Workload::Pods(g.clone()), &path, inp, &mut scratch)?,
            _ => {}
        }
    }
    let trace = resolve_trace(&file, inp)?;
    let name = file.name.clone().unwrap_or_else(|| match &inp.origin {
        Origin::File(p) => p
            .file_stem()
            .map_or_else(|| inp.display.clone(), |s| s.to_string_lossy().into_owned()),
        Origin::Preset(n) => n.clone(),
        Origin::Flags => "apply".to_owned(),
    });
    Ok(Scenario {
        name,
        description: file.description.clone().unwrap_or_default(),
        input: inp.clone(),
        overrides: sets.to_vec(),
        file,
        objects,
        trace,
    })
}
