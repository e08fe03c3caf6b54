//! Movies that claim more than they hold: [`video_size`] rewrites the width
//! and height of every video sample description of a movie, leaving the
//! samples as they are (what a hostile or damaged file does to make a reader
//! allocate huge frames).

/// Containers on the way from the file to a track's sample descriptions.
const CONTAINERS: [&[u8; 4]; 6] = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"];

/// `movie` with every video (`vide`) track's sample descriptions claiming
/// `width × height` pixels. Only plain atoms are followed (no `cmov`).
pub fn video_size(movie: &[u8], width: u16, height: u16) -> Vec<u8> {
    let mut out = movie.to_vec();
    patch(&mut out, 0, movie.len(), false, [width, height]);
    out
}

/// The children of `data[start..end]`: (type, body start, end).
fn atoms(data: &[u8], start: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut at = start;
    while at + 8 <= end {
        let size = u32::from_be_bytes(data[at..at + 4].try_into().unwrap()) as usize;
        let kind: [u8; 4] = data[at + 4..at + 8].try_into().unwrap();
        let (body, stop) = match size {
            0 => (at + 8, end),
            1 if at + 16 <= end => {
                let s = u64::from_be_bytes(data[at + 8..at + 16].try_into().unwrap()) as usize;
                (at + 16, at.saturating_add(s).min(end))
            }
            s if s >= 8 => (at + 8, at.saturating_add(s).min(end)),
            _ => break,
        };
        out.push((kind, body, stop));
        at = stop;
    }
    out
}

fn patch(data: &mut [u8], start: usize, end: usize, video: bool, size: [u16; 2]) {
    let children = atoms(data, start, end);
    // A track is video when its media handler says so.
    let video = video
        || children
            .iter()
            .any(|(k, b, e)| k == b"hdlr" && *e >= b + 12 && &data[b + 8..b + 12] == b"vide");
    for (kind, body, stop) in children {
        if CONTAINERS.contains(&&kind) {
            patch(data, body, stop, video, size);
        } else if &kind == b"stsd" && video && stop >= body + 8 {
            for (_, entry, entry_end) in atoms(data, body + 8, stop) {
                // After the format: 6 reserved, data reference (2), version,
                // revision, vendor, temporal and spatial quality (16): width at 24.
                if entry_end >= entry + 28 {
                    data[entry + 24..entry + 26].copy_from_slice(&size[0].to_be_bytes());
                    data[entry + 26..entry + 28].copy_from_slice(&size[1].to_be_bytes());
                }
            }
        }
    }
}
