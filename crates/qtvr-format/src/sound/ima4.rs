//! Apple IMA ADPCM (`ima4`): packets of 34 bytes per channel, each a 16-bit
//! header (the predictor's top nine bits, then a 7-bit step index) and 32
//! bytes of 4-bit codes, two per byte, low nibble first: 64 frames.
//! Channels' packets follow each other (left's 34 bytes, then right's).
//!
//! The step and index tables are the IMA ADPCM standard's (Interactive
//! Multimedia Association, "Recommended Practices for Enhancing Digital
//! Audio Compatibility in Multimedia Systems", 1992), stored here as
//! `STEPS` and `INDEX_MOVE`.
//!
//! The header carries only the predictor's top nine bits, so a decoder
//! that has just decoded the previous packet keeps its own full predictor
//! when the header agrees with it (same step index, predictor within 127):
//! QuickTime's behaviour, which ffmpeg (the reference) reproduces too.
//! Step indices above 88 (only in damaged data) are taken as 88.

/// Quantiser step sizes, by step index (0..=88).
const STEPS: [i32; 89] = [
    7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 19, 21, 23, 25, 28, 31, 34, 37, 41, 45, 50, 55, 60, 66,
    73, 80, 88, 97, 107, 118, 130, 143, 157, 173, 190, 209, 230, 253, 279, 307, 337, 371, 408, 449,
    494, 544, 598, 658, 724, 796, 876, 963, 1060, 1166, 1282, 1411, 1552, 1707, 1878, 2066, 2272,
    2499, 2749, 3024, 3327, 3660, 4026, 4428, 4871, 5358, 5894, 6484, 7132, 7845, 8630, 9493,
    10442, 11487, 12635, 13899, 15289, 16818, 18500, 20350, 22385, 24623, 27086, 29794, 32767,
];

/// How a code's magnitude (its low three bits) moves the step index.
const INDEX_MOVE: [i32; 8] = [-1, -1, -1, -1, 2, 4, 6, 8];

/// One channel's decoder state, carried from packet to packet.
#[derive(Debug, Clone, Copy, Default)]
struct Channel {
    predictor: i32,
    step: i32,
}

impl Channel {
    fn start_packet(&mut self, header: u16) {
        let predictor = i32::from(header as i16) & !0x7F;
        let step = i32::from(header & 0x7F).min(88);
        if step != self.step || (predictor - self.predictor).abs() > 0x7F {
            self.predictor = predictor;
            self.step = step;
        }
    }

    fn expand(&mut self, code: u8) -> i16 {
        let step = STEPS[self.step as usize];
        let mut diff = step >> 3;
        if code & 4 != 0 {
            diff += step;
        }
        if code & 2 != 0 {
            diff += step >> 1;
        }
        if code & 1 != 0 {
            diff += step >> 2;
        }
        let p = if code & 8 != 0 {
            self.predictor - diff
        } else {
            self.predictor + diff
        };
        self.predictor = p.clamp(-32768, 32767);
        self.step = (self.step + INDEX_MOVE[usize::from(code & 7)]).clamp(0, 88);
        self.predictor as i16
    }
}

/// An `ima4` decoder for a number of channels.
#[derive(Debug, Clone)]
pub struct Ima4 {
    channels: Vec<Channel>,
}

/// Bytes of one channel's packet.
pub const PACKET: usize = 34;
/// Frames in a packet.
pub const FRAMES: usize = 64;

impl Ima4 {
    pub fn new(channels: usize) -> Ima4 {
        Ima4 {
            channels: vec![Channel::default(); channels],
        }
    }

