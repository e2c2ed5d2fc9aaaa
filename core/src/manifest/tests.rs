//! Unit tests of manifest parsing: formats, documents, errors with their
//! exact positions, and field locations.

use super::*;
use crate::api::Kind;
use crate::intern::Symbol;

fn parse(text: &str) -> Vec<ManifestObject> {
    parse_manifests(text, "test.yaml").unwrap_or_else(|e| panic!("{e}"))
}

fn error(text: &str) -> ManifestError {
    match parse_manifests(text, "deploy.yaml") {
        Ok(objs) => panic!("parsed {} objects, expected an error", objs.len()),
        Err(e) => e,
    }
}

fn summary(objs: &[ManifestObject]) -> Vec<(Kind, String, usize, usize, Option<usize>)> {
    objs.iter()
        .map(|o| {
            (
                o.object.kind(),
                o.object.metadata().name.to_string(),
                o.document,
                o.line,
                o.item,
            )
        })
        .collect()
}

const DEPLOYMENT: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      securityContext:
        runAsNonRoot: true
      containers:
        - name: server
          image: nginx
          readinessProbe:
            httpGet: {path: /, port: 8080}
          resources:
            requests:
              cpu: 100m
              memory: 64Mi
            limits:
              cpu: \"1\"
              memory: 128Mi
";

#[test]
fn reads_a_deployment_and_ignores_unknown_fields() {
    let objs = parse(DEPLOYMENT);
    assert_eq!(summary(&objs), vec![(Kind::Deployment, "web".into(), 0, 1, None)]);
    let AnyObject::Deployment(d) = &objs[0].object else {
        panic!("not a Deployment");
    };
    assert_eq!(d.spec.replicas, 3);
    let c = &d.spec.template.spec.containers[0];
    assert_eq!(c.resources.requests.cpu(), 100);
    assert_eq!(c.resources.requests.memory(), 64 << 20);
    assert_eq!(c.resources.limits.get(Symbol::CPU), Some(1000));
    assert_eq!(objs[0].source, "test.yaml");
}

#[test]
fn reads_multi_document_yaml_and_skips_empty_documents() {
    let text = "\
# leading comment
---
apiVersion: v1
kind: Namespace
metadata:
  name: team-a
---
# only a comment
---
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot, namespace: team-a}
...
%YAML 1.2
---
null
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
";
    assert_eq!(
        summary(&parse(text)),
        vec![
            (Kind::Namespace, "team-a".into(), 0, 2, None),
            (Kind::ServiceAccount, "robot".into(), 3, 10, None),
            (Kind::ConfigMap, "settings".into(), 5, 18, None),
        ]
    );
}

#[test]
fn empty_and_comment_only_text_has_no_objects() {
    assert!(parse("").is_empty());
    assert!(parse("\n\n").is_empty());
    assert!(parse("# nothing here\n# at all\n").is_empty());
    assert!(parse("---\n---\n# c\n---\n...\n").is_empty());
}

#[test]
fn reads_json_object_array_and_lines() {
    let one = r#"{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a"}}"#;
    assert_eq!(
        summary(&parse(one)),
        vec![(Kind::Namespace, "a".into(), 0, 1, None)]
    );

    let array = "[\n  {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}},\n  \
                 {\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"name\": \"b\"}}\n]\n";
    assert_eq!(
        summary(&parse(array)),
        vec![
            (Kind::Namespace, "a".into(), 0, 2, Some(0)),
            (Kind::ServiceAccount, "b".into(), 0, 3, Some(1)),
        ]
    );

    let lines = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}}\n\
                 {\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"b\"}}\n\
                 \n\
                 {\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"c\"}}\n";
    assert_eq!(
        summary(&parse(lines)),
        vec![
            (Kind::Namespace, "a".into(), 0, 1, None),
            (Kind::Namespace, "b".into(), 1, 2, None),
            (Kind::Namespace, "c".into(), 2, 4, None),
        ]
    );
}

