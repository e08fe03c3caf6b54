//! Sample descriptions (`stsd` entries): video descriptions with depth, colour
//! table ID and colour tables; every other entry kept raw.

use serde::Serialize;

use super::FourCC;
use super::reader::{AtomBody, Children, Fields};
use crate::error::{Location, Result};

/// One entry of a track's `stsd`.
#[derive(Debug, Clone, Serialize)]
pub struct SampleDescription {
    /// The entry's type: the codec for video, `qtvr` or `pano` for VR tracks.
    pub format: FourCC,
    /// Index into the media's data references (1-based).
    pub data_ref_index: u16,
    /// File offset (or cmov offset) of the entry.
    #[serde(skip)]
    pub location: Location,
    /// Everything after the 16-byte entry header.
    #[serde(skip)]
    pub data: Vec<u8>,
    /// Parsed fields when the track is video.
    pub video: Option<VideoDescription>,
}

/// The video fields of a sample description (QTFF "Video sample description").
#[derive(Debug, Clone, Serialize)]
pub struct VideoDescription {
    pub version: u16,
    pub revision: u16,
    pub vendor: FourCC,
    pub temporal_quality: u32,
    pub spatial_quality: u32,
    pub width: u16,
    pub height: u16,
    pub horizontal_resolution: f64,
    pub vertical_resolution: f64,
    pub frame_count: u16,
    pub compressor_name: String,
    /// Bits per pixel: 1-32 colour, 34/36/40 grey at 2/4/8 bits (33 = 1-bit grey).
    pub depth: i16,
    /// -1: no table (use the default for the depth); 0: a table follows; else a Mac system table ID.
    pub color_table_id: i16,
    /// Colour table stored with the description (inline, or in a `ctab` extension).
    pub color_table: Option<ColorTable>,
    /// Extension atoms after the fixed fields (`fiel`, `pasp`, `gama`, ...), raw.
    #[serde(skip)]
    pub extensions: Vec<(FourCC, Vec<u8>)>,
}

/// A Mac colour table (`ctab`): 16-bit RGB per entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColorTable {
    pub seed: u32,
    pub flags: u16,
    /// (value, red, green, blue), components 0..=65535.
    pub entries: Vec<[u16; 4]>,
}

impl ColorTable {
    /// Reads a colour table (seed, flags, size-1, entries) from `f`.
    pub fn read(f: &mut Fields<'_>) -> Result<Self> {
        let seed = f.u32()?;
        let flags = f.u16()?;
        let count = u64::from(f.u16()?) + 1;
        f.check_table(count, 8)?;
        let mut entries = Vec::with_capacity(count as usize);
        for _ in 0..count {
            entries.push([f.u16()?, f.u16()?, f.u16()?, f.u16()?]);
        }
        Ok(ColorTable {
            seed,
            flags,
            entries,
        })
    }
}

/// Reads one `stsd` entry; `is_video` selects the video layout.
pub fn read_sample_entry(entry: &AtomBody<'_>, is_video: bool) -> Result<SampleDescription> {
    let mut f = entry.fields();
    f.skip(6)?;
    let data_ref_index = f.u16()?;
    let data = f.rest().to_vec();
    let video = if is_video && data.len() >= 70 {
        Some(read_video_description(entry)?)
    } else {
        None
    };
    Ok(SampleDescription {
        format: entry.kind,
        data_ref_index,
        location: entry.location,
        data,
        video,
    })
}

