//! Test-only writers of disc images: a small HFS volume, a small HFS+ volume
//! (with fragmented forks continued in the extents overflow file) and an
//! Apple partition map around either — enough structure for the reader in
//! `qtvr_format::disk` (volume header, catalog and extents B-trees with a
//! header node and chained leaf nodes; no index nodes, no bitmaps).
//! Written from Inside Macintosh: Files and TN1150, like the reader. Images
//! are a list of writes over a length, so large sparse files cost nothing.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{Seek, SeekFrom, Write};
use std::path::Path;

/// A fork's content.
#[derive(Clone)]
pub enum Content {
    Bytes(Vec<u8>),
    /// `n` bytes never written (zeros; a hole in a sparse file).
    Sparse(u64),
}

impl Content {
    pub fn len(&self) -> u64 {
        match self {
            Content::Bytes(b) => b.len() as u64,
            Content::Sparse(n) => *n,
        }
    }
}

/// One file: its path from the root (`Folder/Name`), forks, Finder type
/// and creator, and (HFS+) in how many extents its data fork is stored.
#[derive(Clone)]
pub struct FileSpec {
    pub path: String,
    pub data: Content,
    pub rsrc: Content,
    pub file_type: [u8; 4],
    pub creator: [u8; 4],
    pub fragments: u32,
}

impl FileSpec {
    pub fn new(path: &str, data: Content, file_type: &[u8; 4]) -> FileSpec {
        FileSpec {
            path: path.into(),
            data,
            rsrc: Content::Bytes(Vec::new()),
            file_type: *file_type,
            creator: *b"TVOD",
            fragments: 1,
        }
    }
}

/// An image: its length and what is written where.
pub struct Img {
    pub len: u64,
    pub writes: Vec<(u64, Vec<u8>)>,
    /// How many of the first writes are structure (partition map, volume
    /// header, B-trees) rather than file content.
    pub meta: usize,
}

impl Img {
    pub fn to_vec(&self) -> Vec<u8> {
        let mut v = vec![0u8; self.len as usize];
        for (at, b) in &self.writes {
            v[*at as usize..*at as usize + b.len()].copy_from_slice(b);
        }
        v
    }

    /// Writes a sparse file.
    pub fn to_file(&self, path: &Path) {
        let mut f = std::fs::File::create(path).unwrap();
        f.set_len(self.len).unwrap();
        for (at, b) in &self.writes {
            f.seek(SeekFrom::Start(*at)).unwrap();
            f.write_all(b).unwrap();
        }
    }

    fn put(&mut self, at: u64, b: Vec<u8>) {
        assert!(at + b.len() as u64 <= self.len, "write past the image");
        self.writes.push((at, b));
    }

    /// The same volume behind an Apple partition map (Driver Descriptor Map,
    /// two partition entries, the volume at 512-byte block 64).
    pub fn with_apm(self) -> Img {
        let shift = 64 * 512;
        let mut out = Img {
            len: self.len + shift,
            writes: Vec::new(),
            meta: self.meta + 3,
        };
        let mut ddm = vec![0u8; 512];
        ddm[0..2].copy_from_slice(b"ER");
        ddm[2..4].copy_from_slice(&512u16.to_be_bytes());
        ddm[4..8].copy_from_slice(&((out.len / 512) as u32).to_be_bytes());
        out.put(0, ddm);
        let entry = |start: u32, blocks: u32, name: &str, kind: &str| {
            let mut e = vec![0u8; 512];
            e[0..2].copy_from_slice(b"PM");
            e[4..8].copy_from_slice(&2u32.to_be_bytes());
            e[8..12].copy_from_slice(&start.to_be_bytes());
            e[12..16].copy_from_slice(&blocks.to_be_bytes());
            e[16..16 + name.len()].copy_from_slice(name.as_bytes());
            e[48..48 + kind.len()].copy_from_slice(kind.as_bytes());
            e
        };
        out.put(512, entry(1, 63, "Apple", "Apple_partition_map"));
        out.put(
            1024,
            entry(64, (self.len / 512) as u32, "Disk", "Apple_HFS"),
        );
        for (at, b) in self.writes {
            out.put(at + shift, b);
        }
        out
    }
}