#[test]
fn flow_style_yaml_is_not_mistaken_for_json() {
    let objs = parse("{apiVersion: v1, kind: Namespace, metadata: {name: q}}\n");
    assert_eq!(summary(&objs), vec![(Kind::Namespace, "q".into(), 0, 1, None)]);
}

#[test]
fn expands_lists() {
    let text = "\
apiVersion: v1
kind: List
metadata: {}
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: a}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: b}
  data: {k: v}
---
apiVersion: v1
kind: List
items: []
";
    assert_eq!(
        summary(&parse(text)),
        vec![
            (Kind::Namespace, "a".into(), 0, 5, Some(0)),
            (Kind::ConfigMap, "b".into(), 0, 8, Some(1)),
        ]
    );
}

#[test]
fn reads_kubectl_dry_run_output_with_nulls() {
    // `kubectl create deployment web --image=nginx --dry-run=client -o yaml`
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  creationTimestamp: null
  labels:
    app: web
  name: web
spec:
  replicas: 1
  selector:
    matchLabels:
      app: web
  strategy: {}
  template:
    metadata:
      creationTimestamp: null
      labels:
        app: web
    spec:
      containers:
      - image: nginx
        name: nginx
        resources: {}
        env:
        ports: null
status: {}
";
    let objs = parse(text);
    let AnyObject::Deployment(d) = &objs[0].object else {
        panic!("not a Deployment");
    };
    assert_eq!(d.spec.template.spec.containers[0].image.as_str(), "nginx");
    assert!(d.spec.template.spec.containers[0].env.is_empty());
}

#[test]
fn null_collections_read_as_empty_but_null_scalars_are_errors() {
    let objs = parse("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: null}\nspec:\n  containers:\n");
    let AnyObject::Pod(p) = &objs[0].object else {
        panic!("not a Pod");
    };
    assert!(p.spec.containers.is_empty());
    let e = error("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  replicas: null\n");
    assert_eq!(
        e.to_string(),
        "deploy.yaml:5:13: spec.replicas: invalid type: null, expected i32"
    );
    let e = error("apiVersion: v1\nkind: Namespace\nmetadata:\n  name:\n");
    assert_eq!(
        e.to_string(),
        "deploy.yaml:4:7: metadata.name: invalid type: null, expected a string"
    );
}

#[test]
fn type_errors_point_at_the_value() {
    let text = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: three
";
    let e = error(text);
    assert_eq!((e.line(), e.column()), (6, 13));
    assert_eq!(e.field(), Some("spec.replicas"));
    assert_eq!(e.message(), "invalid type: string \"three\", expected i32");
    assert_eq!(e.source(), "deploy.yaml");
    assert_eq!(e.document(), Some(0));
    assert_eq!(
        e.to_string(),
        "deploy.yaml:6:13: spec.replicas: invalid type: string \"three\", expected i32"
    );

    let e = error(&DEPLOYMENT.replace("replicas: 3", "replicas: 99999999999"));
    assert_eq!(
        e.to_string(),
        "deploy.yaml:8:13: spec.replicas: invalid value: integer 99999999999, expected i32"
    );

    let e = error(&DEPLOYMENT.replace("image: nginx", "image: [nginx]"));
    assert_eq!(
        e.to_string(),
        "deploy.yaml:21:18: spec.template.spec.containers[0].image: invalid type: sequence, expected a string"
    );
}

#[test]
fn quantity_errors_carry_the_quantity_message() {
    let e = error(&DEPLOYMENT.replace("cpu: 100m", "cpu: 4 cores"));
    assert_eq!((e.line(), e.column()), (26, 20));
    assert_eq!(
        e.field(),
        Some("spec.template.spec.containers[0].resources.requests[cpu]")
    );
    assert_eq!(e.message(), "quantity \"4 cores\": unexpected ' ' at byte 1");
}