    /// Decodes whole packet groups (34 bytes × channels each) of `bytes`,
    /// appending 64 interleaved frames per group to `out`.
    pub fn decode(&mut self, bytes: &[u8], out: &mut Vec<i16>) {
        let ch = self.channels.len();
        if ch == 0 {
            return;
        }
        let mut planar = [0i16; FRAMES];
        for group in bytes.chunks_exact(PACKET * ch) {
            let start = out.len();
            out.resize(start + FRAMES * ch, 0);
            for (c, (state, packet)) in self
                .channels
                .iter_mut()
                .zip(group.chunks_exact(PACKET))
                .enumerate()
            {
                state.start_packet(u16::from_be_bytes([packet[0], packet[1]]));
                for (pair, &b) in planar.chunks_exact_mut(2).zip(&packet[2..]) {
                    pair[0] = state.expand(b & 0x0F);
                    pair[1] = state.expand(b >> 4);
                }
                for (f, &s) in planar.iter().enumerate() {
                    out[start + f * ch + c] = s;
                }
            }
        }
    }
}

/// Encodes interleaved 16-bit samples as `ima4` packets (the last packet
/// padded with silence): what the demo and the tests write. Each packet's
/// header holds the encoder's predictor and step index, so a decoder that
/// follows from the start stays in step with it.
pub fn encode(samples: &[i16], channels: usize) -> Vec<u8> {
    if channels == 0 {
        return Vec::new();
    }
    let frames = samples.len() / channels;
    // Each channel starts where its sound starts (the first packet's header
    // carries the state), with a step that fits its first change, so a
    // sound that does not start at silence (a loop's seam) starts right.
    let mut states: Vec<Channel> = (0..channels)
        .map(|c| {
            let first = samples.get(c).map_or(0, |&s| i32::from(s));
            let second = samples.get(channels + c).map_or(first, |&s| i32::from(s));
            let change = (second - first).abs();
            Channel {
                // What the header can carry, so the decoder starts from the same state.
                predictor: first & !0x7F,
                step: STEPS.iter().position(|&s| s >= change).unwrap_or(88) as i32,
            }
        })
        .collect();
    let mut out = Vec::with_capacity(frames.div_ceil(FRAMES) * PACKET * channels);
    for p in 0..frames.div_ceil(FRAMES) {
        for (c, state) in states.iter_mut().enumerate() {
            let header = ((state.predictor as u16) & !0x7F) | state.step as u16;
            out.extend(header.to_be_bytes());
            // The decoder starts the packet from the header; so does the encoder.
            state.start_packet(header);
            let mut codes = [0u8; FRAMES];
            for (k, code) in codes.iter_mut().enumerate() {
                let f = p * FRAMES + k;
                let s = samples.get(f * channels + c).map_or(0, |&s| i32::from(s));
                *code = state.code_for(s);
                state.expand(*code);
            }
            for pair in codes.chunks_exact(2) {
                out.push(pair[0] | (pair[1] << 4));
            }
        }
    }
    out
}

impl Channel {
    /// The code that brings the predictor nearest `sample`.
    fn code_for(&self, sample: i32) -> u8 {
        let step = STEPS[self.step as usize];
        let mut diff = sample - self.predictor;
        let mut code = 0u8;
        if diff < 0 {
            code = 8;
            diff = -diff;
        }
        if diff >= step {
            code |= 4;
            diff -= step;
        }
        if diff >= step >> 1 {
            code |= 2;
            diff -= step >> 1;
        }
        if diff >= step >> 2 {
            code |= 1;
        }
        code
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_sound_decodes_close_to_the_original() {
        let ch = 2;
        let samples: Vec<i16> = (0..1000)
            .flat_map(|i| {
                let t = i as f64 / 100.0;
                [
                    (t.sin() * 12000.0) as i16,
                    ((t * 3.0).cos() * 8000.0) as i16,
                ]
            })
            .collect();
        let bytes = encode(&samples, ch);
        assert_eq!(bytes.len(), 1000usize.div_ceil(64) * 34 * ch);
        let mut out = Vec::new();
        Ima4::new(ch).decode(&bytes, &mut out);
        // After the first packet, once the step has adapted to the jump at the start.
        let worst = samples
            .iter()
            .zip(&out)
            .skip(64 * ch)
            .map(|(a, b)| (i32::from(*a) - i32::from(*b)).abs())
            .max()
            .unwrap();
        assert!(worst < 1200, "worst error {worst}");
    }
}