/// QTFF "Video sample description": the 70 bytes after the common header, then
/// an optional colour table and extension atoms.
fn read_video_description(entry: &AtomBody<'_>) -> Result<VideoDescription> {
    let mut f = entry.fields();
    f.skip(8)?;
    let version = f.u16()?;
    let revision = f.u16()?;
    let vendor = f.fourcc()?;
    let temporal_quality = f.u32()?;
    let spatial_quality = f.u32()?;
    let width = f.u16()?;
    let height = f.u16()?;
    let horizontal_resolution = f.ufixed16()?;
    let vertical_resolution = f.ufixed16()?;
    let _data_size = f.u32()?;
    let frame_count = f.u16()?;
    let name = f.bytes(32)?;
    let n = usize::from(name[0]).min(31);
    let compressor_name = crate::text::mac_roman(&name[1..1 + n]);
    let depth = f.i16()?;
    let color_table_id = f.i16()?;
    let mut color_table = None;
    let indexed = matches!(depth, 1 | 2 | 4 | 8 | 33 | 34 | 36 | 40);
    if color_table_id == 0 && indexed && f.remaining() >= 8 {
        color_table = Some(ColorTable::read(&mut f)?);
    }
    let mut extensions = Vec::new();
    for a in entry.children_from(f.position()).lenient_tail() {
        // Extensions are optional decoration: stop quietly at the first broken one.
        let Ok(a) = a else { break };
        if a.kind.0 == *b"ctab" && color_table.is_none() {
            color_table = ColorTable::read(&mut a.fields()).ok();
        }
        extensions.push((a.kind, a.data.to_vec()));
    }
    Ok(VideoDescription {
        version,
        revision,
        vendor,
        temporal_quality,
        spatial_quality,
        width,
        height,
        horizontal_resolution,
        vertical_resolution,
        frame_count,
        compressor_name,
        depth,
        color_table_id,
        color_table,
        extensions,
    })
}

/// Reads all entries of an `stsd` atom.
pub fn read_stsd(stsd: &AtomBody<'_>, is_video: bool) -> Result<Vec<SampleDescription>> {
    let mut f = stsd.fields();
    f.version_flags()?;
    let count = f.u32()?;
    // Each entry is at least a 16-byte atom.
    f.check_table(u64::from(count), 16)?;
    let mut out = Vec::with_capacity(count as usize);
    let body = stsd.children_from(8);
    let mut kids: Children<'_> = body;
    for _ in 0..count {
        match kids.next() {
            Some(e) => {
                let e = e?;
                out.push(read_sample_entry(&e, is_video)?);
            }
            None => break,
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::build::{Body, full_atom, video_entry};
    use crate::container::reader::parse_atom_at;

    #[test]
    fn video_description_with_inline_colour_table() {
        let table = [[0, 0xffff, 0xffff, 0xffff], [1, 0, 0, 0]];
        let mut e = video_entry(b"smc ", 320, 240, 8, Some(&table));
        e.extend(crate::container::build::atom(b"fiel", &[1, 0]));
        let n = e.len() as u32;
        e[..4].copy_from_slice(&n.to_be_bytes());
        let stsd = full_atom(b"stsd", 0, 0, &Body::new().u32(1).bytes(&e).done());
        let (a, _) = parse_atom_at(&stsd, 0, Location::file(0)).unwrap();
        let d = read_stsd(&a, true).unwrap();
        assert_eq!(d.len(), 1);
        let v = d[0].video.as_ref().unwrap();
        assert_eq!(d[0].format, FourCC::new(b"smc "));
        assert_eq!(
            (v.width, v.height, v.depth, v.color_table_id),
            (320, 240, 8, 0)
        );
        assert_eq!(v.compressor_name, "smc ");
        assert_eq!(v.color_table.as_ref().unwrap().entries, table.to_vec());
        assert_eq!(v.extensions.len(), 1);
        assert_eq!(v.extensions[0].0, FourCC::new(b"fiel"));
    }

    #[test]
    fn stsd_count_larger_than_atom_is_an_error() {
        let stsd = full_atom(b"stsd", 0, 0, &Body::new().u32(1000).done());
        let (a, _) = parse_atom_at(&stsd, 0, Location::file(0)).unwrap();
        let e = read_stsd(&a, true).unwrap_err().to_string();
        assert!(e.contains("'stsd'") && e.contains("1000 entries"), "{e}");
    }
}