#[test]
fn structural_errors_name_the_item() {
    let e = error(&DEPLOYMENT.replace("- name: server\n", "- \n"));
    assert_eq!(
        e.to_string(),
        "deploy.yaml:21:11: spec.template.spec.containers[0]: missing field `name`"
    );
    let text = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - 5\n";
    assert_eq!(
        error(text).to_string(),
        "deploy.yaml:6:5: spec.containers[0]: invalid type: integer 5, expected a map"
    );
}

#[test]
fn duplicate_keys_are_errors() {
    let text = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels:\n    x: 1\n    x: 2\n";
    assert_eq!(
        error(text).to_string(),
        "deploy.yaml:7:5: metadata.labels[x]: key \"x\" already set in map"
    );
    let text = "apiVersion: v1\nkind: Namespace\nkind: Namespace\n";
    let e = error(text);
    assert_eq!((e.line(), e.column()), (3, 1));
}

#[test]
fn missing_type_meta_is_refused_like_kubectl() {
    let e = error("---\napiVersion: v1\nmetadata:\n  name: x\n");
    assert_eq!(
        e.to_string(),
        r#"deploy.yaml:2:1: Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"x"}}'"#
    );
    let e = error("kind: Pod\nmetadata:\n  name: x\n");
    assert_eq!(e.to_string(), "deploy.yaml:1:1: apiVersion not set");
    let e = error("apiVersion: v1\nkind: \"\"\n");
    assert!(e.message().starts_with("Object 'Kind' is missing in"), "{e}");
}

#[test]
fn unknown_kinds_and_versions_are_refused_like_kubectl() {
    let e =
        error("apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\napiVersion: bar/v1\nkind: Foo\n");
    assert_eq!(
        e.to_string(),
        r#"deploy.yaml:6:7: no matches for kind "Foo" in version "bar/v1""#
    );
    assert_eq!(e.document(), Some(1));
    let e = error("apiVersion: extensions/v1beta1\nkind: Deployment\n");
    assert_eq!(
        e.to_string(),
        r#"deploy.yaml:1:13: no matches for kind "Deployment" in version "extensions/v1beta1""#
    );
    let e = error("apiVersion: apps/v1\nkind: List\nitems: []\n");
    assert_eq!(e.message(), r#"no matches for kind "List" in version "apps/v1""#);
    assert!(
        parse("apiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nmetadata: {name: h}\n").len() == 1
    );
}

#[test]
fn list_item_errors_are_located_in_the_item() {
    let text = "\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Namespace
  metadata: {name: a}
- apiVersion: v1
  metadata: {name: b}
";
    let e = error(text);
    assert_eq!(
        e.to_string(),
        r#"deploy.yaml:7:3: items[1]: Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"b"}}'"#
    );
    let e = error(&text.replace("  metadata: {name: b}", "  kind: ConfigMap\n  data: {k: [v]}"));
    assert_eq!(
        e.to_string(),
        "deploy.yaml:9:13: items[1].data[k]: invalid type: sequence, expected a string"
    );
}

#[test]
fn json_errors_are_located() {
    let lines = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}}\n\
                 {\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"spec\":{\"replicas\":\"three\"}}\n";
    let e = error(lines);
    assert_eq!(
        e.to_string(),
        r#"deploy.yaml:2:64: spec.replicas: invalid type: string "three", expected i32"#
    );
    assert_eq!(e.document(), Some(1));
    let broken = "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\"}\n{\"apiVersion\":\"v1\",\n";
    let e = error(broken);
    assert_eq!(
        (e.line(), e.column(), e.message()),
        (3, 1, "EOF while parsing an object")
    );
}

#[test]
fn syntax_and_shape_errors() {
    let e = error("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   bad: 1\n");
    assert_eq!((e.line(), e.column()), (5, 7));
    assert_eq!(e.message(), "mapping values are not allowed in this context");
    let e = error("---\nhello\n");
    assert_eq!(
        e.to_string(),
        r#"deploy.yaml:2:1: invalid object: expected a map with apiVersion and kind, found string "hello""#
    );
}

