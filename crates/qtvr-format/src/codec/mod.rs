//! Stage 3: video samples → pixels.
//!
//! Every image and hot spot tile of a QTVR movie is an ordinary QuickTime video
//! sample. This folder turns one sample, given its sample description (codec,
//! width, height, depth, colour table), into a frame of pixels. It knows nothing of
//! files, tracks or scenes: it sees sample bytes and a [`StreamInfo`]. Reading the
//! samples of a track in order, in parallel, with fallbacks for unknown codecs, is
//! the job of [`crate::tiles`].
//!
//! Decoders follow image-rs's shape: the caller allocates the frame (its size comes
//! from the description and is checked against [`Limits::frame_max_side`] and [`Limits::frame_max_bytes`] first), the decoder
//! fills it. A decoder never allocates more than the frame's own size, never reads
//! or writes out of bounds, and turns every malformed sample into a
//! [`DecodeError`] saying what was wrong and at which byte of the sample.
//!
//! Codecs that predict from earlier frames (`rle `, `smc `, `rpza`, `cvid`) update
//! the frame in place: the caller passes the same [`Frame`] for consecutive
//! samples, starting at a sync sample.
//!
//! The old Apple codecs (Cinepak, Apple Video, Graphics, Animation, raw, Planar
//! RGB, 4:2:2 Y′CbCr, Motion-JPEG B) have no maintained Rust decoder, so they
//! are written here by hand, each in its own file. JPEG is decoded here too
//! (bit-exact with ffmpeg, which `zune-jpeg` is not; `zune-jpeg` takes the
//! progressive and CMYK pictures), and kept as Y′CbCr planes where it can be
//! ([`ycbcr`]); PNG, GIF and TIFF use `image`.

pub mod cinepak;
pub mod jpeg;
pub mod mjpb;
pub mod palette;
pub mod planar;
pub mod raw;
pub mod rle;
pub mod rpza;
pub mod smc;
pub mod still;
pub mod svq1;
pub mod ycbcr;
pub mod yuv;

use std::fmt;

use crate::container::FourCC;
use crate::limits::{LimitError, Limits};
pub use palette::Palette;

/// What a decoder needs to know about the stream, from the sample description.
#[derive(Debug, Clone)]
pub struct StreamInfo {
    /// The sample description's format (the codec).
    pub codec: FourCC,
    /// Frame width in pixels.
    pub width: u32,
    /// Frame height in pixels.
    pub height: u32,
    /// The description's depth: 1–32 colour, 33–40 grey (32 + bits).
    pub depth: u16,
    /// The palette for depths up to 8 (from the `ctab`, else the standard Mac
    /// table or grey ramp for the depth); None for direct-colour depths.
    pub palette: Option<Palette>,
}

impl StreamInfo {
    /// The stream a video sample description describes (None when the entry is not video).
    pub fn from_description(
        desc: &crate::container::sample_desc::SampleDescription,
    ) -> Option<Self> {
        let video = desc.video.as_ref()?;
        Some(StreamInfo {
            codec: desc.format,
            width: u32::from(video.width),
            height: u32::from(video.height),
            depth: video.depth.max(0) as u16,
            palette: Palette::for_description(video),
        })
    }

    /// Bits per pixel without the grey flag (depth 40 → 8).
    pub fn bits(&self) -> u16 {
        if self.depth > 32 {
            self.depth - 32
        } else {
            self.depth
        }
    }

    /// Whether the description says grey (depth 33–40).
    pub fn is_grey(&self) -> bool {
        self.depth > 32
    }
}

