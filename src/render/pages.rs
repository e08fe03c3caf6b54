//! Texture pages: how a node's pictures are laid out in layers of a texture
//! array (CPU side, no GPU calls here).
//!
//! Every surface is cut into a grid of equal pages no larger than the
//! adapter's texture limit (one page when it fits). Each page is stored with a
//! gutter of `GUTTER` texels on every side holding what lies beyond its edge:
//! the neighbouring page, the other end of a 360° cylinder, the adjoining cube
//! face (found by projecting the gutter texel's ray onto the other faces), or
//! the edge texel repeated where the picture ends. Bilinear, trilinear and
//! anisotropic filtering then read the right neighbours at every seam.

use rayon::prelude::*;

use qtvr_format::assemble::{Geometry, IdImage, NodePicture, Projector, RgbaImage, Surface};

/// Gutter width in texels: seamless for mip levels up to log2(GUTTER).
pub const GUTTER: u32 = 8;

/// Uploads of fewer texture bytes than this (an object's frame of up to
/// about 640×480, mip levels included) are made on the calling thread
/// ([`image_rows`], [`halve_rows`] with `parallel` false): handing them to
/// the thread pool costs more than it saves, and wakes its threads, which
/// spin a while after — on two cores, beside the rasteriser's own threads,
/// while an object's frames change under the pointer.
pub const PARALLEL_MIN_BYTES: u64 = 2 << 20;

/// Where one surface's pages are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurfacePages {
    pub first_layer: u32,
    /// Pages across and down.
    pub pages: [u32; 2],
    /// Texels per page (the last page across or down may hold fewer).
    pub page_size: [u32; 2],
}

/// The layout of all surfaces in one texture array.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageLayout {
    /// Layer size in texels, gutters included.
    pub layer: [u32; 2],
    pub gutter: u32,
    pub layers: u32,
    pub surfaces: Vec<SurfacePages>,
}

/// Plans pages for pictures of the given sizes: layers at most `max_side`
/// texels wide and high, at most `max_layers` of them.
pub fn plan(
    sizes: &[[u32; 2]],
    max_side: u32,
    max_layers: u32,
    gutter: u32,
) -> Result<PageLayout, String> {
    let usable = max_side.saturating_sub(2 * gutter).max(1);
    let mut surfaces = Vec::with_capacity(sizes.len());
    let mut layer = [1u32, 1u32];
    let mut next = 0u32;
    for &[w, h] in sizes {
        let (w, h) = (w.max(1), h.max(1));
        let pages = [w.div_ceil(usable), h.div_ceil(usable)];
        let page_size = [w.div_ceil(pages[0]), h.div_ceil(pages[1])];
        layer = [
            layer[0].max(page_size[0] + 2 * gutter),
            layer[1].max(page_size[1] + 2 * gutter),
        ];
        surfaces.push(SurfacePages {
            first_layer: next,
            pages,
            page_size,
        });
        next = pages[0]
            .checked_mul(pages[1])
            .and_then(|n| next.checked_add(n))
            .ok_or("too many texture pages")?;
    }
    if next > max_layers {
        return Err(format!(
            "the pictures need {next} texture layers of {}x{}; the adapter allows {max_layers}",
            layer[0], layer[1]
        ));
    }
    Ok(PageLayout {
        layer,
        gutter,
        layers: next.max(1),
        surfaces,
    })
}

/// The layers [`image_rows`] makes, in layer order: (surface, page across,
/// page down). A surface's pages are layers `first_layer..`, row by row
/// (what the shader reads); surfaces need not be in order ([`put_first`]).
pub fn layer_jobs(layout: &PageLayout) -> Vec<(usize, u32, u32)> {
    let mut jobs = vec![(usize::MAX, 0, 0); layout.layers as usize];
    for (s, sp) in layout.surfaces.iter().enumerate() {
        for py in 0..sp.pages[1] {
            for px in 0..sp.pages[0] {
                let z = u64::from(sp.first_layer)
                    + u64::from(py) * u64::from(sp.pages[0])
                    + u64::from(px);
                if let Some(job) = usize::try_from(z).ok().and_then(|z| jobs.get_mut(z)) {
                    *job = (s, px, py);
                }
            }
        }
    }
    jobs
}

/// Numbers the layers again so that the pages of the surfaces marked in
/// `first` come before all others (each surface's pages stay together, in
/// the order [`plan`] gives them); returns how many layers they take. A
/// texture view of those first layers alone then holds everything a view
/// that shows only them reads.
pub fn put_first(layout: &mut PageLayout, first: &[bool]) -> u32 {
    let mut next = 0u32;
    let mut front = 0;
    for pass in [true, false] {
        for (s, sp) in layout.surfaces.iter_mut().enumerate() {
            if first.get(s).copied().unwrap_or(false) == pass {
                sp.first_layer = next;
                next = next.saturating_add(sp.pages[0].saturating_mul(sp.pages[1]));
            }
        }
        if pass {
            front = next;
        }
    }
    front
}

