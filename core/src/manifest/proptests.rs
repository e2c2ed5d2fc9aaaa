//! Property tests: no input panics, whether random bytes, text made of
//! YAML's punctuation, or valid manifests with random edits; every error
//! has a position inside the text, and every field found is where it says.

use proptest::prelude::*;

use super::*;

/// Valid manifests in each format, to mutate.
const SEEDS: &[&str] = &[
    "# demo\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  labels: {app: web}\n\
     spec:\n  replicas: 2\n  selector:\n    matchLabels:\n      app: web\n  template:\n    metadata:\n      \
     labels:\n        app: web\n    spec:\n      containers:\n      - name: c\n        image: nginx\n        \
     resources:\n          requests: {cpu: 100m, memory: 64Mi}\n          limits:\n            cpu: \"1\"\n\
     ---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports:\n  \
     - port: 80\n    targetPort: 8080\n...\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  \
     kind: ServiceAccount\n  metadata: {name: sa, annotations: {a: &x b, c: *x}}\n",
    "[{\"apiVersion\":\"v1\",\"kind\":\"Namespace\",\"metadata\":{\"name\":\"a\"}},\n \
     {\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"b\"},\"data\":{\"k\":\"v\"}}]\n",
    "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"},\"spec\":{\"containers\":\
     [{\"name\":\"c\",\"resources\":{\"limits\":{\"cpu\":\"2\"}}}]}}\n{\"apiVersion\":\"v1\",\"kind\":\"Node\"}\n",
];

/// An edit to a seed: replace, insert or delete bytes at a position.
#[derive(Clone, Debug)]
enum Edit {
    Replace(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let punct = prop::sample::select(b" \n\t-:{}[],#&*!|>'\"?%.0123456789abkn\\".to_vec());
    prop_oneof![
        (any::<usize>(), punct.clone()).prop_map(|(at, b)| Edit::Replace(at, b)),
        (any::<usize>(), prop::collection::vec(punct, 1..8)).prop_map(|(at, b)| Edit::Insert(at, b)),
        (any::<usize>(), 1usize..40).prop_map(|(at, n)| Edit::Delete(at, n)),
    ]
}

fn apply(seed: &str, edits: &[Edit]) -> String {
    let mut bytes = seed.as_bytes().to_vec();
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Replace(at, b) => {
                if let Some(x) = bytes.get_mut(at % len) {
                    *x = *b;
                }
            }
            Edit::Insert(at, b) => {
                let at = at % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Delete(at, n) => {
                let at = at % len;
                let end = (at + n).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Parses `text` and checks what holds for any input.
fn check(text: &str) {
    let lines = super::lines::LineIndex::new(text).lines();
    match parse_manifests(text, "fuzz.yaml") {
        Ok(objs) => {
            for o in &objs {
                assert!(o.line >= 1 && o.line <= lines, "line {} of {lines}", o.line);
                let _ = o.locate(text, "metadata.name");
            }
        }
        Err(e) => {
            assert!(e.line() >= 1 && e.line() <= lines + 1, "{e} ({lines} lines)");
            assert!(e.column() >= 1, "{e}");
            assert!(!e.message().is_empty(), "{e}");
            assert!(e.to_string().starts_with("fuzz.yaml:"));
        }
    }
    for doc in 0..3 {
        for path in [
            "",
            "metadata.name",
            "spec.containers[0].resources.limits[cpu]",
            "items[0].kind",
            "[1]",
        ] {
            if let Some((line, column)) = locate_field(text, doc, path) {
                assert!(
                    line >= 1 && line <= lines && column >= 1,
                    "{path}: {line}:{column}"
                );
            }
        }
    }
}

/// A manifest with a hole `{}` at every value, to fill with odd values.
const TEMPLATE: &str = concat!(
    "apiVersion: {}\n",
    "kind: {}\n",
    "metadata:\n",
    "  name: {}\n",
    "  labels: {}\n",
    "  annotations:\n",
    "    a: {}\n",
    "spec:\n",
    "  replicas: {}\n",
    "  selector: {}\n",
    "  template:\n",
    "    spec:\n",
    "      priority: {}\n",
    "      containers:\n",
    "      - name: {}\n",
    "        ports: {}\n",
    "        resources:\n",
    "          requests:\n",
    "            cpu: {}\n",
    "            memory: {}\n",
    "          limits: {}\n",
    "      tolerations: {}\n",
    "      affinity: {}\n",
);

/// Values for the holes: well-formed, ill-typed and odd YAML alike.
const VALUES: &[&str] = &[
    "v1",
    "apps/v1",
    "Deployment",
    "Pod",
    "Namespace",
    "List",
    "web",
    "\"3\"",
    "3",
    "-1",
    "0x10",
    "1e999",
    ".nan",
    "null",
    "~",
    "",
    "[]",
    "{}",
    "[1, 2]",
    "{a: b}",
    "{cpu: 1}",
    "100m",
    "4 cores",
    "1Gi",
    "true",
    "yes",
    "!!binary aGk=",
    "!!str 5",
    "&x 1",
    "*x",
    "'quoted'",
    "\"\\u00e9\"",
    "|\n  block",
    "[{key: k, operator: Exists}]",
    "{matchLabels: {a: b}}",
    "{nodeAffinity: {}}",
    "{containerPort: 80}",
    "[{containerPort: http}]",
    "99999999999999999999",
    "{limits: {cpu: x}}",
];

fn fill(values: &[usize]) -> String {
    let mut out = String::new();
    let mut parts = TEMPLATE.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for (i, part) in parts.enumerate() {
        out.push_str(VALUES[values.get(i).copied().unwrap_or(0) % VALUES.len()]);
        out.push_str(part);
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn yaml_punctuation_never_panics(
        bytes in prop::collection::vec(
            prop::sample::select(b" \n-:{}[],#&*!|>'\"?%.~0123456789akvi\t".to_vec()),
            0..256,
        )
    ) {
        check(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn mutated_manifests_never_panic(
        seed in prop::sample::select(SEEDS.to_vec()),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        check(&apply(seed, &edits));
    }

    #[test]
    fn odd_values_never_panic(values in prop::collection::vec(any::<usize>(), 16)) {
        check(&fill(&values));
    }

    #[test]
    fn random_paths_never_panic(path in "[a-z.\\[\\]0-9]{0,24}", doc in 0usize..4) {
        for seed in SEEDS {
            let _ = locate_field(seed, doc, &path);
        }
    }
}

#[test]
fn seeds_parse() {
    let counts: Vec<usize> = SEEDS
        .iter()
        .map(|s| {
            parse_manifests(s, "seed")
                .map(|o| o.len())
                .unwrap_or_else(|e| panic!("{e}"))
        })
        .collect();
    assert_eq!(counts, vec![3, 2, 2]);
    let valid = fill(&[1, 2, 6, 19, 6, 8, 34, 8, 6, 16, 21, 23, 20, 33, 35]);
    let objs = parse_manifests(&valid, "filled").unwrap_or_else(|e| panic!("{e}\n{valid}"));
    assert_eq!(objs.len(), 1);
}
