//! PLACEHOLDER.
#![allow(missing_docs)]
use super::{Labels, Selector};
use std::collections::BTreeMap;
#[derive(Default)]
pub struct ReverseIndex {
    m: BTreeMap<u32, Selector>,
}
impl ReverseIndex {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, id: u32, s: Selector) {
        self.m.insert(id, s);
    }
    pub fn remove(&mut self, id: u32) {
        self.m.remove(&id);
    }
    pub fn matching(&self, l: &Labels) -> Vec<u32> {
        self.m
            .iter()
            .filter(|(_, s)| s.matches(l))
            .map(|(i, _)| *i)
            .collect()
    }
    pub fn matching_into(&self, l: &Labels, out: &mut Vec<u32>) {
        *out = self.matching(l);
    }
    pub fn get(&self, id: u32) -> Option<&Selector> {
        self.m.get(&id)
    }
    pub fn len(&self) -> usize {
        self.m.len()
    }
    pub fn is_empty(&self) -> bool {
        self.m.is_empty()
    }
}
