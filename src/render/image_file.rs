//! Rendered pictures written to image files (`qtvr render`, `qtvr export`,
//! the viewer's "save the view").

use std::path::{Path, PathBuf};

use qtvr_format::assemble::RgbaImage;

/// Image file types written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
}

impl ImageKind {
    /// From a file name's extension (.png, .jpg, .jpeg).
    pub fn from_path(p: &Path) -> Result<ImageKind, String> {
        match p
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .as_deref()
        {
            Some("png") => Ok(ImageKind::Png),
            Some("jpg" | "jpeg") => Ok(ImageKind::Jpeg),
            _ => Err(format!(
                "{}: the output must end in .png, .jpg or .jpeg",
                p.display()
            )),
        }
    }
}

/// Writes an RGBA picture as PNG (RGB) or JPEG (quality 92).
pub fn save(img: &RgbaImage, path: &Path, kind: ImageKind) -> Result<(), String> {
    let rgb: Vec<u8> = img
        .rgba()
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    let err = |e: image::ImageError| format!("cannot write {}: {e}", path.display());
    let file =
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let w = std::io::BufWriter::new(file);
    match kind {
        ImageKind::Png => image::codecs::png::PngEncoder::new(w)
            .write_image_rgb(&rgb, img.width, img.height)
            .map_err(err),
        ImageKind::Jpeg => image::codecs::jpeg::JpegEncoder::new_with_quality(w, 92)
            .write_image_rgb(&rgb, img.width, img.height)
            .map_err(err),
    }
}

trait WriteRgb {
    fn write_image_rgb(self, rgb: &[u8], w: u32, h: u32) -> image::ImageResult<()>;
}

impl<T: image::ImageEncoder> WriteRgb for T {
    fn write_image_rgb(self, rgb: &[u8], w: u32, h: u32) -> image::ImageResult<()> {
        self.write_image(rgb, w, h, image::ExtendedColorType::Rgb8)
    }
}

/// Where the viewer saves a view named `name` (Ctrl+S): in `QTVR_SAVE_DIR`,
/// else the user's pictures folder, else the current folder; a name already
/// taken gets " (2)", " (3)", … before its extension.
pub fn save_path(name: &str) -> PathBuf {
    unique(save_dir().join(name))
}

fn save_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("QTVR_SAVE_DIR") {
        return PathBuf::from(d);
    }
    if let Some(home) = std::env::var_os("HOME") {
        let pictures = PathBuf::from(home).join("Pictures");
        if pictures.is_dir() {
            return pictures;
        }
    }
    PathBuf::from(".")
}

/// `path`, or `path` with " (2)", " (3)", … before the extension when taken.
fn unique(path: PathBuf) -> PathBuf {
    if !path.exists() {
        return path;
    }
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for i in 2..10_000 {
        let p = path.with_file_name(format!("{stem} ({i}).png"));
        if !p.exists() {
            return p;
        }
    }
    path
}
