//! Four-character codes.

use std::fmt;

/// A QuickTime four-character code (atom type, codec, handler, ...).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FourCC(pub [u8; 4]);

impl FourCC {
    /// From a 4-byte literal such as `b"moov"`.
    pub const fn new(b: &[u8; 4]) -> Self {
        FourCC(*b)
    }
    /// From a big-endian u32.
    pub const fn from_u32(v: u32) -> Self {
        FourCC(v.to_be_bytes())
    }
    /// As a big-endian u32.
    pub const fn as_u32(self) -> u32 {
        u32::from_be_bytes(self.0)
    }
    /// True when all four bytes are printable ASCII (space included).
    pub fn is_printable(self) -> bool {
        self.0.iter().all(|b| (0x20..0x7f).contains(b))
    }
    /// The code as text; non-printable bytes become `\xNN`.
    pub fn to_text(self) -> String {
        let mut s = String::new();
        for &b in &self.0 {
            if (0x20..0x7f).contains(&b) && b != b'\\' {
                s.push(b as char);
            } else if b == b'\\' {
                s.push_str("\\\\");
            } else {
                s.push_str(&format!("\\x{b:02x}"));
            }
        }
        s
    }
}

impl fmt::Display for FourCC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for FourCC {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}'", self.to_text())
    }
}

impl serde::Serialize for FourCC {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn text_escapes_unprintable() {
        assert_eq!(FourCC::new(b"moov").to_string(), "moov");
        assert_eq!(FourCC([0, b'a', 0xff, b' ']).to_string(), "\\x00a\\xff ");
        assert_eq!(FourCC::from_u32(0x6d6f6f76), FourCC::new(b"moov"));
        assert_eq!(FourCC::new(b"moov").as_u32(), 0x6d6f6f76);
    }
}
