//! `loadgen merge`: joins the reports of a sharded sweep into the report
//! the whole grid would have written (rows in index order), after checking
//! that the shards belong to one grid and cover it exactly once.

use std::collections::BTreeMap;

use crate::cli::MergeArgs;
use crate::error::{Result, input};
use crate::sweep::{Row, SweepDocument};

/// Joins shard documents.
pub fn merge(docs: Vec<(String, SweepDocument)>) -> Result<SweepDocument> {
    let mut iter = docs.into_iter();
    let Some((first_name, first)) = iter.next() else {
        return Err(input("nothing to merge"));
    };
    let mut rows: BTreeMap<u64, (String, Row)> = BTreeMap::new();
    let mut wall = first.wall_seconds;
    let grid = first.grid.clone();
    let mut add = |name: &str, doc_rows: Vec<Row>| -> Result<()> {
        for r in doc_rows {
            if r.index >= grid.rows {
                return Err(input(format!(
                    "{name}: row {} is outside the grid of {} rows",
                    r.index, grid.rows
                )));
            }
            if let Some((other, _)) = rows.get(&r.index) {
                return Err(input(format!("{name}: row {} is also in {other}", r.index)));
            }
            rows.insert(r.index, (name.to_owned(), r));
        }
        Ok(())
    };
    add(&first_name, first.rows)?;
    for (name, doc) in iter {
        if doc.grid.hash != grid.hash {
            return Err(input(format!(
                "{name}: another grid (hash {} vs {} in {first_name}): shards must come from the same scenario, --set, --vary, --seed and --seeds",
                doc.grid.hash, grid.hash
            )));
        }
        wall = wall.max(doc.wall_seconds);
        add(&name, doc.rows)?;
    }
    let missing: Vec<u64> = (0..grid.rows).filter(|i| !rows.contains_key(i)).collect();
    if !missing.is_empty() {
        let shown: Vec<String> = missing.iter().take(10).map(u64::to_string).collect();
        return Err(input(format!(
            "{} of {} rows missing (rows {}{}): a shard report is missing",
            missing.len(),
            grid.rows,
            shown.join(", "),
            if missing.len() > 10 { ", ..." } else { "" }
        )));
    }
    Ok(SweepDocument {
        schema: first.schema,
        command: "sweep".into(),
        scenario: first.scenario,
        threads: first.threads,
        wall_seconds: wall,
        grid,
        shard: None,
        rows: rows.into_values().map(|(_, r)| r).collect(),
    })
}

/// `loadgen merge`.
pub fn command(ctx: &crate::Ctx, args: &MergeArgs) -> Result<i32> {
    let mut docs = Vec::new();
    for path in &args.files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| input(format!("cannot read {name}: {e}")))?;
        let doc: SweepDocument = serde_json::from_str(&text).map_err(|e| {
            input(format!(
                "{name}:{}:{}: not a sweep report: {e}",
                e.line(),
                e.column()
            ))
        })?;
        if doc.schema != crate::report::SCHEMA {
            return Err(input(format!(
                "{name}: schema {:?}, expected {:?}",
                doc.schema,
                crate::report::SCHEMA
            )));
        }
        docs.push((name, doc));
    }
    let doc = merge(docs)?;
    crate::sweep::finish(ctx, &doc)
}