/// What lies just outside a cube face's picture, out to the gutter: taken
/// from the neighbouring faces while every face is still there, so that each
/// face's picture can be freed as soon as its own pages are made.
#[derive(Debug, Clone)]
pub struct Ring {
    /// The extent the pages read, gutters included: `[-g, right) × [-g, bottom)`.
    g: i64,
    width: i64,
    height: i64,
    right: i64,
    bottom: i64,
    /// Rows −g..0, all columns −g..right.
    top: Vec<[u8; 4]>,
    /// Rows height..bottom, all columns.
    below: Vec<[u8; 4]>,
    /// Rows 0..height, columns −g..0.
    left: Vec<[u8; 4]>,
    /// Rows 0..height, columns width..right.
    beyond: Vec<[u8; 4]>,
}

impl Ring {
    fn new(pic: &NodePicture, index: usize, sp: &SurfacePages, g: u32) -> Ring {
        let s = &pic.surfaces[index];
        let g = i64::from(g);
        let (width, height) = (i64::from(s.image.width), i64::from(s.image.height));
        // The last page may reach past the picture (pages are equal).
        let right = (i64::from(sp.pages[0]) * i64::from(sp.page_size[0])).max(width) + g;
        let bottom = (i64::from(sp.pages[1]) * i64::from(sp.page_size[1])).max(height) + g;
        let projectors = projectors(pic);
        // Row by row; the strips above and below column by column, so that
        // the g texels across the gutter, which lie side by side in the
        // neighbour (within a cache line or two), are fetched together:
        // row by row, each would start a new row of the neighbour.
        let fetch = |xs: std::ops::Range<i64>, ys: std::ops::Range<i64>, across: bool| {
            let (w, h) = (xs.end - xs.start, ys.end - ys.start);
            let mut v = vec![[0u8; 4]; usize::try_from(w * h).unwrap_or(0)];
            let mut put = |x: i64, y: i64| {
                let i = (y - ys.start) * w + (x - xs.start);
                if let Some(t) = usize::try_from(i).ok().and_then(|i| v.get_mut(i)) {
                    *t = fetch_rgba(pic, &projectors, index, s, x, y);
                }
            };
            if across {
                for x in xs.clone() {
                    for y in ys.clone() {
                        put(x, y);
                    }
                }
            } else {
                for y in ys.clone() {
                    for x in xs.clone() {
                        put(x, y);
                    }
                }
            }
            v
        };
        // The four strips side by side (a cube's faces are few: three
        // or six to share two or more cores).
        let ((top, below), (left, beyond)) = rayon::join(
            || {
                rayon::join(
                    || fetch(-g..right, -g..0, true),
                    || fetch(-g..right, height..bottom, true),
                )
            },
            || {
                rayon::join(
                    || fetch(-g..0, 0..height, false),
                    || fetch(width..right, 0..height, false),
                )
            },
        );
        Ring {
            top,
            below,
            left,
            beyond,
            g,
            width,
            height,
            right,
            bottom,
        }
    }

    /// The texel at (x, y) outside the picture, within the pages' extent.
    fn get(&self, x: i64, y: i64) -> Option<[u8; 4]> {
        let (g, full) = (self.g, self.right + self.g);
        if x < -g || x >= self.right || y < -g || y >= self.bottom {
            return None;
        }
        let at = |v: &[[u8; 4]], i: i64| v.get(usize::try_from(i).ok()?).copied();
        if y < 0 {
            at(&self.top, (y + g) * full + x + g)
        } else if y >= self.height {
            at(&self.below, (y - self.height) * full + x + g)
        } else if x < 0 {
            at(&self.left, y * g + x + g)
        } else if x >= self.width {
            at(&self.beyond, y * (self.right - self.width) + x - self.width)
        } else {
            None
        }
    }
}

/// The gutter rings of every cube face (None for other surfaces, whose
/// gutters come from their own picture), made in parallel.
pub fn gutter_rings(pic: &NodePicture, layout: &PageLayout) -> Vec<Option<Ring>> {
    gutter_rings_of(pic, layout, &vec![true; pic.surfaces.len()])
}