/// The pixel layout a decoder writes. Uncompressed video keeps the layout it
/// is stored in (as ffmpeg's decoders hand it on): those frames are turned
/// into RGBA once, where the picture is assembled ([`Frame::to_rgba`]), not
/// when decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameKind {
    /// 4 bytes per pixel, R G B A, rows top to bottom, no padding.
    Rgba,
    /// 1 byte per pixel: an index into the stream's palette.
    Indexed,
    /// 3 bytes per pixel, R G B (`raw ` at depth 24).
    Rgb,
    /// 4 bytes per pixel, A R G B (`raw ` at depth 32; the alpha is ignored).
    Argb,
    /// 4:2:2 Y′CbCr, 2 bytes per pixel in pairs of pixels (`2vuy`, `yuvs`,
    /// `yuv2` of even widths), converted as [`yuv`] describes.
    Yuv422(yuv::Layout),
    /// Y′CbCr planes as a JPEG decoder makes them ([`ycbcr`]): Y, then Cb,
    /// then Cr; about 1.5 bytes a pixel for 4:2:0.
    YCbCr(ycbcr::Layout),
}

impl FrameKind {
    /// Bytes per pixel; for [`FrameKind::YCbCr`] the most a frame of it may
    /// come to hold (its decoder turns it into RGBA for a picture it cannot
    /// keep as planes), which is what its size is checked against.
    pub fn bytes_per_pixel(self) -> usize {
        match self {
            FrameKind::Rgba | FrameKind::Argb | FrameKind::YCbCr(_) => 4,
            FrameKind::Rgb => 3,
            FrameKind::Yuv422(_) => 2,
            FrameKind::Indexed => 1,
        }
    }

    /// The bytes of a `width × height` frame of this kind (None on overflow).
    pub fn bytes(self, width: usize, height: usize) -> Option<usize> {
        match self {
            FrameKind::YCbCr(layout) => layout.bytes(width, height),
            _ => width
                .checked_mul(height)?
                .checked_mul(self.bytes_per_pixel()),
        }
    }
}

/// A decoded picture.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    pub width: u32,
    pub height: u32,
    pub kind: FrameKind,
    /// `kind.bytes(width, height)` bytes.
    pub data: Vec<u8>,
    /// For indexed frames: the palette the indices refer to.
    pub palette: Option<Palette>,
}

impl Frame {
    /// Checks that a frame of this size and kind may be allocated.
    pub fn check_size(
        width: u32,
        height: u32,
        kind: FrameKind,
        limits: &Limits,
    ) -> Result<u64, DecodeError> {
        if width == 0 || height == 0 {
            return Err(DecodeError::header(format!(
                "the frame is {width}×{height} pixels"
            )));
        }
        limits
            .check_frame(width, height, kind.bytes_per_pixel() as u64)
            .map_err(DecodeError::over_limit)
    }

    /// A black (or index 0) frame, after checking the size against `limits`.
    pub fn new(
        width: u32,
        height: u32,
        kind: FrameKind,
        palette: Option<Palette>,
        limits: &Limits,
    ) -> Result<Frame, DecodeError> {
        Frame::check_size(width, height, kind, limits)?;
        let bytes = kind
            .bytes(width as usize, height as usize)
            .ok_or_else(|| DecodeError::header(format!("the frame is {width}×{height} pixels")))?;
        let mut data = vec![0u8; bytes];
        if let FrameKind::YCbCr(layout) = kind {
            layout.fill_black(&mut data, width as usize, height as usize);
        }
        // Opaque black in every layout.
        let black: &[u8] = match kind {
            FrameKind::Rgba => &[0, 0, 0, 255],
            FrameKind::Argb => &[255, 0, 0, 0],
            FrameKind::Yuv422(yuv::Layout::Uyvy) => &[128, 16, 128, 16],
            FrameKind::Yuv422(yuv::Layout::Yuyv) => &[16, 128, 16, 128],
            FrameKind::Yuv422(yuv::Layout::YuyvSigned) => &[16, 0, 16, 0],
            FrameKind::Rgb | FrameKind::Indexed | FrameKind::YCbCr(_) => &[],
        };
        if !black.is_empty() {
            for px in data.chunks_exact_mut(black.len()) {
                px.copy_from_slice(black);
            }
        }
        Ok(Frame {
            width,
            height,
            kind,
            data,
            palette,
        })
    }

