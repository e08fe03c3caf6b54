//! The B-trees of HFS and HFS+ (catalog and extents overflow files), read
//! by hand from Apple's documentation (*Inside Macintosh: Files*, chapter 2,
//! and Technical Note TN1150). Both use the same node layout: a 14-byte node
//! descriptor (forward link, backward link, kind, height, record count), the
//! records, and at the node's end a table of record offsets. Node 0 is the
//! header node; its header record gives the node size, the node count and
//! the first leaf node. Every leaf record is found by following the leaf
//! chain from the first leaf: each node is visited at most once (a cycle in
//! the chain is an error), the chain is at most the tree's node count long,
//! and the number of records is capped.

use crate::error::Result;
use crate::source::ByteSource;

use super::source::ExtentSource;
use super::{bad, be16, be32};

/// Most leaf records read from one tree (a full 2 GB catalog of tiny
/// records would hold fewer).
pub const MAX_RECORDS: u64 = 4_000_000;

/// Calls `each(record, image_offset)` for every leaf record of the B-tree
/// stored in `fork`, in leaf-chain order. `what` names the tree in errors
/// (`"HFS catalog B-tree"`).
pub fn walk_leaves(
    fork: &ExtentSource,
    what: &str,
    mut each: impl FnMut(&[u8], u64) -> Result<()>,
) -> Result<()> {
    let at = |o: u64| fork.image_offset(o);
    let mut head = [0u8; 14 + 32];
    fork.read_exact_at(0, &mut head)
        .map_err(|e| bad(format!("{what} header node"), at(0), e.to_string()))?;
    if head[8] != 1 {
        return Err(bad(
            format!("{what} header node"),
            at(0),
            format!(
                "node kind is {} where the header node's is 1",
                head[8] as i8
            ),
        ));
    }
    let h = &head[14..];
    let depth = be16(h, 0);
    let first_leaf = be32(h, 10);
    let node_size = u64::from(be16(h, 18));
    let total_nodes = u64::from(be32(h, 22));
    if !(512..=32768).contains(&node_size) || !node_size.is_power_of_two() {
        return Err(bad(
            format!("{what} header record"),
            at(14),
            format!("node size {node_size} is not a power of two from 512 to 32768"),
        ));
    }
    if depth > 16 {
        return Err(bad(
            format!("{what} header record"),
            at(14),
            format!("tree depth {depth} is more than 16"),
        ));
    }
    let fits = fork.len() / node_size;
    if total_nodes > fits {
        return Err(bad(
            format!("{what} header record"),
            at(14),
            format!(
                "{total_nodes} nodes of {node_size} bytes do not fit in the tree's {} bytes",
                fork.len()
            ),
        ));
    }
    if first_leaf == 0 {
        // An empty tree.
        return Ok(());
    }
    let mut visited = vec![false; usize::try_from(total_nodes).unwrap_or(0)];
    let mut node = vec![0u8; node_size as usize];
    let mut next = first_leaf;
    let mut records = 0u64;
    let mut prev: Option<u32> = None;
    while next != 0 {
        let n = next;
        let structure = || format!("{what} node {n}");
        let slot = visited.get_mut(n as usize).ok_or_else(|| {
            bad(
                format!("{what} leaf chain"),
                prev.map_or(at(14), |p| at(u64::from(p) * node_size)),
                format!("node {n} is past the tree's {total_nodes} nodes"),
            )
        })?;
        if *slot {
            return Err(bad(
                format!("{what} leaf chain"),
                at(u64::from(n) * node_size),
                format!("node {n} is reached twice (the chain loops)"),
            ));
        }
        *slot = true;
        let base = u64::from(n) * node_size;
        fork.read_exact_at(base, &mut node)
            .map_err(|e| bad(structure(), at(base), e.to_string()))?;
        if node[8] != 0xFF {
            return Err(bad(
                structure(),
                at(base),
                format!("node kind is {} where a leaf's is -1", node[8] as i8),
            ));
        }
        let count = usize::from(be16(&node, 10));
        let table = 2 * (count + 1);
        if 14 + table > node.len() {
            return Err(bad(
                structure(),
                at(base),
                format!("{count} records do not fit in a {node_size}-byte node"),
            ));
        }
        let off = |i: usize| usize::from(be16(&node, node.len() - 2 * (i + 1)));
        let limit = node.len() - table;
        for i in 0..count {
            let (s, e) = (off(i), off(i + 1));
            if s < 14 || e < s || e > limit || s % 2 == 1 {
                return Err(bad(
                    structure(),
                    at(base),
                    format!("record {i} spans bytes {s}..{e} of the node, outside 14..{limit}"),
                ));
            }
            records += 1;
            if records > MAX_RECORDS {
                return Err(bad(
                    structure(),
                    at(base),
                    format!("more than {MAX_RECORDS} leaf records"),
                ));
            }
            each(&node[s..e], at(base + s as u64))?;
        }
        prev = Some(n);
        next = be32(&node, 0);
    }
    Ok(())
}