/// [`gutter_rings`] of the surfaces `wanted` says (None for the others).
pub fn gutter_rings_of(
    pic: &NodePicture,
    layout: &PageLayout,
    wanted: &[bool],
) -> Vec<Option<Ring>> {
    let ring = |i: usize| {
        let s = &pic.surfaces[i];
        let sp = layout.surfaces.get(i)?;
        let plane = matches!(s.geometry, Geometry::Plane(_));
        (plane && wanted.get(i) == Some(&true)).then(|| Ring::new(pic, i, sp, layout.gutter))
    };
    let planes = pic
        .surfaces
        .iter()
        .zip(wanted)
        .filter(|(s, w)| **w && matches!(s.geometry, Geometry::Plane(_)))
        .count();
    if planes > 1 {
        (0..pic.surfaces.len()).into_par_iter().map(ring).collect()
    } else {
        (0..pic.surfaces.len()).map(ring).collect()
    }
}

/// Which layers ([`layer_jobs`]' order) a perspective view shows, for a view
/// given by its forward, right and up vectors (right and up scaled to the
/// view's half extents: [`crate::view::Rays::perspective_basis`]). A cube
/// face's page is shown when its quad, gutters included, meets the view's
/// pyramid (clipped exactly, with a small margin); every page of other
/// surfaces counts as shown.
pub fn shown_layers(pic: &NodePicture, layout: &PageLayout, basis: [[f64; 3]; 3]) -> Vec<bool> {
    let [f, r, u] = basis.map(glam::DVec3::from_array);
    let (rr, uu) = (r.length_squared(), u.length_squared());
    let g = f64::from(layout.gutter);
    layer_jobs(layout)
        .into_iter()
        .map(|(s, px, py)| {
            let (Some(surface), Some(sp)) = (pic.surfaces.get(s), layout.surfaces.get(s)) else {
                return true;
            };
            let Geometry::Plane(plane) = surface.geometry else {
                return true;
            };
            if rr == 0.0 || uu == 0.0 {
                return true;
            }
            let pr = plane.projector(surface.image.width, surface.image.height);
            let [pw, ph] = sp.page_size.map(f64::from);
            let (x0, y0) = (f64::from(px) * pw - g, f64::from(py) * ph - g);
            let (x1, y1) = (x0 + pw + 2.0 * g, y0 + ph + 2.0 * g);
            // The quad's corners as (a, b, c): a along the view, b and c in
            // half extents across and up; inside the pyramid, |b| ≤ a and |c| ≤ a.
            let quad: Vec<[f64; 3]> = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]
                .into_iter()
                .map(|t| {
                    let p = glam::DVec3::from_array(pr.ray_of_texel(t));
                    [p.dot(f), p.dot(r) / rr, p.dot(u) / uu]
                })
                .collect();
            meets_pyramid(quad)
        })
        .collect()
}

/// Whether a convex polygon of (a, b, c) points meets the pyramid |b| ≤ a,
/// |c| ≤ a (Sutherland–Hodgman against its four sides, with a margin of
/// 1/1000 of the view's extent).
fn meets_pyramid(mut poly: Vec<[f64; 3]>) -> bool {
    const MARGIN: f64 = 1.001;
    let sides: [fn(&[f64; 3]) -> f64; 4] = [
        |p| MARGIN * p[0] - p[1],
        |p| MARGIN * p[0] + p[1],
        |p| MARGIN * p[0] - p[2],
        |p| MARGIN * p[0] + p[2],
    ];
    for side in sides {
        let mut out = Vec::with_capacity(poly.len() + 1);
        for (i, p) in poly.iter().enumerate() {
            let q = poly[(i + 1) % poly.len()];
            let (dp, dq) = (side(p), side(&q));
            if dp >= 0.0 {
                out.push(*p);
            }
            if (dp >= 0.0) != (dq >= 0.0) {
                let t = dp / (dp - dq);
                out.push(std::array::from_fn(|k| p[k] + t * (q[k] - p[k])));
            }
        }
        poly = out;
        if poly.is_empty() {
            return false;
        }
    }
    true
}

/// Level-0 RGBA texels of one layer of `surface` (page `px`, `py`), rows
/// from `first` on, as many as `out` holds (a layer is made a band of rows
/// at a time, never held whole): gutters filled from its own picture, or
/// for a cube face from its `ring`; rows made in parallel if `parallel`.
#[allow(clippy::too_many_arguments)]
pub fn image_rows(
    surface: &Surface,
    ring: Option<&Ring>,
    layout: &PageLayout,
    sp: &SurfacePages,
    (px, py): (u32, u32),
    first: usize,
    out: &mut [u8],
    parallel: bool,
) {
    build_rows(
        layout,
        sp,
        (px, py, 4),
        first,
        out,
        parallel,
        |x, y, out| out.copy_from_slice(&fetch_own(surface, ring, x, y)),
        &surface.image,
    );
}

/// Where a layer's interior texels come from: the rows of a picture.
trait Rows: Sync {
    /// Texels in picture row `y` (None: no such row, or its pixels freed).
    fn width(&self, y: i64) -> Option<usize>;
    /// Texels `x..` of row `y` into `out`, as many as it holds (`x` plus
    /// their number within [`Rows::width`]).
    fn copy(&self, y: i64, x: usize, out: &mut [u8]);
}

