//! Labels and selectors (being written; see issue 2).