    /// Checks that this frame is the `width × height` frame of `kind` a decoder
    /// writes (a caller may pass anything: decoders check before writing).
    pub fn check_shape(
        &self,
        width: usize,
        height: usize,
        kind: FrameKind,
    ) -> Result<(), DecodeError> {
        let want = kind.bytes(width, height);
        if width == 0
            || height == 0
            || self.width as usize != width
            || self.height as usize != height
            || self.kind != kind
            || Some(self.data.len()) != want
        {
            return Err(DecodeError::header(format!(
                "the frame is {}×{} {:?} ({} bytes); the stream needs {width}×{height} {kind:?}",
                self.width,
                self.height,
                self.kind,
                self.data.len()
            )));
        }
        Ok(())
    }

    /// The frame as RGBA (indexed frames through their palette).
    pub fn to_rgba(&self) -> Vec<u8> {
        let width = (self.width as usize).max(1);
        let pixels = match self.kind {
            FrameKind::YCbCr(_) => width * self.height as usize,
            _ => self.data.len() / self.kind.bytes_per_pixel(),
        };
        // Row by row from the stored layout (whole rows: the frame's data is
        // width × height × bytes per pixel, as the decoders keep it).
        let convert = |bpp: usize, row: &dyn Fn(&[u8], &mut [u8])| {
            let mut out = vec![0u8; pixels * 4];
            for (src, dst) in self
                .data
                .chunks_exact(width * bpp)
                .zip(out.chunks_exact_mut(width * 4))
            {
                row(src, dst);
            }
            out
        };
        match self.kind {
            FrameKind::Rgba => self.data.clone(),
            FrameKind::Indexed => {
                let pal = self.palette.clone().unwrap_or_else(Palette::grey_ramp_8);
                let mut out = Vec::with_capacity(self.data.len() * 4);
                for &i in &self.data {
                    out.extend_from_slice(&pal.rgba(i));
                }
                out
            }
            FrameKind::Rgb => convert(3, &raw::rgb24_row),
            FrameKind::Argb => convert(4, &raw::argb_row),
            FrameKind::Yuv422(layout) => convert(2, &|src, dst| yuv::convert_row(layout, src, dst)),
            FrameKind::YCbCr(layout) => layout.to_rgba(&self.data, width, self.height as usize),
        }
    }

    /// The frame turned into an RGBA frame (as it is when it already is one).
    pub fn into_rgba_frame(self) -> Frame {
        match self.kind {
            FrameKind::Rgba => self,
            _ => Frame {
                data: self.to_rgba(),
                kind: FrameKind::Rgba,
                ..self
            },
        }
    }

    /// The frame as RGB24, the layout ffmpeg's references use.
    pub fn to_rgb24(&self) -> Vec<u8> {
        let rgba = self.to_rgba();
        let mut out = Vec::with_capacity(rgba.len() / 4 * 3);
        for px in rgba.chunks_exact(4) {
            out.extend_from_slice(&px[..3]);
        }
        out
    }
}

/// A malformed sample (or an impossible stream description).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// Byte offset within the sample where the problem was found (None: the header or
    /// the description).
    pub at: Option<usize>,
    /// What was wrong.
    pub what: String,
    /// The limit the frame is over, when that was the problem (`what` is its text).
    pub limit: Option<LimitError>,
}

/// `Err` when the decode running on this thread was cancelled or ran out of
/// time ([`crate::cancel::interrupted`]): decoders call it every row of
/// blocks, `at` being where in the sample they are.
pub(crate) fn check_interrupt(at: usize) -> Result<(), DecodeError> {
    if crate::cancel::interrupted() {
        return Err(DecodeError::at(at, "decoding was cancelled"));
    }
    Ok(())
}

impl DecodeError {
    /// A problem at byte `at` of the sample.
    pub fn at(at: usize, what: impl Into<String>) -> Self {
        DecodeError {
            at: Some(at),
            what: what.into(),
            limit: None,
        }
    }

    /// A problem with the description or frame size.
    pub fn header(what: impl Into<String>) -> Self {
        DecodeError {
            at: None,
            what: what.into(),
            limit: None,
        }
    }

    /// A frame over one of the [`Limits`].
    pub fn over_limit(limit: LimitError) -> Self {
        DecodeError {
            at: None,
            what: limit.to_string(),
            limit: Some(limit),
        }
    }