/// An RGBA picture's rows, converted from its planes where it is kept so.
impl Rows for RgbaImage {
    fn width(&self, y: i64) -> Option<usize> {
        (self.stored_bytes() > 0 && (0..i64::from(self.height)).contains(&y))
            .then_some(self.width as usize)
    }

    fn copy(&self, y: i64, x: usize, out: &mut [u8]) {
        self.row_into(y as u32, x as u32, out);
    }
}

/// A hot spot map's rows (a byte a texel).
impl Rows for IdImage {
    fn width(&self, y: i64) -> Option<usize> {
        (0..i64::from(self.height))
            .contains(&y)
            .then_some(self.width as usize)
    }

    fn copy(&self, y: i64, x: usize, out: &mut [u8]) {
        let w = self.width as usize;
        let start = y as usize * w + x;
        if let Some(src) = self.data.get(start..start + out.len()) {
            out.copy_from_slice(src);
        }
    }
}

/// A texel of a surface at coordinates that may lie outside its picture,
/// from the surface alone (and a cube face's ring).
fn fetch_own(s: &Surface, ring: Option<&Ring>, x: i64, y: i64) -> [u8; 4] {
    let img = &s.image;
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let inside = (0..w).contains(&x) && (0..h).contains(&y);
    match s.geometry {
        Geometry::Plane(_) if !inside => ring
            .and_then(|r| r.get(x, y))
            .unwrap_or_else(|| texel(img, x.clamp(0, w - 1), y.clamp(0, h - 1))),
        Geometry::Cylinder { wraps, .. } => {
            let x = if wraps {
                x.rem_euclid(w)
            } else {
                x.clamp(0, w - 1)
            };
            texel(img, x, y.clamp(0, h - 1))
        }
        _ => texel(img, x.clamp(0, w - 1), y.clamp(0, h - 1)),
    }
}

/// Hot spot IDs of every layer (no gutter: hot spots are sampled nearest).
pub fn id_layers(maps: &[Option<&IdImage>], layout: &PageLayout) -> Vec<Vec<u8>> {
    let jobs = layer_jobs(layout);
    let layer = |&(s, px, py): &(usize, u32, u32)| {
        let Some(m) = maps[s] else {
            return vec![0; layout.layer[0] as usize * layout.layer[1] as usize];
        };
        build_layer(
            layout,
            &layout.surfaces[s],
            px,
            py,
            1,
            |x, y, out| {
                let cx = x.clamp(0, i64::from(m.width) - 1) as usize;
                let cy = y.clamp(0, i64::from(m.height) - 1) as usize;
                out[0] = m.data.get(cy * m.width as usize + cx).copied().unwrap_or(0);
            },
            m,
        )
    };
    if jobs.len() > 1 {
        jobs.par_iter().map(layer).collect()
    } else {
        jobs.iter().map(layer).collect()
    }
}

/// Fills one layer: interior runs are copied from the picture's rows, the rest
/// (gutters, and the unused part of a layer larger than the page) comes from
/// `texel(x, y)` with picture coordinates that may lie outside it.
fn build_layer(
    layout: &PageLayout,
    sp: &SurfacePages,
    px: u32,
    py: u32,
    bpp: usize,
    texel: impl Fn(i64, i64, &mut [u8]) + Sync,
    rows: &dyn Rows,
) -> Vec<u8> {
    let [lw, lh] = layout.layer.map(|v| v as usize);
    let mut out = vec![0u8; lw * lh * bpp];
    let parallel = out.len() as u64 >= PARALLEL_MIN_BYTES;
    build_rows(
        layout,
        sp,
        (px, py, bpp),
        0,
        &mut out,
        parallel,
        texel,
        rows,
    );
    out
}

