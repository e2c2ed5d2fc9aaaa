//! PLACEHOLDER.
#![allow(missing_docs)]
use super::{Labels, Selector};
use roaring::RoaringBitmap;
use std::collections::BTreeMap;
#[derive(Default)]
pub struct LabelIndex {
    m: BTreeMap<u32, Labels>,
}
impl LabelIndex {
    pub fn new() -> Self {
        Self::default()
    }
    pub fn insert(&mut self, id: u32, l: &Labels) {
        self.m.insert(id, l.clone());
    }
    pub fn remove(&mut self, id: u32, _l: &Labels) {
        self.m.remove(&id);
    }
    pub fn update(&mut self, id: u32, _o: &Labels, n: &Labels) {
        self.m.insert(id, n.clone());
    }
    pub fn query(&self, s: &Selector) -> RoaringBitmap {
        self.m
            .iter()
            .filter(|(_, l)| s.matches(l))
            .map(|(i, _)| *i)
            .collect()
    }
    pub fn query_within(&self, s: &Selector, scope: &RoaringBitmap) -> RoaringBitmap {
        self.query(s) & scope
    }
    pub fn heap_bytes(&self) -> usize {
        0
    }
}
