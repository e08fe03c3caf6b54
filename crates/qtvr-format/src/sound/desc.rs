//! Sound sample descriptions (QTFF "Sound sample descriptions"), versions 0,
//! 1 and 2, and the codec each names.
//!
//! After the common 16-byte entry header: version, revision level, vendor;
//! then for versions 0 and 1 the channel count, sample size in bits,
//! compression ID, packet size and sample rate (16.16); version 1 adds four
//! 32-bit fields (samples per packet, bytes per packet, bytes per frame,
//! bytes per sample). Version 2 keeps the first 20 bytes as fixed marker
//! values and adds the size of the structure, the sample rate as a 64-bit
//! float, the channel count, the bits per channel, the linear PCM format
//! flags, the bytes per packet and the frames per packet. Extension atoms
//! follow the fixed fields: `wave` (holding `frma`, `enda`, …), or `enda`
//! directly; `enda` (value 1: little-endian) turns `in24`, `in32`, `fl32`
//! and `fl64` (and 24/32-bit `twos`) little-endian.
//!
//! Which codec a format and sample size name follows the QuickTime sound
//! formats as ffmpeg (the reference this crate is tested against) reads
//! them: `raw ` and `NONE` are unsigned 8-bit (16-bit: signed big-endian),
//! `twos` signed big-endian, `sowt` signed little-endian (8-bit for either:
//! signed), `in24`/`in32` signed integers, `fl32`/`fl64` IEEE floats, `lpcm`
//! by its version 2 flags.

use crate::container::reader::Children;
use crate::container::{FourCC, SampleDescription};
use crate::error::{Error, Location, Problem, Result};

/// The fields of a sound sample description that decoding needs.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SoundDescription {
    /// The entry's format (`twos`, `ima4`, `MAC3`, …).
    pub format: FourCC,
    /// Description version: 0, 1 or 2.
    pub version: u16,
    pub channels: u32,
    /// Bits per sample as stored (version 2: bits per channel).
    pub bits: u32,
    /// Sound frames per second.
    pub rate: f64,
    /// Version 1: frames per packet, bytes per packet (one channel), bytes
    /// per frame (all channels), bytes per sample.
    pub v1: Option<[u32; 4]>,
    /// Version 2: the linear PCM flags (1 float, 2 big-endian, 4 signed integer).
    pub lpcm_flags: Option<u32>,
    /// `enda` said little-endian.
    pub little_endian: bool,
    /// The original format from `frma`, when there is one.
    pub original_format: Option<FourCC>,
}

/// How a track's sound is stored, as far as decoding goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum SoundCodec {
    /// Linear PCM: bytes per sample, integer or float, signedness (8-bit
    /// integers only), byte order.
    Pcm(Pcm),
    /// G.711 µ-law (`ulaw`).
    MuLaw,
    /// G.711 A-law (`alaw`).
    ALaw,
    /// Apple IMA ADPCM (`ima4`): 34-byte packets of 64 frames per channel.
    Ima4,
    /// MACE 3:1 (`MAC3`): 2 bytes per channel for 6 frames.
    Mace3,
    /// MACE 6:1 (`MAC6`): 1 byte per channel for 6 frames.
    Mace6,
    /// No decoder here: the ffmpeg fallback's, or none.
    Other(FourCC),
}

/// A linear PCM layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pcm {
    /// 1, 2, 3 or 4 for integers; 4 or 8 for floats.
    pub bytes: u8,
    pub float: bool,
    /// Only 8-bit integers may be unsigned (offset binary); wider ones are signed.
    pub signed: bool,
    pub big_endian: bool,
}

impl SoundCodec {
    /// Frames one packet holds and the bytes one packet takes for all
    /// `channels`: a frame for PCM and G.711.
    pub fn packet(self, channels: u32) -> Option<(u32, u32)> {
        let per_channel = match self {
            SoundCodec::Pcm(p) => (1, u32::from(p.bytes)),
            SoundCodec::MuLaw | SoundCodec::ALaw => (1, 1),
            SoundCodec::Ima4 => (64, 34),
            SoundCodec::Mace3 => (6, 2),
            SoundCodec::Mace6 => (6, 1),
            SoundCodec::Other(_) => return None,
        };
        Some((per_channel.0, per_channel.1.checked_mul(channels)?))
    }

    /// A short name for listings: `16-bit big-endian PCM`, `IMA ADPCM`, ….
    pub fn describe(self) -> String {
        match self {
            SoundCodec::Pcm(p) => {
                let kind = if p.float {
                    "float"
                } else if p.signed {
                    "signed"
                } else {
                    "unsigned"
                };
                let order = if p.bytes == 1 {
                    ""
                } else if p.big_endian {
                    " big-endian"
                } else {
                    " little-endian"
                };
                format!("{}-bit {kind}{order} PCM", u32::from(p.bytes) * 8)
            }
            SoundCodec::MuLaw => "µ-law".into(),
            SoundCodec::ALaw => "A-law".into(),
            SoundCodec::Ima4 => "IMA ADPCM 4:1".into(),
            SoundCodec::Mace3 => "MACE 3:1".into(),
            SoundCodec::Mace6 => "MACE 6:1".into(),
            SoundCodec::Other(f) => format!("'{f}' (no decoder here)"),
        }
    }
}

fn invalid(d: &SampleDescription, what: String) -> Error {
    Error::atom(d.format, d.location, Problem::Invalid(what))
}