fn be16(v: &mut Vec<u8>, x: u16) {
    v.extend_from_slice(&x.to_be_bytes());
}
fn be32(v: &mut Vec<u8>, x: u32) {
    v.extend_from_slice(&x.to_be_bytes());
}
fn set16(b: &mut [u8], at: usize, x: u16) {
    b[at..at + 2].copy_from_slice(&x.to_be_bytes());
}
fn set32(b: &mut [u8], at: usize, x: u32) {
    b[at..at + 4].copy_from_slice(&x.to_be_bytes());
}

/// A B-tree of `records` (already in key order): header node 0, then leaf
/// nodes chained in order.
pub fn btree(node_size: usize, records: &[Vec<u8>], max_key: u16) -> Vec<u8> {
    let mut leaves: Vec<Vec<&Vec<u8>>> = Vec::new();
    let mut cur: Vec<&Vec<u8>> = Vec::new();
    let mut used = 14 + 2;
    for r in records {
        assert!(r.len() % 2 == 0 && r.len() + 16 + 2 < node_size);
        if used + r.len() + 2 > node_size {
            leaves.push(std::mem::take(&mut cur));
            used = 14 + 2;
        }
        used += r.len() + 2;
        cur.push(r);
    }
    if !cur.is_empty() {
        leaves.push(cur);
    }
    let total = 1 + leaves.len();
    let mut out = vec![0u8; node_size * total];
    // Header node.
    {
        let n = &mut out[..node_size];
        n[8] = 1;
        set16(n, 10, 1);
        let h = 14;
        set16(n, h, if leaves.is_empty() { 0 } else { 1 });
        set32(n, h + 2, if leaves.is_empty() { 0 } else { 1 });
        set32(n, h + 6, records.len() as u32);
        set32(n, h + 10, if leaves.is_empty() { 0 } else { 1 });
        set32(n, h + 14, leaves.len() as u32);
        set16(n, h + 18, node_size as u16);
        set16(n, h + 20, max_key);
        set32(n, h + 22, total as u32);
        set32(n, h + 26, 0);
        set16(n, node_size - 2, 14);
        set16(n, node_size - 4, 14 + 106);
    }
    for (i, leaf) in leaves.iter().enumerate() {
        let no = i + 1;
        let n = &mut out[no * node_size..(no + 1) * node_size];
        let next = if no < leaves.len() { no + 1 } else { 0 };
        set32(n, 0, next as u32);
        set32(n, 4, if no > 1 { no as u32 - 1 } else { 0 });
        n[8] = 0xFF;
        n[9] = 1;
        set16(n, 10, leaf.len() as u16);
        let mut at = 14;
        for (k, r) in leaf.iter().enumerate() {
            n[at..at + r.len()].copy_from_slice(r);
            set16(n, node_size - 2 * (k + 1), at as u16);
            at += r.len();
        }
        set16(n, node_size - 2 * (leaf.len() + 1), at as u16);
    }
    out
}

/// Folders (by path) and their IDs, from 16 on; the root is 2.
fn folders(files: &[FileSpec]) -> BTreeMap<String, u32> {
    let mut m = BTreeMap::new();
    for f in files {
        let parts: Vec<&str> = f.path.split('/').collect();
        for k in 1..parts.len() {
            let p = parts[..k].join("/");
            let n = m.len() as u32;
            m.entry(p).or_insert(16 + n);
        }
    }
    m
}

/// The parent folder's ID and the Mac name (`:` in the path is `/` in the
/// name, as in `IMAGE//PATH`).
fn parent_and_name(path: &str, dirs: &BTreeMap<String, u32>) -> (u32, String) {
    match path.rsplit_once('/') {
        Some((p, n)) => (dirs[p], n.replace(':', "/")),
        None => (2, path.replace(':', "/")),
    }
}

