//! `png `, `gif ` and `tiff` decoder: each sample is a whole still-image file.
//!
//! QuickTime can store any still-image format as a video sample; a sample is then
//! the complete file (PNG, GIF or TIFF), so decoding is the `image` crate's job.
//! This module only bounds what `image` may allocate (the picture may not be
//! larger than the frame, and the decoder's buffers are limited to a small
//! multiple of the frame's size, so a hostile header cannot ask for gigabytes),
//! and converts whatever layout comes back into the RGBA frame:
//!
//! * 8-bit grey, grey+alpha, RGB and RGBA are copied (palettes arrive expanded);
//!   alpha is kept in the frame, and dropped by RGB24 as ffmpeg's conversion
//!   drops it (no blending);
//! * 16-bit samples become 8-bit as `(v + 128) >> 8` (clamped), which is
//!   exactly what ffmpeg's conversion of 16-bit grey to RGB24 gives and within
//!   one level of its RGB48 conversion (which goes through an internal YUV);
//! * floating-point samples (TIFF) are clamped to 0..=1 and scaled.
//!
//! A picture smaller than the frame fills its top-left corner (the rest is left
//! as it was); a larger one is refused. ffmpeg's own PNG decoder gives
//! bit-identical 8-bit pictures.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};

/// Decoder for `png `, `gif ` and `tiff` streams.
pub struct StillDecoder {
    format: ImageFormat,
    /// GIF: the header, screen descriptor and global colour table of the last
    /// sample that had them. ffmpeg's GIF encoder writes them only in the first
    /// sample; later samples are image blocks drawn over the previous frame
    /// (transparent pixels keep it), which is how ffmpeg's decoder reads them.
    gif_header: Option<Vec<u8>>,
}

/// The bytes of a GIF file before its first block: signature, logical screen
/// descriptor and global colour table, or None when `data` is not a GIF file.
fn gif_header(data: &[u8]) -> Option<&[u8]> {
    if !data.starts_with(b"GIF8") || data.len() < 13 {
        return None;
    }
    let flags = data[10];
    let table = if flags & 0x80 != 0 {
        3usize << ((flags & 7) + 1)
    } else {
        0
    };
    data.get(..13 + table)
}

/// Bytes the tiff crate holds for each value of a tag it reads (its `ifd::Value`
/// enum on 64-bit targets).
const TIFF_VALUE_BYTES: u64 = 32;

/// The tags the tiff crate reads while it opens a file (`image` hands it our
/// limits only after that), with their names for error messages.
const TIFF_TAGS_READ_ON_OPEN: [(u16, &str); 20] = [
    (256, "ImageWidth"),
    (257, "ImageLength"),
    (258, "BitsPerSample"),
    (259, "Compression"),
    (262, "PhotometricInterpretation"),
    (273, "StripOffsets"),
    (274, "Orientation"),
    (277, "SamplesPerPixel"),
    (278, "RowsPerStrip"),
    (279, "StripByteCounts"),
    (284, "PlanarConfiguration"),
    (317, "Predictor"),
    (322, "TileWidth"),
    (323, "TileLength"),
    (324, "TileOffsets"),
    (325, "TileByteCounts"),
    (338, "ExtraSamples"),
    (339, "SampleFormat"),
    (347, "JPEGTables"),
    (530, "YCbCrSubSampling"),
];

/// Bytes per value of a TIFF field type (None: a type the tiff crate skips).
fn tiff_type_bytes(ty: u16) -> Option<u64> {
    Some(match ty {
        1 | 2 | 6 | 7 => 1,   // BYTE, ASCII, SBYTE, UNDEFINED
        3 | 8 => 2,           // SHORT, SSHORT
        4 | 9 | 11 | 13 => 4, // LONG, SLONG, FLOAT, IFD
        5 | 10 | 12 => 8,     // RATIONAL, SRATIONAL, DOUBLE
        16..=18 => 8,         // LONG8, SLONG8, IFD8 (BigTIFF)
        _ => return None,
    })
}

