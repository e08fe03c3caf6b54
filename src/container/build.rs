//! Writers for atoms: the inverse of the readers, used by tests to build movies
//! in code and by the project's own movie writer.

/// A classic atom: 32-bit size, type, body.
pub fn atom(kind: &[u8; 4], body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 8);
    v.extend_from_slice(&((body.len() + 8) as u32).to_be_bytes());
    v.extend_from_slice(kind);
    v.extend_from_slice(body);
    v
}

/// A classic atom whose body is the concatenation of `children`.
pub fn container(kind: &[u8; 4], children: &[Vec<u8>]) -> Vec<u8> {
    atom(kind, &children.concat())
}

/// A "full atom": version and flags, then `body`.
pub fn full_atom(kind: &[u8; 4], version: u8, flags: u32, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::with_capacity(body.len() + 4);
    b.extend_from_slice(&((u32::from(version) << 24) | (flags & 0xff_ffff)).to_be_bytes());
    b.extend_from_slice(body);
    atom(kind, &b)
}

/// A QT atom (20-byte header with ID and child count) holding leaf data.
pub fn qt_leaf(kind: &[u8; 4], id: u32, data: &[u8]) -> Vec<u8> {
    qt_atom(kind, id, 0, data)
}

/// A QT atom holding child QT atoms.
pub fn qt_parent(kind: &[u8; 4], id: u32, children: &[Vec<u8>]) -> Vec<u8> {
    qt_atom(kind, id, children.len() as u16, &children.concat())
}

fn qt_atom(kind: &[u8; 4], id: u32, child_count: u16, payload: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(payload.len() + 20);
    v.extend_from_slice(&((payload.len() + 20) as u32).to_be_bytes());
    v.extend_from_slice(kind);
    v.extend_from_slice(&id.to_be_bytes());
    v.extend_from_slice(&0u16.to_be_bytes());
    v.extend_from_slice(&child_count.to_be_bytes());
    v.extend_from_slice(&0u32.to_be_bytes());
    v.extend_from_slice(payload);
    v
}

/// A QT atom container: the 12-byte header, then a `sean` root holding `children`.
pub fn qt_container(children: &[Vec<u8>]) -> Vec<u8> {
    let mut v = vec![0u8; 12];
    v.extend(qt_parent(b"sean", 1, children));
    v
}

/// Big-endian byte writer for atom bodies.
#[derive(Default, Debug, Clone)]
pub struct Body(pub Vec<u8>);

impl Body {
    /// An empty body.
    pub fn new() -> Self {
        Body(Vec::new())
    }
    /// Appends a u8.
    pub fn u8(mut self, v: u8) -> Self {
        self.0.push(v);
        self
    }
    /// Appends a big-endian u16.
    pub fn u16(mut self, v: u16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian i16.
    pub fn i16(mut self, v: i16) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian u32.
    pub fn u32(mut self, v: u32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian i32.
    pub fn i32(mut self, v: i32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian u64.
    pub fn u64(mut self, v: u64) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends a big-endian f32.
    pub fn f32(mut self, v: f32) -> Self {
        self.0.extend_from_slice(&v.to_be_bytes());
        self
    }
    /// Appends 16.16 fixed point.
    pub fn fixed16(self, v: f64) -> Self {
        self.i32((v * 65536.0).round() as i32)
    }
    /// Appends raw bytes.
    pub fn bytes(mut self, b: &[u8]) -> Self {
        self.0.extend_from_slice(b);
        self
    }
    /// Appends `n` zero bytes.
    pub fn zeros(mut self, n: usize) -> Self {
        self.0.resize(self.0.len() + n, 0);
        self
    }
    /// Appends a Pascal string padded to `width` bytes (0 = no padding).
    pub fn pascal(mut self, s: &str, width: usize) -> Self {
        let b = s.as_bytes();
        let n = b.len().min(255).min(if width > 0 { width - 1 } else { 255 });
        self.0.push(n as u8);
        self.0.extend_from_slice(&b[..n]);
        if width > 0 {
            self.0.resize(self.0.len() + width - 1 - n, 0);
        }
        self
    }
    /// The bytes.
    pub fn done(self) -> Vec<u8> {
        self.0
    }
}