/// [`build_layer`]'s rows from row `first` on, as many as `out` holds.
#[allow(clippy::too_many_arguments)]
fn build_rows(
    layout: &PageLayout,
    sp: &SurfacePages,
    (px, py, bpp): (u32, u32, usize),
    first: usize,
    out: &mut [u8],
    parallel: bool,
    texel: impl Fn(i64, i64, &mut [u8]) + Sync,
    rows: &dyn Rows,
) {
    let lw = layout.layer[0] as usize;
    let g = i64::from(layout.gutter);
    let x0 = i64::from(px) * i64::from(sp.page_size[0]);
    let y0 = i64::from(py) * i64::from(sp.page_size[1]);
    // The page's extent with gutters; texels past it repeat its last column/row.
    let ext_w = i64::from(sp.page_size[0]) + 2 * g;
    let ext_h = i64::from(sp.page_size[1]) + 2 * g;
    let row = |(i, dst): (usize, &mut [u8])| {
        let ly = (first + i) as i64;
        let sy = y0 + ly.min(ext_h - 1) - g;
        // The run of layer texels that come straight from this picture row
        // (lx < ext_w, so sx = x0 + lx − g there): one copy.
        let (lo, hi) = match rows.width(sy) {
            Some(row_px) => {
                let lo = (g - x0).clamp(0, ext_w.min(lw as i64));
                let hi = (row_px as i64 - x0 + g).clamp(lo, ext_w.min(lw as i64));
                let s0 = (x0 + lo - g) as usize;
                rows.copy(sy, s0, &mut dst[lo as usize * bpp..hi as usize * bpp]);
                (lo as usize, hi as usize)
            }
            None => (0, 0),
        };
        for lx in (0..lo).chain(hi..lw) {
            let sx = x0 + (lx as i64).min(ext_w - 1) - g;
            texel(sx, sy, &mut dst[lx * bpp..(lx + 1) * bpp]);
        }
    };
    // Rows in parallel, in bands of at least 64 KiB.
    if parallel {
        let band = (65536 / (lw * bpp).max(1)).max(1);
        out.par_chunks_mut(lw * bpp)
            .with_min_len(band)
            .enumerate()
            .for_each(row);
    } else {
        out.chunks_mut(lw * bpp).enumerate().for_each(row);
    }
}

/// A plane's projection with its constants worked out once, and where it
/// faces, for [`fetch_rgba`].
type Facing = (Projector, [f64; 3]);

/// Each plane's [`Facing`] (None for other surfaces).
fn projectors(pic: &NodePicture) -> Vec<Option<Facing>> {
    pic.surfaces
        .iter()
        .map(|s| match s.geometry {
            Geometry::Plane(p) => {
                let pr = p.projector(s.image.width, s.image.height);
                Some((pr, pr.facing()))
            }
            _ => None,
        })
        .collect()
}

/// One RGBA texel at picture coordinates that may lie outside the picture:
/// beyond a cube face's edge, from the first face (in order) its ray meets.
/// `projectors` ([`projectors`], or empty) only save work, with the same
/// results: the planes' constants worked out once, and a plane the ray
/// clearly meets from behind (which `texel_of_ray` refuses anyway) not
/// tried.
fn fetch_rgba(
    pic: &NodePicture,
    projectors: &[Option<Facing>],
    index: usize,
    s: &Surface,
    x: i64,
    y: i64,
) -> [u8; 4] {
    let img = &s.image;
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let inside = (0..w).contains(&x) && (0..h).contains(&y);
    if let Geometry::Plane(p) = s.geometry
        && !inside
    {
        let texel = [x as f64 + 0.5, y as f64 + 0.5];
        let ray = match projectors.get(index) {
            Some(Some((own, _))) => own.ray_of_texel(texel),
            _ => p.ray_of_texel(texel, img.width, img.height),
        };
        for (j, other) in pic.surfaces.iter().enumerate() {
            if j == index {
                continue;
            }
            let t = match projectors.get(j) {
                Some(Some((pr, f))) => {
                    if f[0] * ray[0] + f[1] * ray[1] + f[2] * ray[2] < -1e-6 {
                        continue;
                    }
                    pr.texel_of_ray(ray)
                }
                _ => other.texel_of_ray(ray),
            };
            if let Some(t) = t.filter(|t| other.contains(*t)) {
                return bilinear(&other.image, t);
            }
        }
    }
    fetch_own(s, None, x, y)
}

/// A texel inside the picture (opaque black where there is none: a picture
/// already freed, which the callers never ask for).
fn texel(img: &RgbaImage, x: i64, y: i64) -> [u8; 4] {
    match (u32::try_from(x), u32::try_from(y)) {
        (Ok(x), Ok(y)) => img.texel(x, y),
        _ => [0, 0, 0, 255],
    }
}