    /// The sample ended at `at` while more data was needed.
    pub fn truncated(at: usize) -> Self {
        DecodeError::at(at, "the sample ends early")
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.at {
            Some(at) => write!(f, "{} (at byte {at} of the sample)", self.what),
            None => f.write_str(&self.what),
        }
    }
}

impl std::error::Error for DecodeError {}

/// One codec's decoder for one stream.
pub trait Decoder: Send {
    /// The layout of the frames this decoder fills.
    fn kind(&self) -> FrameKind;

    /// Decodes one sample into `frame` (sized `info.width × info.height` of
    /// [`Decoder::kind`]). For predictive codecs `frame` holds the previous frame
    /// of the track; `sync` says the sample is a sync sample.
    ///
    /// On error the frame keeps whatever was decoded before the problem.
    fn decode(&mut self, sample: &[u8], sync: bool, frame: &mut Frame) -> Result<(), DecodeError>;

    /// Whether a sample of `len` bytes is, byte for byte, the frame this
    /// decoder would write (uncompressed video without row padding): the
    /// caller may then read the sample straight into the frame's data instead
    /// of calling [`Decoder::decode`], one copy instead of two.
    fn stored_as_is(&self, len: usize) -> bool {
        let _ = len;
        false
    }
}

/// Why a stream cannot be decoded at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unsupported {
    /// No decoder for this FourCC.
    Codec(FourCC),
    /// The codec is known but not at this depth.
    Depth(FourCC, u16),
}

impl fmt::Display for Unsupported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Unsupported::Codec(c) => write!(f, "codec '{c}' is not supported"),
            Unsupported::Depth(c, d) => write!(f, "codec '{c}' at depth {d} is not supported"),
        }
    }
}

/// The decoder for a stream, or why there is none.
pub fn decoder_for(info: &StreamInfo) -> Result<Box<dyn Decoder>, Unsupported> {
    let codec = info.codec;
    match &codec.0 {
        b"raw " => raw::RawDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"rle " => rle::RleDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"smc " => smc::SmcDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"rpza" => rpza::RpzaDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"cvid" => cinepak::CinepakDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"SVQ1" => svq1::Svq1Decoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"jpeg" | b"mjpa" => jpeg::JpegDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"mjpb" => mjpb::MjpbDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"8BPS" => planar::PlanarDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>),
        b"2vuy" | b"yuvs" | b"yuv2" => {
            yuv::YuvDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>)
        }
        b"png " | b"gif " | b"tiff" => {
            still::StillDecoder::new(info).map(|d| Box::new(d) as Box<dyn Decoder>)
        }
        _ => Err(Unsupported::Codec(codec)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::Resource;

    #[test]
    fn frames_over_the_limits_are_typed_decode_errors() {
        let limits = Limits {
            frame_max_side: 64,
            frame_max_bytes: 1024,
            ..Limits::default()
        };
        let e = Frame::new(65, 1, FrameKind::Indexed, None, &limits).unwrap_err();
        assert_eq!(
            e.limit,
            Some(LimitError::TooLarge {
                what: Resource::Frame,
                width: 65,
                height: 1,
                max_side: 64
            })
        );
        assert_eq!(e.at, None);
        assert_eq!(
            e.to_string(),
            "the frame is 65×1 pixels, more than 64 on a side"
        );
        let e = Frame::check_size(17, 16, FrameKind::Rgba, &limits).unwrap_err();
        assert!(matches!(
            e.limit,
            Some(LimitError::OverLimit {
                what: Resource::Frame,
                requested: 1088,
                limit: 1024,
                ..
            })
        ));
        assert_eq!(
            e.to_string(),
            "a 17×16 frame needs 1088 bytes, more than the limit of 1024"
        );
        let e = Frame::check_size(0, 16, FrameKind::Rgba, &limits).unwrap_err();
        assert_eq!(e.limit, None);
        assert_eq!(
            Frame::check_size(16, 16, FrameKind::Rgba, &limits),
            Ok(1024)
        );
    }
}