/// Checks a TIFF file's first IFD before `image` opens it.
///
/// The tiff crate reads the tags of the first IFD (dimensions, sample layout,
/// compression, every strip's or tile's offset and byte count) while it opens
/// the file, under its own default limits: `image` passes ours only after
/// that, and each value read takes 32 bytes (`TIFF_VALUE_BYTES`). A corrupt
/// count (ImageLength with 64,257 values in a 27 KB file) made it allocate
/// 2 MB for a 35,840-byte frame before it found that the values are not
/// there. So each of those tags (`TIFF_TAGS_READ_ON_OPEN`) must have its
/// values inside the sample, and no more of them than half the frame's bytes
/// plus 64 KiB hold at 32 bytes each (a strip per row of a 4-plane picture
/// fits for any frame at least 64 pixels wide); the picture's declared width
/// and height may not exceed the frame's. The errors name the tag.
fn check_tiff(data: &[u8], fw: u32, fh: u32) -> Result<(), DecodeError> {
    let len = data.len() as u64;
    let big_endian = match data.get(..2) {
        Some(b"II") => false,
        Some(b"MM") => true,
        _ => return Err(DecodeError::at(0, "TIFF: no byte order mark (II or MM)")),
    };
    let uint = |at: u64, n: usize| -> Option<u64> {
        let at = usize::try_from(at).ok()?;
        let b = data.get(at..at.checked_add(n)?)?;
        Some(b.iter().enumerate().fold(0u64, |v, (i, &x)| {
            if big_endian {
                v << 8 | u64::from(x)
            } else {
                v | u64::from(x) << (8 * i)
            }
        }))
    };
    let truncated = || DecodeError::truncated(data.len());
    // Classic TIFF: 2-byte entry count, 12-byte entries with a 4-byte count and
    // value; BigTIFF: 8-byte entry count, 20-byte entries, 8-byte count and value.
    let (bigtiff, ifd) = match uint(2, 2).ok_or_else(truncated)? {
        42 => (false, uint(4, 4).ok_or_else(truncated)?),
        43 => (true, uint(8, 8).ok_or_else(truncated)?),
        v => {
            return Err(DecodeError::at(
                2,
                format!("TIFF: version {v}, not 42 or 43"),
            ));
        }
    };
    let (count_bytes, entry_bytes, field) = if bigtiff { (8, 20, 8) } else { (2, 12, 4) };
    let entries = uint(ifd, count_bytes).ok_or_else(|| {
        DecodeError::at(
            4,
            format!("TIFF: the first IFD's offset {ifd} is past the end of the {len}-byte sample"),
        )
    })?;
    let first = ifd + count_bytes as u64;
    if entries
        .checked_mul(entry_bytes)
        .and_then(|n| n.checked_add(first))
        .is_none_or(|end| end > len)
    {
        return Err(DecodeError::at(
            ifd as usize,
            format!(
                "TIFF: the first IFD's {entries} entries at offset {ifd} run past the end of the {len}-byte sample"
            ),
        ));
    }
    let frame_bytes = u64::from(fw) * u64::from(fh) * 4;
    let max_values = (frame_bytes / 2 + (64 << 10)) / TIFF_VALUE_BYTES;
    for i in 0..entries {
        let at = first + i * entry_bytes;
        let e = |n: u64, size: usize| uint(at + n, size).ok_or_else(truncated);
        let (tag, ty, count) = (e(0, 2)?, e(2, 2)?, e(4, field)?);
        let Some(&(_, name)) = TIFF_TAGS_READ_ON_OPEN
            .iter()
            .find(|t| u64::from(t.0) == tag)
        else {
            continue;
        };
        let Some(size) = tiff_type_bytes(ty as u16) else {
            continue;
        };
        if count > max_values {
            return Err(DecodeError::at(
                at as usize,
                format!(
                    "TIFF: tag {tag} ({name}) declares {count} values, more than the \
                     {max_values} a {fw}×{fh} frame allows"
                ),
            ));
        }
        let bytes = count * size;
        let value_at = at + 4 + field as u64;
        if bytes > field as u64 {
            let offset = e(4 + field as u64, field)?;
            if offset.checked_add(bytes).is_none_or(|end| end > len) {
                return Err(DecodeError::at(
                    value_at as usize,
                    format!(
                        "TIFF: tag {tag} ({name}) declares {count} values ({bytes} bytes at \
                         offset {offset}), past the end of the {len}-byte sample"
                    ),
                ));
            }
        } else if count == 1 && (tag == 256 || tag == 257) {
            let v = uint(value_at, size as usize).ok_or_else(truncated)?;
            let limit = if tag == 256 { fw } else { fh };
            if v > u64::from(limit) {
                return Err(DecodeError::at(
                    value_at as usize,
                    format!("TIFF: the picture's {name} is {v}, larger than the {fw}×{fh} frame"),
                ));
            }
        }
    }
    Ok(())
}

