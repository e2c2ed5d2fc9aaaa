//! A small tree of one document's nodes with their positions, built from
//! the YAML events, for finding a field by path and a path by position.

use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle, Span};

use super::limits::parser_options;
use super::split::Slice;

/// A node's shape; children are indexes into [`Tree::nodes`].
pub(crate) enum Shape {
    /// A scalar and whether it was written plain (unquoted).
    Scalar {
        /// The value after escapes.
        value: String,
        /// Unquoted, so it may read as a number, boolean or null.
        plain: bool,
    },
    /// A list.
    Seq(Vec<usize>),
    /// A map, as (key, value) pairs in source order.
    Map(Vec<(usize, usize)>),
    /// An alias (`*name`), not followed.
    Alias,
}

/// One node and where it starts and ends (1-based lines and columns of the
/// whole file; the end is exclusive).
pub(crate) struct Node {
    /// What the node is.
    pub shape: Shape,
    /// Where it starts.
    pub start: (usize, usize),
    /// Where it ends.
    pub end: (usize, usize),
    /// The collection holding it (`None` for the root).
    pub parent: Option<usize>,
    /// Whether it is a map key rather than a value.
    pub is_key: bool,
}

/// The nodes of one document; the root is node 0.
pub(crate) struct Tree {
    /// All nodes, parents before their children.
    pub nodes: Vec<Node>,
}

impl Tree {
    /// Builds the tree of the document in `slice`. A document that does not
    /// parse to the end gives the part read so far.
    pub(crate) fn build(slice: &Slice) -> Option<Tree> {
        let at = |span: &Span, end: bool| {
            let m = if end { span.end } else { span.start };
            slice.absolute(m.line().max(1), m.col() + 1)
        };
        let mut nodes: Vec<Node> = Vec::new();
        // Open collections, and for maps the key waiting for its value.
        let mut stack: Vec<(usize, Option<usize>)> = Vec::new();
        for item in Parser::new_from_str_with_options(&slice.text, parser_options()) {
            let Ok((event, span)) = item else { break };
            let shape = match event {
                Event::Scalar(value, style, ..) => Shape::Scalar {
                    value: value.into_owned(),
                    plain: style == ScalarStyle::Plain,
                },
                Event::SequenceStart(..) => Shape::Seq(Vec::new()),
                Event::MappingStart(..) => Shape::Map(Vec::new()),
                Event::Alias(..) => Shape::Alias,
                Event::SequenceEnd | Event::MappingEnd => {
                    if let Some((idx, _)) = stack.pop()
                        && let Some(node) = nodes.get_mut(idx)
                    {
                        node.end = at(&span, true);
                    }
                    continue;
                }
                Event::DocumentEnd => break,
                _ => continue,
            };
            let idx = nodes.len();
            let is_collection = matches!(shape, Shape::Seq(_) | Shape::Map(_));
            let mut node = Node {
                shape,
                start: at(&span, false),
                end: at(&span, true),
                parent: None,
                is_key: false,
            };
            if let Some((parent, pending)) = stack.last_mut() {
                node.parent = Some(*parent);
                match nodes.get_mut(*parent).map(|p| &mut p.shape) {
                    Some(Shape::Seq(items)) => items.push(idx),
                    Some(Shape::Map(entries)) => match pending.take() {
                        Some(key) => entries.push((key, idx)),
                        None => {
                            *pending = Some(idx);
                            node.is_key = true;
                        }
                    },
                    _ => {}
                }
            } else if idx != 0 {
                break;
            }
            nodes.push(node);
            if is_collection {
                stack.push((idx, None));
            }
        }
        (!nodes.is_empty()).then_some(Tree { nodes })
    }

    /// The node `idx`.
    pub(crate) fn node(&self, idx: usize) -> Option<&Node> {
        self.nodes.get(idx)
    }

    /// The value of key `key` in map `idx`.
    pub(crate) fn entry(&self, idx: usize, key: &str) -> Option<usize> {
        match &self.node(idx)?.shape {
            Shape::Map(entries) => entries
                .iter()
                .find(|(k, _)| self.scalar(*k) == Some(key))
                .map(|&(_, v)| v),
            _ => None,
        }
    }

    /// The node an error at `pos` is about: the innermost value starting
    /// there, else the value of the key starting there, else the innermost
    /// node containing `pos`.
    pub(crate) fn node_at(&self, pos: (usize, usize)) -> Option<usize> {
        let starting = |key: bool| self.nodes.iter().rposition(|n| n.start == pos && n.is_key == key);
        starting(false)
            .or_else(|| {
                let key = starting(true)?;
                match &self.node(self.node(key)?.parent?)?.shape {
                    Shape::Map(entries) => entries.iter().find(|(k, _)| *k == key).map(|&(_, v)| v),
                    _ => None,
                }
            })
            .or_else(|| {
                self.nodes
                    .iter()
                    .rposition(|n| !n.is_key && n.start <= pos && pos < n.end)
            })
    }

    /// The map an error at `pos` about a missing field is about: the map
    /// holding the key that starts there, else [`Tree::node_at`].
    pub(crate) fn map_at(&self, pos: (usize, usize)) -> Option<usize> {
        self.nodes
            .iter()
            .position(|n| n.start == pos && n.is_key)
            .and_then(|key| self.node(key)?.parent)
            .or_else(|| self.node_at(pos))
    }

    /// The chain of steps from the root to node `idx`: for each, the key (in a
    /// map) or the index (in a list).
    pub(crate) fn steps_to(&self, idx: usize) -> Option<Vec<Result<&str, usize>>> {
        let mut steps = Vec::new();
        let mut cur = idx;
        while let Some(parent) = self.node(cur)?.parent {
            let step = match &self.node(parent)?.shape {
                Shape::Seq(items) => Err(items.iter().position(|&i| i == cur)?),
                Shape::Map(entries) => {
                    let &(k, _) = entries.iter().find(|&&(_, v)| v == cur)?;
                    Ok(self.scalar(k).unwrap_or("?"))
                }
                _ => return None,
            };
            steps.push(step);
            cur = parent;
        }
        steps.reverse();
        Some(steps)
    }

    /// The text of scalar `idx`.
    pub(crate) fn scalar(&self, idx: usize) -> Option<&str> {
        match &self.node(idx)?.shape {
            Shape::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }
}