#[test]
fn limits_are_enforced() {
    let deep = format!(
        "apiVersion: v1\nkind: ConfigMap\ndata: {}{}\n",
        "[".repeat(100),
        "]".repeat(100)
    );
    let e = error(&deep);
    assert_eq!(e.message(), "nesting too deep: more than 64 levels");
    assert_eq!(e.line(), 3);

    let big = " ".repeat(limits::MAX_BYTES + 1);
    let e = error(&big);
    assert_eq!((e.line(), e.column()), (1, 1));
    assert!(e.message().starts_with("manifest too large"), "{e}");

    let e = error(&"---\n".repeat(limits::MAX_DOCUMENTS + 1));
    assert_eq!(
        e.to_string(),
        "deploy.yaml:100001:1: too many documents: more than 100000"
    );

    let mut laughs =
        String::from("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\nx:\n  a0: &a0 [lol, lol]\n");
    for i in 1..24 {
        laughs.push_str(&format!("  a{i}: &a{i} [*a{p}, *a{p}]\n", p = i - 1));
    }
    let e = error(&laughs);
    assert!(e.message().contains("total_replayed_events"), "{e}");

    let ok_depth = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c, annotations: {{a: b}}}}\nx: {}{}\n",
        "[".repeat(40),
        "]".repeat(40)
    );
    assert_eq!(parse(&ok_depth).len(), 1);
}

#[test]
fn locates_nested_fields() {
    let at = |path: &str| locate_field(DEPLOYMENT, 0, path);
    assert_eq!(at(""), Some((1, 1)));
    assert_eq!(at("spec.replicas"), Some((8, 13)));
    assert_eq!(at("metadata.labels[app.kubernetes.io/name]"), Some((6, 29)));
    assert_eq!(at("spec.template.spec.containers[0]"), Some((20, 11)));
    assert_eq!(at("spec.template.spec.containers[0].image"), Some((21, 18)));
    assert_eq!(
        at("spec.template.spec.containers[0].resources.requests[cpu]"),
        Some((26, 20))
    );
    assert_eq!(
        at("spec.template.spec.containers[0].resources.limits.cpu"),
        Some((29, 20))
    );
    assert_eq!(
        at("spec.template.spec.containers[0].readinessProbe.httpGet.port"),
        Some((23, 38))
    );
    assert_eq!(at("spec.template.spec.containers[1]"), None);
    assert_eq!(at("spec.paused"), None);
    assert_eq!(at("spec.replicas.x"), None);
    assert_eq!(at("spec[["), None);
    assert_eq!(locate_field(DEPLOYMENT, 1, "spec"), None);
    assert_eq!(locate_field("a: [", 0, "a"), None);
}

#[test]
fn locates_fields_in_later_documents_lists_and_json() {
    let text = "a: 1\n---\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  spec:\n    nodeName: n1\n";
    assert_eq!(locate_field(text, 2, "items[0].spec.nodeName"), Some((10, 15)));
    let objs = parse(&text.replacen("a: 1\n", "", 1));
    assert_eq!(
        objs[0].locate(&text.replacen("a: 1\n", "", 1), "spec.nodeName"),
        Some((9, 15))
    );

    let json = "[\n  {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}},\n  \
                {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"b\"}}\n]\n";
    assert_eq!(locate_field(json, 0, "[1].metadata.name"), Some((3, 66)));
    let objs = parse(json);
    assert_eq!(objs[1].locate(json, "metadata.name"), Some((3, 66)));
    assert_eq!(objs[1].locate(json, ""), Some((3, 3)));

    let lines = "{\"kind\": \"Namespace\"}\n   {\"apiVersion\": \"v1\", \"kind\": \"Namespace\"}\n";
    assert_eq!(locate_field(lines, 1, "kind"), Some((2, 33)));
}