impl StillDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        let format = match &info.codec.0 {
            b"png " => ImageFormat::Png,
            b"gif " => ImageFormat::Gif,
            b"tiff" => ImageFormat::Tiff,
            _ => return Err(Unsupported::Codec(info.codec)),
        };
        Ok(StillDecoder {
            format,
            gif_header: None,
        })
    }

    fn name(&self) -> &'static str {
        match self.format {
            ImageFormat::Png => "PNG",
            ImageFormat::Gif => "GIF",
            _ => "TIFF",
        }
    }
}

/// 16-bit to 8-bit, rounded as ffmpeg's conversion does.
#[inline]
fn to8(v: u16) -> u8 {
    ((u32::from(v) + 128) >> 8).min(255) as u8
}

/// 0..=1 floating point to 8-bit.
#[inline]
fn f_to8(v: f32) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0).round() as u8
}

/// Copies `w × h` pixels, `n` samples each, into the frame's top-left corner;
/// `px` turns one pixel's samples into RGBA.
fn copy<T: Copy>(
    src: &[T],
    n: usize,
    w: usize,
    h: usize,
    frame: &mut Frame,
    px: impl Fn(&[T]) -> [u8; 4],
) {
    let fw = frame.width as usize;
    for (dst, row) in frame
        .data
        .chunks_exact_mut(fw * 4)
        .zip(src.chunks_exact(w * n))
        .take(h)
    {
        for (d, s) in dst.chunks_exact_mut(4).zip(row.chunks_exact(n)) {
            d.copy_from_slice(&px(s));
        }
    }
}

impl Decoder for StillDecoder {
    fn kind(&self) -> FrameKind {
        FrameKind::Rgba
    }