/// Mac OS Roman bytes of `s` (the characters it has).
pub fn roman(s: &str) -> Vec<u8> {
    s.chars()
        .map(|c| {
            (0u8..=255)
                .find(|&b| qtvr_format::text::mac_roman(&[b]).starts_with(c))
                .expect("a Mac Roman character")
        })
        .collect()
}

/// An HFS volume: 512-byte sectors, allocation blocks of `block` bytes from
/// sector 4, catalog and extents files of 512-byte nodes.
pub fn hfs(name: &str, block: u32, files: &[FileSpec]) -> Img {
    let dirs = folders(files);
    let bs = u64::from(block);
    let base = 4 * 512u64;
    // Catalog records.
    let key = |parent: u32, name: &str| {
        let nb = roman(name);
        let mut k = vec![0u8];
        k.push(0);
        be32(&mut k, parent);
        k.push(nb.len() as u8);
        k.extend_from_slice(&nb);
        k[0] = (k.len() - 1) as u8;
        if k.len() % 2 == 1 {
            k.push(0);
        }
        k
    };
    let mut recs: Vec<(u32, Vec<u8>, Vec<u8>)> = Vec::new();
    let folder = |id: u32| {
        let mut d = vec![0u8; 70];
        d[0] = 1;
        set32(&mut d, 6, id);
        d
    };
    recs.push((1, roman(name), [key(1, name), folder(2)].concat()));
    for (p, id) in &dirs {
        let (parent, n) = parent_and_name(p, &dirs);
        recs.push((parent, roman(&n), [key(parent, &n), folder(*id)].concat()));
    }
    // Data after the two B-trees: catalog (blocks from 0), extents.
    let cat_nodes_guess = 1 + (files.len() + dirs.len()) * 140 / 400 + 2;
    let cat_blocks = ((cat_nodes_guess * 512) as u64).div_ceil(bs) as u16;
    let ext_blocks = 1024u64.div_ceil(bs) as u16;
    let mut next = u64::from(cat_blocks) + u64::from(ext_blocks);
    let mut img_writes = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let (parent, n) = parent_and_name(&f.path, &dirs);
        let id = 100 + i as u32;
        let mut d = vec![0u8; 102];
        d[0] = 2;
        d[4..8].copy_from_slice(&f.file_type);
        d[8..12].copy_from_slice(&f.creator);
        set32(&mut d, 20, id);
        let mut fork = |c: &Content, len_at: usize, ext_at: usize, d: &mut Vec<u8>| {
            let blocks = c.len().div_ceil(bs);
            set32(d, len_at, c.len() as u32);
            set32(d, len_at + 4, (blocks * bs) as u32);
            if blocks > 0 {
                set16(d, ext_at, next as u16);
                set16(d, ext_at + 2, blocks as u16);
                if let Content::Bytes(b) = c {
                    img_writes.push((base + next * bs, b.clone()));
                }
                next += blocks;
            }
        };
        fork(&f.data, 26, 74, &mut d);
        fork(&f.rsrc, 36, 86, &mut d);
        recs.push((parent, roman(&n), [key(parent, &n), d].concat()));
    }
    recs.sort_by_key(|a| (a.0, a.1.to_ascii_lowercase()));
    let records: Vec<Vec<u8>> = recs.into_iter().map(|r| r.2).collect();
    let cat = btree(512, &records, 37);
    assert!(
        cat.len() as u64 <= u64::from(cat_blocks) * bs,
        "catalog guess too small"
    );
    let ext = btree(512, &[], 7);
    let total_blocks = next + 1;
    assert!(total_blocks < 65536, "too many blocks for HFS");
    let len = base + total_blocks * bs + 1024;
    let mut mdb = vec![0u8; 162];
    mdb[0..2].copy_from_slice(b"BD");
    set16(&mut mdb, 14, 3);
    set16(&mut mdb, 18, total_blocks as u16);
    set32(&mut mdb, 20, block);
    set16(&mut mdb, 28, 4);
    set32(&mut mdb, 30, 200);
    let nb = roman(name);
    mdb[36] = nb.len() as u8;
    mdb[37..37 + nb.len()].copy_from_slice(&nb);
    set32(&mut mdb, 130, u32::from(ext_blocks) * block);
    set16(&mut mdb, 134, cat_blocks);
    set16(&mut mdb, 136, ext_blocks);
    set32(&mut mdb, 146, u32::from(cat_blocks) * block);
    set16(&mut mdb, 150, 0);
    set16(&mut mdb, 152, cat_blocks);
    let mut img = Img {
        len,
        writes: Vec::new(),
        meta: 3,
    };
    img.put(1024, mdb);
    img.put(base, cat);
    img.put(base + u64::from(cat_blocks) * bs, ext);
    for (at, b) in img_writes {
        img.put(at, b);
    }
    img
}