/// Bilinear sample at a continuous texel position, edges clamped.
fn bilinear(img: &RgbaImage, t: [f64; 2]) -> [u8; 4] {
    let (w, h) = (i64::from(img.width), i64::from(img.height));
    let (fx, fy) = (t[0] - 0.5, t[1] - 0.5);
    let (x0, y0) = (fx.floor(), fy.floor());
    let (ax, ay) = (fx - x0, fy - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let at = |x: i64, y: i64| texel(img, x.clamp(0, w - 1), y.clamp(0, h - 1));
    let (a, b, c, d) = (
        at(x0, y0),
        at(x0 + 1, y0),
        at(x0, y0 + 1),
        at(x0 + 1, y0 + 1),
    );
    std::array::from_fn(|i| {
        let top = f64::from(a[i]) * (1.0 - ax) + f64::from(b[i]) * ax;
        let bot = f64::from(c[i]) * (1.0 - ax) + f64::from(d[i]) * ax;
        round_byte(top * (1.0 - ay) + bot * ay)
    })
}

/// `v.round() as u8` for v in 0..=255 (a blend of bytes), without the
/// library call `round` is on x86-64's baseline: the whole part is the
/// truncation, and `v − whole` is exact, so comparing it with one half
/// rounds halves up exactly as `round` does for positive values.
fn round_byte(v: f64) -> u8 {
    let whole = v as u8;
    if v - f64::from(whole) >= 0.5 {
        whole.saturating_add(1)
    } else {
        whole
    }
}

/// The mip chain below a level-0 RGBA image (2×2 box filter; odd edges repeat
/// the last texel), down to 1×1.
pub fn mip_chain(level0: &[u8], width: u32, height: u32) -> Vec<(u32, u32, Vec<u8>)> {
    let mut out: Vec<(u32, u32, Vec<u8>)> = Vec::new();
    let (mut w, mut h) = (width as usize, height as usize);
    while w > 1 || h > 1 {
        let (nw, nh) = halved(w, h);
        let src: &[u8] = out.last().map_or(level0, |l| &l.2);
        let mut dst = vec![0u8; nw * nh * 4];
        let parallel = dst.len() as u64 >= PARALLEL_MIN_BYTES;
        halve_rows(src, 0, w, h, 0, &mut dst, parallel);
        out.push((nw as u32, nh as u32, dst));
        (w, h) = (nw, nh);
    }
    out
}

/// The next level's size below a `w`×`h` level ([`mip_chain`]'s).
pub fn halved(w: usize, h: usize) -> (usize, usize) {
    ((w / 2).max(1), (h / 2).max(1))
}

/// The level-1 rows made from one band of level-0 rows (`n` rows from row
/// `first` of a layer `height` rows high): those whose source rows all lie
/// in the band, as long as every band but the last starts on an even row.
pub fn halved_rows(first: usize, n: usize, height: usize) -> std::ops::Range<usize> {
    let nh = (height / 2).max(1);
    let end = if first + n >= height {
        nh
    } else {
        ((first + n) / 2).min(nh)
    };
    (first / 2).min(end)..end
}

/// Rows of the level below a `w`×`h` image (2×2 box filter; odd edges repeat
/// the last texel), from row `first` on, as many as `dst` holds; `src` holds
/// the image's rows from row `src_first` on, at least those the rows need.
/// Rows in parallel if `parallel`.
pub fn halve_rows(
    src: &[u8],
    src_first: usize,
    w: usize,
    h: usize,
    first: usize,
    dst: &mut [u8],
    parallel: bool,
) {
    let (nw, _) = halved(w, h);
    let row = |(i, d): (usize, &mut [u8])| {
        let y = first + i;
        let (y0, y1) = ((2 * y).min(h - 1), (2 * y + 1).min(h - 1));
        let row = |y: usize| {
            let at = y.saturating_sub(src_first) * w * 4;
            src.get(at..at + w * 4)
        };
        let (Some(r0), Some(r1)) = (row(y0), row(y1)) else {
            return;
        };
        let avg = |a: u8, b: u8, c: u8, d: u8| {
            ((u32::from(a) + u32::from(b) + u32::from(c) + u32::from(d) + 2) / 4) as u8
        };
        if w >= 2 {
            // Pairs of texels side by side (what the compiler vectorises).
            for ((d, a), b) in d
                .chunks_exact_mut(4)
                .zip(r0.chunks_exact(8))
                .zip(r1.chunks_exact(8))
            {
                for c in 0..4 {
                    d[c] = avg(a[c], a[c + 4], b[c], b[c + 4]);
                }
            }
        } else {
            // One texel wide: it stands for both columns.
            for c in 0..4 {
                d[c] = avg(r0[c], r0[c], r1[c], r1[c]);
            }
        }
    };
    // Rows in parallel, in bands of at least 64 KiB.
    if parallel {
        let band = (65536 / (nw * 4)).max(1);
        dst.par_chunks_exact_mut(nw * 4)
            .with_min_len(band)
            .enumerate()
            .for_each(row);
    } else {
        dst.chunks_exact_mut(nw * 4).enumerate().for_each(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Surfaces put first take the lowest layers, each surface's pages stay
    /// together and in order, and every layer is made by exactly one job.
    #[test]
    fn surfaces_put_first_take_the_lowest_layers() {
        // Three surfaces: 2 pages, 1 page, 3×2 pages.
        let mut l = plan(&[[3000, 100], [100, 100], [5000, 3000]], 2048, 256, 8).unwrap();
        assert_eq!(l.layers, 2 + 1 + 6);
        let before = layer_jobs(&l);
        assert_eq!(before[0], (0, 0, 0));
        assert_eq!(before[3], (2, 0, 0));
        let front = put_first(&mut l, &[false, true, true]);
        assert_eq!(front, 7);
        let jobs = layer_jobs(&l);
        assert_eq!(jobs[0], (1, 0, 0));
        assert_eq!(&jobs[1..7], &before[3..9], "surface 2's pages, in order");
        assert_eq!(&jobs[7..], &before[..2]);
        let mut seen = jobs.clone();
        seen.sort();
        let mut all = before.clone();
        all.sort();
        assert_eq!(seen, all, "each page made once");
        // None first: the order plan gives.
        let front = put_first(&mut l, &[]);
        assert_eq!(front, 0);
        assert_eq!(layer_jobs(&l), before);
    }

    #[test]
    fn bytes_round_as_round_does() {
        let mut v = 0.0f64;
        while v <= 255.0 {
            for x in [
                v,
                v + 0.5,
                v + 0.5 - 1e-12,
                v + f64::EPSILON * v,
                0.49999999999999994 + v,
            ] {
                if x <= 255.0 {
                    assert_eq!(round_byte(x), x.round() as u8, "{x}");
                }
            }
            v += 0.125;
        }
    }

    #[test]
    fn plan_splits_only_what_exceeds_the_limit() {
        let l = plan(&[[1000, 300]], 2048, 256, 8).unwrap();
        assert_eq!(l.surfaces[0].pages, [1, 1]);
        assert_eq!(l.layer, [1016, 316]);
        let l = plan(&[[5000, 300], [100, 100]], 2048, 256, 8).unwrap();
        // 5000 over 2032 usable texels: 3 pages of 1667.
        assert_eq!(l.surfaces[0].pages, [3, 1]);
        assert_eq!(l.surfaces[0].page_size, [1667, 300]);
        assert_eq!(l.surfaces[1].first_layer, 3);
        assert_eq!(l.layers, 4);
        assert!(plan(&[[100, 100]; 5], 2048, 4, 8).is_err());
    }

    /// A cube of six 37×37 faces, each texel different.
    fn cube(side: u32) -> NodePicture {
        use qtvr_format::assemble::Plane;
        use qtvr_format::qtvr::scene::{CubeFace, NodeId};
        let surfaces = CubeFace::standard()
            .iter()
            .enumerate()
            .map(|(f, face)| Surface {
                geometry: Geometry::Plane(Plane::from_cufa(face, side).unwrap()),
                image: RgbaImage::new(
                    side,
                    side,
                    (0..side * side)
                        .flat_map(|i| [(i % 251) as u8, (i / 7) as u8, 40 * f as u8, 255])
                        .collect(),
                ),
                hotspots: None,
            })
            .collect();
        NodePicture {
            node: NodeId(1),
            surfaces,
            warnings: Vec::new(),
        }
    }

    /// Every face a view's pixels show is among the layers `shown_layers`
    /// names (checked against rays through a fine grid of the view, the
    /// corners included), and a narrow view of one face names that face
    /// alone.
    #[test]
    fn shown_layers_hold_every_face_a_view_shows() {
        use crate::view::{Rays, Shot};
        use qtvr_format::qtvr::scene::View;
        let pic = cube(37);
        // Faces split into 2×2 pages: the pages count separately.
        let layout = plan(&[[37, 37]; 6], 24, 256, 2).unwrap();
        let jobs = layer_jobs(&layout);
        let mut narrow = 0;
        for pan in (0..360).step_by(15) {
            for tilt in [-90, -60, -30, -10, 0, 20, 45, 89] {
                for (fov, w, h) in [
                    (20.0, 64, 48),
                    (60.0, 80, 40),
                    (100.0, 48, 64),
                    (150.0, 64, 64),
                ] {
                    let view = View {
                        pan: pan as f32,
                        tilt: tilt as f32,
                        fov,
                    };
                    let rays = Rays::new(Shot::Perspective(view), w, h);
                    let shown = shown_layers(&pic, &layout, rays.perspective_basis());
                    let n = 64;
                    for i in 0..=n {
                        for j in 0..=n {
                            let (x, y) = (
                                f64::from(w) * i as f64 / n as f64,
                                f64::from(h) * j as f64 / n as f64,
                            );
                            let ray = rays.ray(x, y).unwrap();
                            for (s, surface) in pic.surfaces.iter().enumerate() {
                                let Some(t) =
                                    surface.texel_of_ray(ray).filter(|t| surface.contains(*t))
                                else {
                                    continue;
                                };
                                let sp = &layout.surfaces[s];
                                let page = [0, 1].map(|k| {
                                    ((t[k] / f64::from(sp.page_size[k])) as u32)
                                        .min(sp.pages[k] - 1)
                                });
                                let z = jobs
                                    .iter()
                                    .position(|&j| j == (s, page[0], page[1]))
                                    .unwrap();
                                assert!(
                                    shown[z],
                                    "pan {pan} tilt {tilt} fov {fov}: face {s} page {page:?} shown at ({x}, {y})"
                                );
                            }
                        }
                    }
                    if fov == 20.0 && tilt == 0 && pan % 90 == 0 {
                        // The middle of a face: its four pages (the view
                        // meets their corner), nothing else.
                        let face = [0, 3, 2, 1][(pan / 90) as usize];
                        let want: Vec<bool> = jobs.iter().map(|j| j.0 == face).collect();
                        assert_eq!(shown, want, "pan {pan}");
                        narrow += 1;
                    }
                }
            }
        }
        assert_eq!(narrow, 4);
    }

    #[test]
    fn a_face_alone_with_its_ring_makes_the_pages_the_whole_cube_makes() {
        let pic = cube(37);
        // Pages of 8 texels: the last page of each row reaches past the face.
        let layout = plan(&[[37, 37]; 6], 24, 256, 8).unwrap();
        assert_eq!(layout.surfaces[0].pages, [5, 5]);
        let rings = gutter_rings(&pic, &layout);
        for (s, ring) in rings.iter().enumerate() {
            let ring = ring.as_ref().expect("cube faces have rings");
            let sp = &layout.surfaces[s];
            // Every texel outside the face that a page reads.
            for y in -8..48 {
                for x in -8..48 {
                    if (0..37).contains(&x) && (0..37).contains(&y) {
                        continue;
                    }
                    let want = fetch_rgba(&pic, &[], s, &pic.surfaces[s], x, y);
                    assert_eq!(ring.get(x, y), Some(want), "face {s} at ({x}, {y})");
                }
            }
            assert_eq!(ring.get(48, 0), None);
            // The face alone (the others freed) makes the same layers as
            // the whole cube read directly.
            let mut alone = pic.clone();
            for (j, other) in alone.surfaces.iter_mut().enumerate() {
                if j != s {
                    other.image.release();
                }
            }
            for (_, px, py) in layer_jobs(&layout).into_iter().filter(|j| j.0 == s) {
                let [lw, lh] = layout.layer.map(|v| v as usize);
                let mut from_ring = vec![0u8; lw * lh * 4];
                image_rows(
                    &alone.surfaces[s],
                    Some(ring),
                    &layout,
                    sp,
                    (px, py),
                    0,
                    &mut from_ring,
                    px % 2 == 0,
                );
                let surface = &pic.surfaces[s];
                let direct = build_layer(
                    &layout,
                    sp,
                    px,
                    py,
                    4,
                    |x, y, out| out.copy_from_slice(&fetch_rgba(&pic, &[], s, surface, x, y)),
                    &surface.image,
                );
                assert_eq!(from_ring, direct, "face {s}, page ({px}, {py})");
            }
        }
    }

    #[test]
    fn level_one_made_band_by_band_is_the_mip_chains() {
        for (w, h) in [(1, 1), (1, 5), (5, 1), (7, 9), (8, 8), (13, 6), (3, 2)] {
            let level0: Vec<u8> = (0..w * h * 4).map(|i| (i * 37 % 251) as u8).collect();
            let want = mip_chain(&level0, w as u32, h as u32);
            let (w1, h1) = halved(w, h);
            for band in [2, 4, 6] {
                let mut level1 = vec![0u8; w1 * h1 * 4];
                let mut first = 0;
                while first < h {
                    let n = band.min(h - first);
                    let rows = &level0[first * w * 4..(first + n) * w * 4];
                    let out = halved_rows(first, n, h);
                    halve_rows(
                        rows,
                        first,
                        w,
                        h,
                        out.start,
                        &mut level1[out.start * w1 * 4..out.end * w1 * 4],
                        band == 4,
                    );
                    first += n;
                }
                match want.first() {
                    Some((ww, hh, l1)) => {
                        assert_eq!((*ww as usize, *hh as usize), (w1, h1));
                        assert_eq!(&level1, l1, "{w}x{h}, bands of {band}");
                    }
                    None => assert_eq!((w, h), (1, 1)),
                }
            }
        }
    }

    #[test]
    fn mip_chain_averages_and_ends_at_one_texel() {
        let level0: Vec<u8> = [0u8, 100, 200, 255].repeat(3 * 2);
        let chain = mip_chain(&level0, 3, 2);
        assert_eq!(
            chain.iter().map(|l| (l.0, l.1)).collect::<Vec<_>>(),
            vec![(1, 1)]
        );
        let mut img = vec![0u8; 4 * 4 * 4];
        img[0] = 255; // one bright texel in the top-left 2×2 block
        let chain = mip_chain(&img, 4, 4);
        assert_eq!(chain[0].2[0], 64);
        assert_eq!(chain[1].2[0], 16);
    }
}