    fn decode(&mut self, sample: &[u8], _sync: bool, frame: &mut Frame) -> Result<(), DecodeError> {
        let (fw, fh) = (frame.width, frame.height);
        let bytes = u64::from(fw) * u64::from(fh) * 4;
        if frame.kind != FrameKind::Rgba || fw == 0 || fh == 0 || frame.data.len() as u64 != bytes {
            return Err(DecodeError::header(format!(
                "the frame passed in is not a {fw}×{fh} RGBA frame"
            )));
        }
        let name = self.name();
        // A GIF sample without its own header continues the stream (see `gif_header`).
        let mut continued = None;
        if self.format == ImageFormat::Gif {
            if let Some(h) = gif_header(sample) {
                self.gif_header = Some(h.to_vec());
            } else if let Some(h) = &self.gif_header {
                let mut whole = Vec::with_capacity(h.len() + sample.len() + 1);
                whole.extend_from_slice(h);
                whole.extend_from_slice(sample);
                whole.push(0x3B);
                continued = Some(whole);
            } else {
                return Err(DecodeError::at(
                    0,
                    "GIF: the sample has no GIF header and no earlier sample gave one",
                ));
            }
        }
        let data: &[u8] = continued.as_deref().unwrap_or(sample);
        if self.format == ImageFormat::Tiff {
            check_tiff(data, fw, fh)?;
        }
        let mut reader = ImageReader::with_format(Cursor::new(data), self.format);
        let mut limits = Limits::default();
        limits.max_image_width = Some(fw);
        limits.max_image_height = Some(fh);
        // Room for the largest layout `image` decodes to (RGBA, 16 bits) plus the
        // decoders' own line buffers.
        limits.max_alloc = Some(bytes * 2 + (1 << 20));
        reader.limits(limits);
        let image = reader
            .decode()
            .map_err(|e| DecodeError::at(0, format!("{name}: {e}")))?;
        let (w, h) = (image.width() as usize, image.height() as usize);
        if w > fw as usize || h > fh as usize {
            return Err(DecodeError::header(format!(
                "the {name} picture is {w}×{h}, larger than the {fw}×{fh} frame"
            )));
        }
        if continued.is_some() {
            // Draw over the previous frame; transparent pixels keep it.
            let rgba = image.to_rgba8();
            let fw = fw as usize;
            for (dst, row) in frame
                .data
                .chunks_exact_mut(fw * 4)
                .zip(rgba.as_raw().chunks_exact(w * 4))
            {
                for (d, s) in dst.chunks_exact_mut(4).zip(row.chunks_exact(4)) {
                    if s[3] != 0 {
                        d.copy_from_slice(s);
                    }
                }
            }
            return Ok(());
        }
        match &image {
            DynamicImage::ImageLuma8(b) => {
                copy(b.as_raw(), 1, w, h, frame, |s| [s[0], s[0], s[0], 255])
            }
            DynamicImage::ImageLumaA8(b) => {
                copy(b.as_raw(), 2, w, h, frame, |s| [s[0], s[0], s[0], s[1]])
            }
            DynamicImage::ImageRgb8(b) => {
                copy(b.as_raw(), 3, w, h, frame, |s| [s[0], s[1], s[2], 255])
            }
            DynamicImage::ImageRgba8(b) => {
                copy(b.as_raw(), 4, w, h, frame, |s| [s[0], s[1], s[2], s[3]])
            }
            DynamicImage::ImageLuma16(b) => copy(b.as_raw(), 1, w, h, frame, |s| {
                let v = to8(s[0]);
                [v, v, v, 255]
            }),
            DynamicImage::ImageLumaA16(b) => copy(b.as_raw(), 2, w, h, frame, |s| {
                let v = to8(s[0]);
                [v, v, v, to8(s[1])]
            }),
            DynamicImage::ImageRgb16(b) => copy(b.as_raw(), 3, w, h, frame, |s| {
                [to8(s[0]), to8(s[1]), to8(s[2]), 255]
            }),
            DynamicImage::ImageRgba16(b) => copy(b.as_raw(), 4, w, h, frame, |s| {
                [to8(s[0]), to8(s[1]), to8(s[2]), to8(s[3])]
            }),
            DynamicImage::ImageRgb32F(b) => copy(b.as_raw(), 3, w, h, frame, |s| {
                [f_to8(s[0]), f_to8(s[1]), f_to8(s[2]), 255]
            }),
            DynamicImage::ImageRgba32F(b) => copy(b.as_raw(), 4, w, h, frame, |s| {
                [f_to8(s[0]), f_to8(s[1]), f_to8(s[2]), f_to8(s[3])]
            }),
            other => {
                let rgba = other.to_rgba8();
                copy(rgba.as_raw(), 4, w, h, frame, |s| [s[0], s[1], s[2], s[3]]);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::container::FourCC;
    use crate::limits::Limits;
    use image::{ImageBuffer, ImageEncoder, Luma, LumaA, Rgb, Rgba};
    use sha2::{Digest, Sha256};

    fn info(codec: &[u8; 4], width: u32, height: u32) -> StreamInfo {
        StreamInfo {
            codec: FourCC(*codec),
            width,
            height,
            depth: 24,
            palette: None,
        }
    }

    fn frame(w: u32, h: u32) -> Frame {
        Frame::new(w, h, FrameKind::Rgba, None, &Limits::default()).unwrap()
    }

    fn decode(codec: &[u8; 4], w: u32, h: u32, data: &[u8]) -> (Frame, Result<(), DecodeError>) {
        let mut d = StillDecoder::new(&info(codec, w, h)).unwrap();
        let mut f = frame(w, h);
        let r = d.decode(data, true, &mut f);
        (f, r)
    }

    fn png(data: &[u8], w: u32, h: u32, color: image::ExtendedColorType) -> Vec<u8> {
        let mut out = Vec::new();
        image::codecs::png::PngEncoder::new(&mut out)
            .write_image(data, w, h, color)
            .unwrap();
        out
    }

    /// A 5×3 test card: value (x, y, channel) → byte.
    fn card(x: u32, y: u32, c: u32) -> u8 {
        (x * 50 + y * 80 + c * 30) as u8
    }

    #[test]
    fn png_layouts_to_rgba() {
        let (w, h) = (5u32, 3u32);
        let px = |n: u32| -> Vec<u8> {
            (0..h)
                .flat_map(|y| (0..w).flat_map(move |x| (0..n).map(move |c| card(x, y, c))))
                .collect()
        };
        use image::ExtendedColorType as C;
        type Want = fn(&[u8]) -> [u8; 4];
        let cases: [(C, u32, Want); 4] = [
            (C::L8, 1, |s| [s[0], s[0], s[0], 255]),
            (C::La8, 2, |s| [s[0], s[0], s[0], s[1]]),
            (C::Rgb8, 3, |s| [s[0], s[1], s[2], 255]),
            (C::Rgba8, 4, |s| [s[0], s[1], s[2], s[3]]),
        ];
        for (color, n, want) in cases {
            let src = px(n);
            let (f, r) = decode(b"png ", w, h, &png(&src, w, h, color));
            r.unwrap();
            for (i, s) in src.chunks_exact(n as usize).enumerate() {
                assert_eq!(&f.data[i * 4..i * 4 + 4], &want(s), "{color:?} pixel {i}");
            }
        }
    }

    #[test]
    fn sixteen_bits_round_like_ffmpeg() {
        // Big-endian 16-bit samples as PNG stores them.
        let vals: [u16; 6] = [0, 127, 128, 383, 384, 65535];
        let be: Vec<u8> = vals.iter().flat_map(|v| v.to_be_bytes()).collect();
        let img = ImageBuffer::<Luma<u16>, _>::from_raw(6, 1, vals.to_vec()).unwrap();
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        let _ = be;
        let (f, r) = decode(b"png ", 6, 1, &out);
        r.unwrap();
        let got: Vec<u8> = f.data.chunks_exact(4).map(|p| p[0]).collect();
        assert_eq!(got, [0, 0, 1, 1, 2, 255]);
        let rgb =
            ImageBuffer::<Rgb<u16>, _>::from_raw(1, 1, vec![0x1280u16, 0xFF7F, 0x0080]).unwrap();
        let mut out = Vec::new();
        rgb.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        let (f, r) = decode(b"png ", 1, 1, &out);
        r.unwrap();
        assert_eq!(&f.data[..], &[0x13, 0xFF, 0x01, 255]);
        let la = ImageBuffer::<LumaA<u16>, _>::from_raw(1, 1, vec![0x8000u16, 0x4000]).unwrap();
        let mut out = Vec::new();
        la.write_to(&mut std::io::Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        let (f, r) = decode(b"png ", 1, 1, &out);
        r.unwrap();
        assert_eq!(&f.data[..], &[0x80, 0x80, 0x80, 0x40]);
    }

    #[test]
    fn gif_and_tiff() {
        let src: Vec<u8> = (0..4 * 2)
            .flat_map(|i| [i * 30, 255 - i * 30, i * 7, 255])
            .collect();
        let img = ImageBuffer::<Rgba<u8>, _>::from_raw(4, 2, src.clone()).unwrap();
        let mut tiff = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut tiff), ImageFormat::Tiff)
            .unwrap();
        let (f, r) = decode(b"tiff", 4, 2, &tiff);
        r.unwrap();
        assert_eq!(f.data, src);
        // GIF: a palette image; a flat colour survives exactly.
        let flat: Vec<u8> = [200u8, 40, 90, 255].repeat(8);
        let img = ImageBuffer::<Rgba<u8>, _>::from_raw(4, 2, flat.clone()).unwrap();
        let mut gif = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut gif), ImageFormat::Gif)
            .unwrap();
        let (f, r) = decode(b"gif ", 4, 2, &gif);
        r.unwrap();
        assert_eq!(f.data, flat);
    }