/// An HFS+ volume with 4096-byte blocks and 4096-byte B-tree nodes. A file
/// with `fragments > 1` has its data fork cut into that many extents with a
/// free block between them; past eight, they continue in the extents
/// overflow file.
pub fn hfsplus(name: &str, files: &[FileSpec]) -> Img {
    const BS: u64 = 4096;
    let dirs = folders(files);
    let key = |parent: u32, name: &str| {
        let units: Vec<u16> = name.encode_utf16().collect();
        let mut k = Vec::new();
        be16(&mut k, (6 + 2 * units.len()) as u16);
        be32(&mut k, parent);
        be16(&mut k, units.len() as u16);
        for u in units {
            be16(&mut k, u);
        }
        k
    };
    let folder = |id: u32| {
        let mut d = vec![0u8; 88];
        set16(&mut d, 0, 1);
        set32(&mut d, 8, id);
        d
    };
    let mut recs: Vec<(u32, String, Vec<u8>)> = Vec::new();
    recs.push((1, name.into(), [key(1, name), folder(2)].concat()));
    for (p, id) in &dirs {
        let (parent, n) = parent_and_name(p, &dirs);
        recs.push((parent, n.clone(), [key(parent, &n), folder(*id)].concat()));
    }
    // Blocks: 0 the volume header, then the extents file, the catalog, data.
    let cat_nodes = 2 + (files.len() + dirs.len()) * 360 / 3000 + 1;
    let ext_nodes = 2 + files.len() / 10;
    let ext_start = 1u64;
    let cat_start = ext_start + ext_nodes as u64;
    let mut next = cat_start + cat_nodes as u64;
    let mut writes = Vec::new();
    let mut overflow: Vec<Vec<u8>> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let (parent, n) = parent_and_name(&f.path, &dirs);
        let id = 100 + i as u32;
        let mut d = vec![0u8; 248];
        set16(&mut d, 0, 2);
        set32(&mut d, 8, id);
        d[48..52].copy_from_slice(&f.file_type);
        d[52..56].copy_from_slice(&f.creator);
        let mut fork = |c: &Content, at: usize, pieces: u32, fork_type: u8, d: &mut Vec<u8>| {
            let blocks = c.len().div_ceil(BS);
            d[at..at + 8].copy_from_slice(&c.len().to_be_bytes());
            set32(d, at + 12, blocks as u32);
            if blocks == 0 {
                return;
            }
            let pieces = u64::from(pieces).clamp(1, blocks);
            let mut extents = Vec::new();
            let mut done = 0u64;
            for p in 0..pieces {
                let n = if p + 1 == pieces {
                    blocks - done
                } else {
                    blocks / pieces
                };
                extents.push((next as u32, n as u32));
                if let Content::Bytes(b) = c {
                    let from = (done * BS) as usize;
                    let to = ((done + n) * BS).min(b.len() as u64) as usize;
                    writes.push((next * BS, b[from..to].to_vec()));
                }
                done += n;
                next += n + u64::from(pieces > 1);
            }
            for (k, e) in extents.iter().take(8).enumerate() {
                set32(d, at + 16 + 8 * k, e.0);
                set32(d, at + 20 + 8 * k, e.1);
            }
            let mut start = extents.iter().take(8).map(|e| e.1).sum::<u32>();
            for chunk in extents[extents.len().min(8)..].chunks(8) {
                let mut r = Vec::new();
                be16(&mut r, 10);
                r.push(fork_type);
                r.push(0);
                be32(&mut r, id);
                be32(&mut r, start);
                for k in 0..8 {
                    let e = chunk.get(k).copied().unwrap_or((0, 0));
                    be32(&mut r, e.0);
                    be32(&mut r, e.1);
                }
                start += chunk.iter().map(|e| e.1).sum::<u32>();
                overflow.push(r);
            }
        };
        fork(&f.data, 88, f.fragments, 0, &mut d);
        fork(&f.rsrc, 168, 1, 0xFF, &mut d);
        recs.push((parent, n.clone(), [key(parent, &n), d].concat()));
    }
    recs.sort_by_key(|a| (a.0, a.1.to_lowercase()));
    let records: Vec<Vec<u8>> = recs.into_iter().map(|r| r.2).collect();
    let cat = btree(BS as usize, &records, 516);
    assert!(
        cat.len() <= cat_nodes * BS as usize,
        "catalog guess too small"
    );
    let ext = btree(BS as usize, &overflow, 10);
    assert!(
        ext.len() <= ext_nodes * BS as usize,
        "extents guess too small"
    );
    let total = next + 1;
    let mut vh = vec![0u8; 512];
    vh[0..2].copy_from_slice(b"H+");
    set16(&mut vh, 2, 4);
    set32(&mut vh, 40, BS as u32);
    set32(&mut vh, 44, total as u32);
    set32(&mut vh, 64, 1000);
    let fork_data = |vh: &mut Vec<u8>, at: usize, start: u64, nodes: usize| {
        let len = nodes as u64 * BS;
        vh[at..at + 8].copy_from_slice(&len.to_be_bytes());
        set32(vh, at + 12, nodes as u32);
        set32(vh, at + 16, start as u32);
        set32(vh, at + 20, nodes as u32);
    };
    fork_data(&mut vh, 192, ext_start, ext_nodes);
    fork_data(&mut vh, 272, cat_start, cat_nodes);
    let mut img = Img {
        len: total * BS,
        writes: Vec::new(),
        meta: 3,
    };
    img.put(1024, vh);
    let mut ext_full = ext;
    ext_full.resize(ext_nodes * BS as usize, 0);
    let mut cat_full = cat;
    cat_full.resize(cat_nodes * BS as usize, 0);
    // The header records name the whole fork's node count.
    set32(&mut ext_full, 14 + 22, ext_nodes as u32);
    set32(&mut cat_full, 14 + 22, cat_nodes as u32);
    img.put(ext_start * BS, ext_full);
    img.put(cat_start * BS, cat_full);
    for (at, b) in writes {
        img.put(at, b);
    }
    img
}

