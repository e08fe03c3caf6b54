//! `rle` decoder (placeholder until written).

use super::{DecodeError, Decoder, Frame, FrameKind, StreamInfo, Unsupported};

/// Decoder for `rle` streams.
pub struct RleDecoder;

impl RleDecoder {
    /// A decoder for the stream, or why it cannot be decoded.
    pub fn new(info: &StreamInfo) -> Result<Self, Unsupported> {
        Err(Unsupported::Codec(info.codec))
    }
}

impl Decoder for RleDecoder {
    fn kind(&self) -> FrameKind {
        FrameKind::Rgba
    }

    fn decode(
        &mut self,
        _sample: &[u8],
        _sync: bool,
        _frame: &mut Frame,
    ) -> Result<(), DecodeError> {
        Err(DecodeError::header("not written yet"))
    }
}