    #[test]
    fn sizes() {
        let src = vec![9u8; 2 * 2 * 3];
        let data = png(&src, 2, 2, image::ExtendedColorType::Rgb8);
        // Smaller than the frame: top-left corner.
        let (f, r) = decode(b"png ", 3, 3, &data);
        r.unwrap();
        assert_eq!(&f.data[..4], &[9, 9, 9, 255]);
        assert_eq!(&f.data[8..12], &[0, 0, 0, 255]);
        // Larger than the frame: refused before decoding.
        let (_, r) = decode(b"png ", 1, 2, &data);
        assert!(r.is_err());
        // A frame not as described.
        let mut d = StillDecoder::new(&info(b"png ", 2, 2)).unwrap();
        let mut f = frame(2, 2);
        f.data.pop();
        assert!(d.decode(&data, true, &mut f).is_err());
        assert!(StillDecoder::new(&info(b"jpeg", 2, 2)).is_err());
    }

    #[test]
    fn hostile_header_does_not_allocate() {
        // A PNG header claiming 100000×100000 pixels.
        let mut data = png(&[0u8; 3], 1, 1, image::ExtendedColorType::Rgb8);
        data[16..20].copy_from_slice(&100_000u32.to_be_bytes());
        data[20..24].copy_from_slice(&100_000u32.to_be_bytes());
        let (_, r) = decode(b"png ", 64, 64, &data);
        assert!(r.is_err());
    }

