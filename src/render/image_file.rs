//! Rendered pictures written to image files (`qtvr render`, `qtvr export`,
//! the viewer's "save the view").

use std::path::Path;

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
        .data
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