/// Reads a sound sample description (the entry's bytes after its 16-byte header).
pub fn read_sound_description(d: &SampleDescription) -> Result<SoundDescription> {
    let data = d.data.as_slice();
    let short = |need: usize| {
        Error::atom(
            d.format,
            d.location,
            Problem::BodyTooShort {
                need: need as u64 + 16,
                have: data.len() as u64 + 16,
            },
        )
    };
    let u16_at = |o: usize| {
        data.get(o..o + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| short(o + 2))
    };
    let u32_at = |o: usize| {
        data.get(o..o + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| short(o + 4))
    };
    let version = u16_at(0)?;
    let (channels, bits, rate, v1, lpcm_flags, extensions_at) = match version {
        0 | 1 => {
            let channels = u32::from(u16_at(8)?);
            let bits = u32::from(u16_at(10)?);
            let rate = f64::from(u32_at(16)?) / 65536.0;
            if version == 1 {
                let v1 = [u32_at(20)?, u32_at(24)?, u32_at(28)?, u32_at(32)?];
                (channels, bits, rate, Some(v1), None, 36)
            } else {
                (channels, bits, rate, None, None, 20)
            }
        }
        2 => {
            let hi = u32_at(24)?;
            let lo = u32_at(28)?;
            let rate = f64::from_bits((u64::from(hi) << 32) | u64::from(lo));
            let channels = u32_at(32)?;
            let bits = u32_at(40)?;
            let flags = u32_at(44)?;
            (channels, bits, rate, None, Some(flags), 56)
        }
        v => {
            return Err(Error::atom(
                d.format,
                d.location,
                Problem::UnsupportedVersion(u32::from(v)),
            ));
        }
    };
    if channels == 0 || channels > 16 {
        return Err(invalid(
            d,
            format!("{channels} sound channels (1 to 16 are read)"),
        ));
    }
    if !(1.0..=1_000_000.0).contains(&rate) {
        return Err(invalid(
            d,
            format!("sample rate {rate} is not a sound rate"),
        ));
    }
    let mut desc = SoundDescription {
        format: d.format,
        version,
        channels,
        bits,
        rate,
        v1,
        lpcm_flags,
        little_endian: false,
        original_format: None,
    };
    if let Some(ext) = data.get(extensions_at..) {
        let base = Location {
            offset: d.location.offset + 16 + extensions_at as u64,
            ..d.location
        };
        read_extensions(ext, base, &mut desc, 0);
    }
    Ok(desc)
}

/// `wave`, `enda` and `frma` among the extension atoms; anything broken
/// ends the scan quietly (extensions are optional).
fn read_extensions(data: &[u8], base: Location, desc: &mut SoundDescription, depth: u32) {
    for a in Children::new(data, base).lenient_tail() {
        let Ok(a) = a else { break };
        match &a.kind.0 {
            b"wave" if depth == 0 => read_extensions(a.data, a.body_location(), desc, 1),
            b"enda" => {
                if let Some(b) = a.data.get(..2) {
                    desc.little_endian = u16::from_be_bytes([b[0], b[1]]) & 0xFF == 1;
                }
            }
            b"frma" => {
                if let Some(b) = a.data.get(..4) {
                    desc.original_format = Some(FourCC([b[0], b[1], b[2], b[3]]));
                }
            }
            _ => {}
        }
    }
}

impl SoundDescription {
    /// The codec the format and sample size name (see the module doc).
    pub fn codec(&self) -> SoundCodec {
        let int = |bytes: u8, signed: bool, big_endian: bool| {
            SoundCodec::Pcm(Pcm {
                bytes,
                float: false,
                signed: signed || bytes > 1,
                big_endian,
            })
        };
        let float = |bytes: u8, big_endian: bool| {
            SoundCodec::Pcm(Pcm {
                bytes,
                float: true,
                signed: true,
                big_endian,
            })
        };
        let be = !self.little_endian;
        match &self.format.0 {
            b"raw " | b"NONE" => match self.bits {
                16 => int(2, true, true),
                _ => int(1, false, true),
            },
            b"twos" => match self.bits {
                8 => int(1, true, true),
                24 => int(3, true, be),
                32 => int(4, true, be),
                _ => int(2, true, true),
            },
            b"sowt" => match self.bits {
                8 => int(1, true, false),
                24 => int(3, true, false),
                32 => int(4, true, false),
                _ => int(2, true, false),
            },
            b"in24" => int(3, true, be),
            b"in32" => int(4, true, be),
            b"fl32" => float(4, be),
            b"fl64" => float(8, be),
            b"lpcm" => {
                let flags = self.lpcm_flags.unwrap_or(0);
                let big = flags & 2 != 0;
                match (flags & 1 != 0, self.bits) {
                    (true, 32) => float(4, big),
                    (true, 64) => float(8, big),
                    (false, 8) => int(1, flags & 4 != 0, big),
                    (false, 16) => int(2, true, big),
                    (false, 24) => int(3, true, big),
                    (false, 32) => int(4, true, big),
                    _ => SoundCodec::Other(self.format),
                }
            }
            b"ulaw" => SoundCodec::MuLaw,
            b"alaw" => SoundCodec::ALaw,
            b"ima4" => SoundCodec::Ima4,
            b"MAC3" => SoundCodec::Mace3,
            b"MAC6" => SoundCodec::Mace6,
            _ => SoundCodec::Other(self.format),
        }
    }
}