    #[test]
    fn bad_files_never_panic() {
        let src: Vec<u8> = (0..8 * 8 * 4).map(|i| (i * 13) as u8).collect();
        let img = ImageBuffer::<Rgba<u8>, _>::from_raw(8, 8, src.clone()).unwrap();
        let mut files = Vec::new();
        for (codec, fmt) in [
            (b"png ", ImageFormat::Png),
            (b"gif ", ImageFormat::Gif),
            (b"tiff", ImageFormat::Tiff),
        ] {
            let mut out = Vec::new();
            img.write_to(&mut std::io::Cursor::new(&mut out), fmt)
                .unwrap();
            files.push((codec, out));
        }
        let mut rng = qtvr_testkit::Rng::new(0x9E37_79B9);
        for (codec, data) in &files {
            let mut d = StillDecoder::new(&info(codec, 8, 8)).unwrap();
            let mut f = frame(8, 8);
            for cut in 0..data.len() {
                let r = d.decode(&data[..cut], true, &mut f);
                if cut < data.len() / 2 {
                    assert!(r.is_err(), "{codec:?} cut at {cut} decoded");
                }
            }
            for _ in 0..1000 {
                let mut m = data.clone();
                for _ in 0..1 + rng.below(4) {
                    let i = rng.below(m.len());
                    m[i] = rng.byte();
                }
                let _ = d.decode(&m, true, &mut f);
            }
        }
    }

    /// Offset of the first IFD entry with `tag` in a little-endian classic TIFF.
    fn tiff_entry(tiff: &[u8], tag: u16) -> usize {
        let ifd = u32::from_le_bytes(tiff[4..8].try_into().unwrap()) as usize;
        let n = u16::from_le_bytes(tiff[ifd..ifd + 2].try_into().unwrap()) as usize;
        (0..n)
            .map(|i| ifd + 2 + 12 * i)
            .find(|&at| u16::from_le_bytes(tiff[at..at + 2].try_into().unwrap()) == tag)
            .unwrap()
    }