/// An ISO 9660 image (2048-byte blocks): the primary volume descriptor with
/// upper-case `NAME;1` names and, with `joliet`, a Joliet supplementary
/// descriptor with the names as they are (UTF-16), both trees sharing the
/// files' extents. Each directory fits one block.
pub fn iso9660(name: &str, files: &[FileSpec], joliet: bool) -> Img {
    const BS: u64 = 2048;
    let dirs = folders(files);
    let trees = if joliet { 2 } else { 1 };
    // Blocks: 16 descriptors, terminator, then each tree's directories (the
    // root first), then the files.
    let first_dir = 16 + trees + 1;
    let dir_block = |tree: u64, index: u64| first_dir + tree * (1 + dirs.len() as u64) + index;
    let mut next = first_dir + trees * (1 + dirs.len() as u64);
    let mut extents = Vec::new();
    let mut img = Img {
        len: 0,
        writes: Vec::new(),
        meta: 0,
    };
    let mut data = Vec::new();
    for f in files {
        let blocks = f.data.len().div_ceil(BS).max(1);
        extents.push((next as u32, f.data.len() as u32));
        if let Content::Bytes(b) = &f.data {
            data.push((next * BS, b.clone()));
        }
        next += blocks;
    }
    img.len = next * BS;
    let both = |v: &mut Vec<u8>, x: u32| {
        v.extend_from_slice(&x.to_le_bytes());
        v.extend_from_slice(&x.to_be_bytes());
    };
    let record = |extent: u32, size: u32, dir: bool, name: &[u8]| {
        let mut r = vec![0u8, 0];
        both(&mut r, extent);
        both(&mut r, size);
        r.extend_from_slice(&[0; 7]);
        r.push(if dir { 2 } else { 0 });
        r.extend_from_slice(&[0, 0]);
        r.extend_from_slice(&[1, 0, 0, 1]);
        r.push(name.len() as u8);
        r.extend_from_slice(name);
        if r.len() % 2 == 1 {
            r.push(0);
        }
        r[0] = r.len() as u8;
        r
    };
    let encode = |tree: u64, n: &str, file: bool| -> Vec<u8> {
        let n = if file {
            format!("{n};1")
        } else {
            n.to_string()
        };
        if tree == 0 {
            n.to_uppercase().into_bytes()
        } else {
            n.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
        }
    };
    let dir_index = |path: &str| -> u64 {
        if path.is_empty() {
            0
        } else {
            1 + dirs.keys().position(|k| k == path).unwrap() as u64
        }
    };
    let mut descriptors = Vec::new();
    for tree in 0..trees {
        // Directories: "" is the root.
        let all: Vec<String> = std::iter::once(String::new())
            .chain(dirs.keys().cloned())
            .collect();
        for d in &all {
            let me = dir_block(tree, dir_index(d));
            let parent = d.rsplit_once('/').map_or("", |p| p.0);
            let up = dir_block(tree, dir_index(if d.is_empty() { "" } else { parent }));
            let mut b = Vec::new();
            b.extend(record(me as u32, BS as u32, true, &[0]));
            b.extend(record(up as u32, BS as u32, true, &[1]));
            for sub in dirs.keys() {
                let (p, n) = sub.rsplit_once('/').unwrap_or(("", sub));
                if p == d {
                    let blk = dir_block(tree, dir_index(sub));
                    b.extend(record(blk as u32, BS as u32, true, &encode(tree, n, false)));
                }
            }
            for (f, (ext, size)) in files.iter().zip(&extents) {
                let (p, n) = f.path.rsplit_once('/').unwrap_or(("", &f.path));
                if p == d {
                    b.extend(record(*ext, *size, false, &encode(tree, n, true)));
                }
            }
            assert!(b.len() <= BS as usize, "a directory over one block");
            b.resize(BS as usize, 0);
            img.put(me * BS, b);
        }
        let mut v = vec![0u8; BS as usize];
        v[0] = if tree == 0 { 1 } else { 2 };
        v[1..6].copy_from_slice(b"CD001");
        v[6] = 1;
        let id: Vec<u8> = format!("{name:<32}").bytes().take(32).collect();
        v[40..72].copy_from_slice(&id);
        v[80..84].copy_from_slice(&(next as u32).to_le_bytes());
        v[84..88].copy_from_slice(&(next as u32).to_be_bytes());
        if tree == 1 {
            v[88..91].copy_from_slice(b"%/E");
        }
        v[128..130].copy_from_slice(&(BS as u16).to_le_bytes());
        v[130..132].copy_from_slice(&(BS as u16).to_be_bytes());
        let root = record(dir_block(tree, 0) as u32, BS as u32, true, &[0]);
        v[156..156 + root.len()].copy_from_slice(&root);
        descriptors.push(v);
    }
    let mut end = vec![0u8; BS as usize];
    end[0] = 255;
    end[1..6].copy_from_slice(b"CD001");
    end[6] = 1;
    descriptors.push(end);
    for (i, d) in descriptors.into_iter().enumerate() {
        img.put((16 + i as u64) * BS, d);
    }
    // Descriptors and directories are the structure.
    img.meta = img.writes.len();
    for (at, b) in data {
        img.put(at, b);
    }
    img
}