    /// The tiff crate reads the first IFD's tags under its own default limits
    /// (`image` hands it ours only afterwards), at 32 bytes a value: declared
    /// counts and dimensions are checked first, and the error names the tag.
    #[test]
    fn tiff_declared_sizes_are_checked_before_decoding() {
        let (w, h) = (8u32, 8u32);
        let src: Vec<u8> = (0..w * h * 3).map(|i| (i * 7) as u8).collect();
        let img = ImageBuffer::<Rgb<u8>, _>::from_raw(w, h, src).unwrap();
        let mut tiff = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut tiff), ImageFormat::Tiff)
            .unwrap();
        assert_eq!(&tiff[..4], b"II*\0");
        decode(b"tiff", w, h, &tiff).1.unwrap();
        let err = |data: &[u8]| decode(b"tiff", w, h, data).1.unwrap_err().to_string();
        // What `tests/codec_fuzz.rs` found: ImageLength with 64,257 values
        // (2 MB once read) in a small file.
        let mut m = tiff.clone();
        let at = tiff_entry(&m, 257);
        m[at + 4..at + 8].copy_from_slice(&64_257u32.to_le_bytes());
        let e = err(&m);
        assert!(
            e.contains("tag 257 (ImageLength) declares 64257 values"),
            "{e}"
        );
        // Fewer values, but more than the file holds.
        let mut m = tiff.clone();
        let at = tiff_entry(&m, 279);
        m[at + 4..at + 8].copy_from_slice(&300u32.to_le_bytes());
        m[at + 8..at + 12].copy_from_slice(&8u32.to_le_bytes());
        let e = err(&m);
        assert!(
            e.contains("tag 279 (StripByteCounts) declares 300 values")
                && e.contains("past the end"),
            "{e}"
        );
        // A picture larger than the frame, refused before the decoder opens it.
        let mut m = tiff.clone();
        let at = tiff_entry(&m, 256);
        m[at + 8..at + 12].copy_from_slice(&100_000u32.to_le_bytes());
        let e = err(&m);
        assert!(
            e.contains("ImageWidth is 100000, larger than the 8×8 frame"),
            "{e}"
        );
        // An IFD past the end, and no TIFF header at all.
        let mut m = tiff.clone();
        m[4..8].copy_from_slice(&1_000_000u32.to_le_bytes());
        assert!(err(&m).contains("first IFD"));
        assert!(err(b"JUNKJUNK").contains("byte order"));
        // Tags the decoder does not read may say anything.
        let mut m = tiff.clone();
        let at = tiff_entry(&m, 282);
        m[at..at + 2].copy_from_slice(&700u16.to_le_bytes());
        m[at + 4..at + 8].copy_from_slice(&u32::MAX.to_le_bytes());
        decode(b"tiff", w, h, &m).1.unwrap();
    }

    /// The generated PNG movie's tiles against the ffmpeg hashes in its JSON.
    /// Skipped (a failure under `CI=true`) when `shared/samples` is absent.
    #[test]
    fn sample_png_tiles_match_ffmpeg_hashes() {
        use crate::container::read_movie;
        use crate::limits::Budget;
        use crate::source::{ByteSource, FileSource, read_vec};
        let Some(dir) = qtvr_testkit::samples_dir().map(|d| d.join("gen")) else {
            return;
        };
        let (mov, json) = (
            dir.join("cyl_legacy_vert_png.mov"),
            dir.join("cyl_legacy_vert_png.json"),
        );
        let j: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let hashes: Vec<String> = j["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .find_map(|t| t["ffmpeg_rgb24_sha256"].as_array())
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let src = FileSource::open(&mov).unwrap();
        let movie = read_movie(&src, &Budget::for_file(src.len())).unwrap();
        let track = movie
            .tracks
            .iter()
            .find(|t| {
                t.descriptions
                    .first()
                    .is_some_and(|d| d.format.0 == *b"png ")
            })
            .unwrap();
        let info = StreamInfo::from_description(&track.descriptions[0]).unwrap();
        let mut d = StillDecoder::new(&info).unwrap();
        let mut f = frame(info.width, info.height);
        assert_eq!(track.samples.len(), hashes.len());
        for (s, want) in track.samples.iter().zip(&hashes) {
            let bytes = read_vec(&src, s.offset, u64::from(s.size)).unwrap();
            d.decode(&bytes, true, &mut f).unwrap();
            let got: String = Sha256::digest(f.to_rgb24())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            assert_eq!(&got, want);
        }
    }
}
