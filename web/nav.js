// QTVR web player: navigation and view geometry.
//
// A port of the desktop viewer's plain-data navigation (src/view/mod.rs,
// src/view/nav.rs, src/view/object.rs, src/view/tour.rs) so that the web page
// turns, zooms, clamps and animates exactly as `qtvr` does. A classic script
// (no modules: the page must open from file://); it adds `QTVR.nav`.
//
// Numbers: the Rust code keeps views in f32 and computes in f64. Here every
// value Rust holds as f32 is rounded with Math.fround at the same step, so
// results match Rust's to the last bit except where the platforms' sin, cos,
// tan, atan, acos, exp, pow and hypot differ in the last place. JSON holds no
// NaN or infinity: a `null` number is read as NaN.
//
// Angles are degrees. Pan grows to the left, tilt upward; fields of view are
// vertical. World axes: X left, Y down, Z front.
(function (root) {
  'use strict';
  const QTVR = (root.QTVR = root.QTVR || {});

  // ---------------------------------------------------------------- numbers

  const f32 = Math.fround;
  const RAD = Math.PI / 180; // f64::to_radians
  const DEG = 180 / Math.PI; // f64::to_degrees
  const fin = Number.isFinite;
  const isNaN_ = Number.isNaN;

  /** A JSON number: null (or missing) is NaN. */
  const num = (v) => (v === null || v === undefined ? NaN : +v);
  /** A JSON number Rust holds as f32. */
  const n32 = (v) => f32(num(v));
  /** A JSON number Rust holds as u32 (null: 0). */
  const u32 = (v) => asU32(num(v));
  const pair32 = (p) => [n32(p && p[0]), n32(p && p[1])];

  /** Rust's float max/min: a NaN argument gives the other one. */
  const max = (a, b) => (isNaN_(a) ? b : isNaN_(b) ? a : a > b ? a : b);
  const min = (a, b) => (isNaN_(a) ? b : isNaN_(b) ? a : a < b ? a : b);
  /** `within` of src/view/mod.rs: v limited to [lo, hi]; NaN gives lo, a reversed range hi. */
  const within = (v, lo, hi) => min(max(v, lo), hi);
  /** Rust's f64::clamp (constant bounds): NaN stays NaN. */
  const clampNaN = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
  /** f64::rem_euclid. */
  const remE = (a, b) => {
    const r = a % b;
    return r < 0 ? r + Math.abs(b) : r;
  };
  /** f32::rem_euclid. */
  const remE32 = (a, b) => {
    const r = f32(a % b);
    return r < 0 ? f32(r + Math.abs(b)) : r;
  };
  /** i64::rem_euclid for n > 0. */
  const remI = (a, n) => {
    const r = a % n;
    return r < 0 ? r + n : r + 0;
  };
  /** f32::round / f64::round: halves away from zero. */
  const roundAway = (x) => (x < 0 ? -Math.round(-x) : Math.round(x));
  /** `x as u32`: saturating, NaN is 0. */
  function asU32(x) {
    if (!(x > 0)) return 0;
    return x >= 4294967295 ? 4294967295 : Math.trunc(x);
  }
  /** f64::signum (+0 is 1), then `as i8` (NaN is 0). */
  const signum = (x) => (isNaN_(x) ? 0 : x > 0 || Object.is(x, 0) ? 1 : -1);

  // f32 neighbours, for rounding bounds inwards as src/view/mod.rs f32_up/f32_down.
  const fbuf = new Float32Array(1);
  const ubuf = new Uint32Array(fbuf.buffer);
  function nextUp32(x) {
    if (isNaN_(x) || x === Infinity) return x;
    if (x === 0) return 1.401298464324817e-45;
    fbuf[0] = x;
    ubuf[0] += x > 0 ? 1 : -1;
    return fbuf[0];
  }
  const nextDown32 = (x) => -nextUp32(-x);
  /** The smallest f32 at or above x. */
  function f32Up(x) {
    const r = f32(x);
    return r < x ? nextUp32(r) : r;
  }
  /** The largest f32 at or below x. */
  function f32Down(x) {
    const r = f32(x);
    return r > x ? nextDown32(r) : r;
  }
  /** [lo, hi] rounded inwards to f32; a range narrower than one step becomes its middle. */
  function f32Bounds(lo, hi) {
    const a = f32Up(lo);
    const b = f32Down(hi);
    if (a <= b) return [a, b];
    const m = f32((lo + hi) / 2);
    return [m, m];
  }

  /** A pair of arguments given as (x, y) or ([x, y]). */
  const pairArg = (a, b) => (Array.isArray(a) ? [+a[0], +a[1]] : [+a, +b]);

  // ------------------------------------------------------------- data shapes

  /** A view {pan, tilt, fov} as f32 values. */
  const viewOf = (v) => ({ pan: n32(v && v.pan), tilt: n32(v && v.tilt), fov: n32(v && v.fov) });

  // Node and limits JSON are read once and cached by object identity: treat
  // them as read-only after first use.
  const NORMAL = typeof Symbol === 'function' ? Symbol('qtvr.normal') : '__qtvrNormal';
  const cache = new WeakMap();

  /** Panorama limits (ViewLimits) with f32 numbers and NaN for null. */
  function limitsOf(l) {
    if (l && l[NORMAL]) return l;
    let n = l && cache.get(l);
    if (n) return n;
    l = l || {};
    n = {
      pan: pair32(l.pan),
      tilt: pair32(l.tilt),
      fov: pair32(l.fov),
      wraps: !!l.wraps,
      default: viewOf(l.default),
    };
    n[NORMAL] = true;
    if (l && typeof l === 'object') cache.set(l, n);
    return n;
  }

  const CONTROLLERS = ['grabber-scroller', 'old-joystick', 'joystick', 'grabber', 'absolute'];

  /** An object node (ObjectNode, camelCase JSON) with f32 numbers and NaN for null. */
  function objectOf(o) {
    if (o && o[NORMAL]) return o;
    let n = o && cache.get(o);
    if (n) return n;
    o = o || {};
    let controller = o.controller;
    if (typeof controller !== 'string') {
      // ObjectController::from_movie_type
      const t = u32(o.movieType);
      controller = t >= 1 && t <= 5 ? CONTROLLERS[t - 1] : 'unknown';
    }
    n = {
      rows: u32(o.rows),
      columns: u32(o.columns),
      viewStates: u32(o.viewStates),
      framesPerView: u32(o.framesPerView),
      controller,
      movieType: u32(o.movieType),
      animationSettings: u32(o.animationSettings),
      controlSettings: u32(o.controlSettings),
      defaultViewState: u32(o.defaultViewState),
      mouseDownViewState: u32(o.mouseDownViewState),
      viewDuration: u32(o.viewDuration),
      frameSeconds: num(o.frameSeconds), // f64 in Rust
      mouseMotionScale: n32(o.mouseMotionScale),
      pan: pair32(o.pan),
      tilt: pair32(o.tilt),
      fov: pair32(o.fov),
      viewCenter: pair32(o.viewCenter),
      viewRate: n32(o.viewRate),
      frameRate: n32(o.frameRate),
      limits: limitsOf(o.limits),
      width: u32(o.width),
      height: u32(o.height),
    };
    n[NORMAL] = true;
    if (o && typeof o === 'object') cache.set(o, n);
    return n;
  }

  /** An object view {row, column, state, frame, fov, centre}. */
  function objectViewOf(v) {
    v = v || {};
    const c = v.centre || [0, 0];
    return {
      row: u32(v.row),
      column: u32(v.column),
      state: u32(v.state),
      frame: u32(v.frame),
      fov: n32(v.fov),
      centre: [n32(c[0]), n32(c[1])],
    };
  }
  const copyObjectView = (v) => ({ ...v, centre: [v.centre[0], v.centre[1]] });
  const sameObjectView = (a, b) =>
    a.row === b.row &&
    a.column === b.column &&
    a.state === b.state &&
    a.frame === b.frame &&
    a.fov === b.fov &&
    a.centre[0] === b.centre[0] &&
    a.centre[1] === b.centre[1];
  const sameView = (a, b) => a.pan === b.pan && a.tilt === b.tilt && a.fov === b.fov;

  // animationSettings and controlSettings bits (qtvr-format scene.rs).
  const ANIMATION = {
    ANIMATE_VIEW_FRAMES: 1 << 0,
    PALINDROME_VIEW_FRAMES: 1 << 1,
    START_FIRST_VIEW_FRAME: 1 << 2,
    ANIMATE_VIEWS: 1 << 3,
    PALINDROME_VIEWS: 1 << 4,
    SYNC_VIEW_TO_FRAME_RATE: 1 << 5,
    DONT_LOOP_VIEW_FRAMES: 1 << 6,
    PLAY_EVERY_VIEW_FRAME: 1 << 7,
  };
  const CONTROL = {
    WRAP_PAN: 1 << 0,
    WRAP_TILT: 1 << 1,
    CAN_ZOOM: 1 << 2,
    REVERSE_H: 1 << 3,
    REVERSE_V: 1 << 4,
    SWAP_HV: 1 << 5,
    TRANSLATION: 1 << 6,
  };
  const hasControl = (o, bit) => (o.controlSettings & bit) !== 0;
  const hasAnimation = (o, bit) => (o.animationSettings & bit) !== 0;

  /** scene.rs state_index: a 1-based stored state as 0-based, null when out of range. */
  function stateIndex(oneBased, count) {
    const i = oneBased - 1;
    return i >= 0 && i < count ? i : null;
  }
  /** ObjectNode::default_state: the 0-based default view state (0 when invalid). */
  function defaultState(node) {
    const o = objectOf(node);
    const s = stateIndex(o.defaultViewState, o.viewStates);
    return s === null ? 0 : s;
  }
  /** ObjectNode::mouse_down_state: the 0-based state while the button is held, or null. */
  function mouseDownState(node) {
    const o = objectOf(node);
    return stateIndex(o.mouseDownViewState, o.viewStates);
  }

  // --------------------------------------------------- view geometry (mod.rs)

  /** As src/view/mod.rs basis: forward, right and up of a view. */
  function basis(pan, tilt) {
    const sp = Math.sin(pan * RAD);
    const cp = Math.cos(pan * RAD);
    const st = Math.sin(tilt * RAD);
    const ct = Math.cos(tilt * RAD);
    return [
      [sp * ct, -st, cp * ct],
      [-cp, 0, sp],
      [-sp * st, -ct, -cp * st],
    ];
  }

  /** As src/view/mod.rs flat_scale: target pixels per frame pixel (zoom 1: the frame fits). */
  function flatScale(zoom, tw, th, fw, fh) {
    const fit = Math.min(tw / Math.max(fw, 1), th / Math.max(fh, 1));
    return fit * max(zoom, 1e-3);
  }

  /** As src/view/mod.rs horizontal_fov. */
  const horizontalFov = (fov, aspect) => 2 * Math.atan(Math.tan((num(fov) * RAD) / 2) * num(aspect)) * DEG;
  /** As src/view/mod.rs vertical_fov. */
  const verticalFov = (hfov, aspect) => 2 * Math.atan(Math.tan((num(hfov) * RAD) / 2) / num(aspect)) * DEG;

  /**
   * As src/view/mod.rs Rays: world rays for the pixels of a w×h target showing
   * `shot` ({mode: 'perspective', view} | {mode: 'equirect'} | {mode: 'flat', zoom, centre}).
   */
  class Rays {
    constructor(shot, width, height) {
      this.shot = shot;
      this.width = Math.max(+width || 0, 1);
      this.height = Math.max(+height || 0, 1);
      this.fwd = [0, 0, 0];
      this.right = [0, 0, 0];
      this.up = [0, 0, 0];
      if (shot && shot.mode === 'perspective') {
        const v = viewOf(shot.view);
        const [f, r, u] = basis(v.pan, v.tilt);
        const t = Math.tan((v.fov * RAD) / 2);
        const k = (t * this.width) / this.height;
        this.fwd = f;
        this.right = r.map((x) => x * k);
        this.up = u.map((x) => x * t);
      }
    }
    /** The unnormalised world ray through a target position (pixel centres at +0.5); null for flat shots. */
    ray(px, py) {
      const mode = this.shot && this.shot.mode;
      if (mode === 'perspective') {
        const nx = (2 * px) / this.width - 1;
        const ny = 1 - (2 * py) / this.height;
        return [0, 1, 2].map((i) => this.fwd[i] + nx * this.right[i] + ny * this.up[i]);
      }
      if (mode === 'equirect') {
        return basis(180 - (360 * px) / this.width, 90 - (180 * py) / this.height)[0];
      }
      return null;
    }
    /** The shader's forward, right and up vectors (right and up scaled to the half extents). */
    perspectiveBasis() {
      return [this.fwd.slice(), this.right.slice(), this.up.slice()];
    }
    /** Flat shots: the frame position (continuous texel) at a target position, for a fw×fh frame. */
    flatTexel(px, py, fw, fh) {
      const s = this.shot;
      if (!s || s.mode !== 'flat') return null;
      const sc = flatScale(n32(s.zoom), this.width, this.height, fw, fh);
      const c = s.centre || [0, 0];
      return [
        (px - this.width / 2) / sc + fw / 2 + n32(c[0]),
        (py - this.height / 2) / sc + fh / 2 + n32(c[1]),
      ];
    }
  }
  const rayAt = (shot, w, h, px, py) => new Rays(shot, w, h).ray(px, py);
  const flatTexel = (shot, w, h, px, py, fw, fh) => new Rays(shot, w, h).flatTexel(px, py, fw, fh);

  // ------------------------------------------ panorama clamp (mod.rs Frame)

  const MIN_FOV = 0.01;
  const MAX_FOV = 179.0;
  const POLE_MARGIN = 1e-3;

  /** As src/view/mod.rs Frame: limits made safe (finite, ordered), with the target's aspect. */
  class Frame {
    constructor(l, aspect) {
      this.aspect = fin(aspect) && aspect > 0 ? aspect : 1;
      const [p0, p1] = l.pan;
      this.pan = fin(p0) && fin(p1) ? [Math.min(p0, p1), Math.max(p0, p1)] : [0, 360];
      const range = this.pan[1] - this.pan[0];
      // The pan range of a partial panorama, null where pan wraps.
      this.partial = !l.wraps && range < 360 ? range : null;
      const tiltOr = (t, fallback) => (fin(t) ? within(t, -90, 90) : fallback);
      const t0 = tiltOr(l.tilt[0], -90);
      const t1 = tiltOr(l.tilt[1], 90);
      this.tilt = [Math.min(t0, t1), Math.max(t0, t1)];
      let [f0, f1] = l.fov;
      if (f0 > f1) [f0, f1] = [f1, f0];
      const fmax = fin(f1) && f1 >= MIN_FOV ? Math.min(f1, MAX_FOV) : MAX_FOV;
      const fmin = fin(f0) && f0 >= MIN_FOV ? Math.min(f0, fmax) : MIN_FOV;
      // Whether each tilt limit bounds the view's edge (true) or its centre (±90).
      this.edge = this.tilt.map((t) => Math.abs(t) < 89.99);
      this.fov = [fmin, fmax];
    }
    /** Tilts the centre may take at fov f by the tilt limits alone (lo > hi: none). */
    tiltBounds(f) {
      const half = f / 2;
      return [
        this.edge[0] ? this.tilt[0] + half : this.tilt[0],
        this.edge[1] ? this.tilt[1] - half : this.tilt[1],
      ];
    }
    /** The largest |tilt| at which a view of fov f fits the pan range (±Infinity: any, none). */
    maxAbsTilt(f) {
      const range = this.partial;
      if (range === null) return Infinity;
      const half = f / 2;
      if (range >= 180) return 90 - half - POLE_MARGIN;
      const c = (this.aspect * Math.sin(half * RAD)) / Math.tan((range / 2) * RAD);
      return c <= 1 ? Math.acos(c) * DEG - half : -Infinity;
    }
    /** Half the pan extent of a view (its top or bottom corners); 180 where it holds a pole. */
    panHalf(f, t) {
      const half = (f / 2) * RAD;
      const d = Math.cos(Math.abs(t) * RAD + half);
      return d < 0 ? 180 : Math.atan2(this.aspect * Math.sin(half), d) * DEG;
    }
    /** The tilt nearest the horizon a view of fov f may take, or null where it does not fit. */
    bestTilt(f) {
      const [lo, hi] = this.tiltBounds(f);
      if (lo > hi) return null;
      const t = within(0, lo, hi);
      return Math.abs(t) <= this.maxAbsTilt(f) ? t : null;
    }
    /** The widest fov the limits can show (fitting is monotone: bisection). */
    fovCap() {
      const fits = (f) => this.bestTilt(f) !== null;
      const top = this.fov[1];
      if (fits(top)) return top;
      if (!fits(MIN_FOV)) return MIN_FOV;
      let lo = MIN_FOV;
      let hi = top;
      for (let i = 0; i < 60; i++) {
        const m = (lo + hi) / 2;
        if (fits(m)) lo = m;
        else hi = m;
      }
      const r = f32(lo);
      return r > lo && fits(r) ? r : lo;
    }
    /** The tilts the centre may take at fov f (where none fits, the nearest the horizon, or the middle). */
    tiltRange(f) {
      const [lo, hi] = this.tiltBounds(f);
      if (lo > hi) {
        const m = (this.tilt[0] + this.tilt[1]) / 2;
        return [m, m];
      }
      const lim = this.maxAbsTilt(f);
      const a = Math.max(lo, -lim);
      const b = Math.min(hi, lim);
      if (a <= b) return [a, b];
      const t = within(0, lo, hi);
      return [t, t];
    }
  }

  /**
   * As src/view/mod.rs clamp_panorama: `view` kept inside `limits` for a target
   * of `aspect` (width / height). Field of view first, then tilt at that field
   * of view, then pan (wrapping on a full panorama, keeping the corners inside
   * a partial one). A non-finite angle asks for the node's default.
   */
  function clampPanorama(view, limits, aspect) {
    const l = limitsOf(limits);
    const v = viewOf(view);
    const g = new Frame(l, aspect);
    const orDefault = (asked, dflt, fallback) => (fin(asked) ? asked : fin(dflt) ? dflt : fallback);

    const cap = g.fovCap();
    const [flo, fhi] = f32Bounds(Math.min(g.fov[0], cap), cap);
    let want = orDefault(v.fov, l.default.fov, cap);
    const fov = within(f32(within(want, flo, fhi)), flo, fhi);

    const [tlo, thi] = f32Bounds(...g.tiltRange(fov));
    want = orDefault(v.tilt, l.default.tilt, 0);
    const tilt = within(f32(within(want, tlo, thi)), tlo, thi) + 0;

    const [pmin, pmax] = g.pan;
    const mid = (pmin + pmax) / 2;
    want = orDefault(v.pan, l.default.pan, mid);
    let pan;
    if (g.partial === null) {
      const p = f32(remE(want, 360));
      pan = p >= 0 && p < 360 ? p + 0 : 0;
    } else {
      const e = g.panHalf(fov, tilt);
      const [lo, hi] = pmin + e <= pmax - e ? f32Bounds(pmin + e, pmax - e) : [f32(mid), f32(mid)];
      // Compare on the circle: bring the asked pan next to the range.
      const p = want >= lo && want <= hi ? want : mid + remE(want - mid + 180, 360) - 180;
      pan = within(f32(within(p, lo, hi)), lo, hi) + 0;
    }
    return { pan, tilt, fov };
  }

  // ------------------------------------------------- object views (mod.rs)

  /** As src/view/mod.rs object_fov_range: [narrowest, widest], or null where it cannot zoom. */
  function objectFovRange(node) {
    const o = objectOf(node);
    const [a, b] = o.limits.fov;
    const minFov = f32(MIN_FOV);
    let lo;
    let hi;
    if (fin(a) && fin(b)) [lo, hi] = [Math.min(a, b), Math.max(a, b)];
    else if (fin(a)) [lo, hi] = [minFov, a];
    else if (fin(b)) [lo, hi] = [minFov, b];
    else return null;
    if (!(hi >= minFov && hi < 180)) return null;
    return [min(max(lo, minFov), hi), hi];
  }

  /** As src/view/mod.rs ObjectView::zoom: 1 at the widest fov, never under 1. */
  function objectZoom(view, node) {
    const r = objectFovRange(node);
    if (!r) return 1;
    const [lo, hi] = r;
    const fov = n32(view.fov);
    const f = fin(fov) ? within(fov, lo, hi) : hi;
    const t = (x) => Math.tan((x * RAD) / 2);
    return max(f32(t(hi) / t(f)), 1);
  }

  /** As src/view/mod.rs ObjectView::shot. */
  function objectShot(view, node) {
    return { mode: 'flat', zoom: objectZoom(view, node), centre: [n32(view.centre[0]), n32(view.centre[1])] };
  }

  /** As src/view/mod.rs ObjectView::centre_inside: the zoomed view stays inside the frame. */
  function centreInside(v, o) {
    const zoom = Math.max(objectZoom(v, o), 1);
    const lim = (size) => f32((Math.max(size, 1) / 2) * (1 - 1 / zoom));
    const fit = (c, l) => (fin(c) ? within(c, -l, l) : 0);
    return [fit(v.centre[0], lim(o.width)), fit(v.centre[1], lim(o.height))];
  }

  /** As src/view/mod.rs ObjectView::clamped: inside the rows, columns, states, frames and fovs. */
  function objectClamped(view, node) {
    const o = objectOf(node);
    const v = objectViewOf(view);
    const fit = (x, count) => Math.min(x, Math.max(count, 1) - 1);
    v.row = fit(v.row, o.rows);
    v.column = fit(v.column, o.columns);
    v.state = fit(v.state, o.viewStates);
    v.frame = fit(v.frame, o.framesPerView);
    const r = objectFovRange(o);
    if (r) v.fov = fin(v.fov) ? within(v.fov, r[0], r[1]) : r[1];
    else if (!fin(v.fov)) v.fov = 0;
    v.centre = centreInside(v, o);
    return v;
  }

  /** As src/view/mod.rs default_centre: the stored view centre as an offset from the frame's centre. */
  function defaultCentre(o) {
    const vc = o.viewCenter;
    if ((vc[0] === 0 && vc[1] === 0) || !fin(vc[0]) || !fin(vc[1])) return [0, 0];
    return [f32(vc[0] - f32(f32(o.width) / 2)), f32(vc[1] - f32(f32(o.height) / 2))];
  }

  /** As src/view/mod.rs column_for_pan: a full turn wraps, a partial range clamps. */
  function columnForPan(node, pan) {
    const o = objectOf(node);
    pan = n32(pan);
    const cols = Math.max(o.columns, 1);
    const range = f32(o.pan[1] - o.pan[0]);
    if (!fin(range) || Math.abs(range) < f32(1e-6) || !fin(pan)) return 0;
    const step = f32(range / f32(cols));
    const i = roundAway(f32(f32(pan - o.pan[0]) / step));
    if (Math.abs(range) >= f32(359.9)) return Math.min(asU32(remE32(i, f32(cols))), cols - 1);
    return asU32(within(i, 0, f32(cols - 1)));
  }

  /** As src/view/mod.rs row_for_tilt: row 0 is the top (the larger stored tilt). */
  function rowForTilt(node, tilt) {
    const o = objectOf(node);
    tilt = n32(tilt);
    const rows = Math.max(o.rows, 1);
    const top = max(o.tilt[0], o.tilt[1]);
    const bottom = min(o.tilt[0], o.tilt[1]);
    const span = f32(top - bottom);
    if (rows === 1 || !fin(span) || Math.abs(span) < f32(1e-6) || !fin(tilt)) return 0;
    const step = f32(span / f32(rows - 1));
    return asU32(within(roundAway(f32(f32(top - tilt) / step)), 0, f32(rows - 1)));
  }

  /** As src/view/nav.rs column_pan: the pan angle of a column. */
  function columnPan(node, column) {
    const o = objectOf(node);
    const cols = f32(Math.max(o.columns, 1));
    return f32(o.pan[0] + f32(f32(f32(o.pan[1] - o.pan[0]) / cols) * f32(column)));
  }

  /** As src/view/nav.rs row_tilt: the tilt angle of a row (row 0: the top). */
  function rowTilt(node, row) {
    const o = objectOf(node);
    const top = max(o.tilt[0], o.tilt[1]);
    const bottom = min(o.tilt[0], o.tilt[1]);
    if (o.rows <= 1) return top;
    return f32(top - f32(f32(f32(top - bottom) / f32(o.rows - 1)) * f32(row)));
  }

  /** As src/view/mod.rs ObjectView::default_for: the node's default view, clamped. */
  function objectDefaultView(node) {
    const o = objectOf(node);
    const d = o.limits.default;
    return objectClamped(
      {
        row: rowForTilt(o, d.tilt),
        column: columnForPan(o, d.pan),
        state: Math.max(o.defaultViewState, 1) - 1,
        frame: 0,
        fov: d.fov,
        centre: defaultCentre(o),
      },
      o,
    );
  }

  /** As src/view/object.rs object_steps: degrees of pan per column and of tilt per row. */
  function objectSteps(o) {
    const pan = Math.abs(f32(o.pan[1] - o.pan[0]));
    const tilt = Math.abs(f32(o.tilt[1] - o.tilt[0]));
    return [
      pan > 1e-3 && fin(pan) && o.columns > 1 ? pan / o.columns : 10,
      o.rows > 1 && tilt > 1e-3 && fin(tilt) ? tilt / (o.rows - 1) : 10,
    ];
  }

  /** As src/view/object.rs steps_per_second: a stored rate (±100) over seconds per step. */
  function stepsPerSecond(rate, secs) {
    return fin(secs) && secs > 0 && fin(rate) ? clampNaN(rate, -100, 100) / secs : 0;
  }

  /** As src/view/nav.rs direction: the eight-way direction of an offset (x right, y down). */
  function direction(off) {
    const t = 0.414;
    const sx = Math.abs(off[0]) >= t * Math.abs(off[1]) ? signum(off[0]) : 0;
    const sy = Math.abs(off[1]) >= t * Math.abs(off[0]) ? signum(off[1]) : 0;
    return [sx + 0, sy + 0];
  }
  const turnCursor = (x, y) => ({ turn: [x, y] });

  // ------------------------------------------------- object navigation

  /** As src/view/object.rs ObjectSettings::default. */
  const OBJECT_SETTINGS = { deadZone: 6, joystickSpeed: 1, edgeSpeed: 0.5, edgeZone: 16 };

  /** As src/view/object.rs Clock: time at a signed rate becomes whole signed steps. */
  class Clock {
    constructor() {
      this.acc = 0;
    }
    /** Steps due after dt seconds at `rate` steps per second; with `every` at most one. */
    advance(dt, rate, every) {
      if (!(fin(rate) && rate !== 0)) {
        this.acc = 0;
        return 0;
      }
      this.acc += dt * rate;
      let whole = Math.trunc(this.acc);
      if (every) {
        whole = clampNaN(whole, -1, 1);
        this.acc -= whole;
        this.acc = clampNaN(this.acc, -1, 1);
      } else {
        this.acc -= whole;
      }
      return Math.trunc(clampNaN(whole, -1e6, 1e6)) || 0;
    }
    /** Seconds until the next step at `rate`. */
    due(rate) {
      if (!(fin(rate) && rate !== 0)) return Infinity;
      const left = rate > 0 ? 1 - this.acc : 1 + this.acc;
      return max(max(left, 0) / Math.abs(rate), 0);
    }
  }

  /**
   * As src/view/object.rs ObjectNav: the five object controllers, the node's
   * control settings (wrap, zoom, reverse, swap, translation) and its
   * animation settings on a simulated clock. Points are [x, y] logical pixels;
   * `area` is the picture's [width, height].
   */
  class ObjectNav {
    constructor(node, view, settings) {
      this.settings = Object.assign({}, OBJECT_SETTINGS, settings || {});
      this.node = objectOf(node);
      this.view_ = objectClamped(view, this.node);
      this.baseState = this.view_.state; // the state shown when the button is up
      this.press_ = null; // {gesture, start, at, last}
      this.hover = null; // last pointer position
      this.rest = [0, 0]; // turning not yet made into whole columns and rows
      this.frameClock = new Clock();
      this.frameDir = 1;
      this.frameDone = false;
      this.viewClock = new Clock();
      this.viewDir = 1;
      this.viewDone = false;
      this.translateMode_ = false;
    }
    view() {
      return copyObjectView(this.view_);
    }
    /** The controller in use (unknown types act as grabber-scroller). */
    controller() {
      const c = this.node.controller;
      return CONTROLLERS.includes(c) ? c : 'grabber-scroller';
    }
    /** Moves to v at once (clamped); its state becomes the button-up state. */
    setView(v) {
      const before = this.view();
      this.view_ = objectClamped(v, this.node);
      this.baseState = this.view_.state;
      this.rest = [0, 0];
      this.viewChanged(before);
    }
    /** Sets the field of view (ignored unless the node can zoom). */
    setFov(fov) {
      if (this.canZoom()) {
        this.view_.fov = f32(fov);
        this.view_ = objectClamped(this.view_, this.node);
        this.clampCentre();
      }
    }
    canZoom() {
      return hasControl(this.node, CONTROL.CAN_ZOOM);
    }
    canTranslate() {
      return hasControl(this.node, CONTROL.TRANSLATION);
    }
    /** Toggles translate mode (only with translation on); returns the new mode. */
    toggleTranslate() {
      this.translateMode_ = this.canTranslate() && !this.translateMode_;
      return this.translateMode_;
    }
    translateMode() {
      return this.translateMode_;
    }
    /** A button press at `at`; `translate` is the translate modifier (Alt). True when the view changed. */
    press(at, area, translate) {
      const before = this.view();
      let gesture;
      if ((translate || this.translateMode_) && this.canTranslate()) gesture = 'translate';
      else {
        const c = this.controller();
        const e = this.edge(at, area);
        if (c === 'grabber-scroller' && (e[0] !== 0 || e[1] !== 0)) gesture = 'edge';
        else if (c === 'old-joystick' || c === 'joystick') gesture = 'joystick';
        else if (c === 'absolute') gesture = 'absolute';
        else gesture = 'grab';
      }
      this.press_ = { gesture, start: at.slice(), at: at.slice(), last: at.slice() };
      this.hover = at.slice();
      this.rest = [0, 0];
      const s = mouseDownState(this.node);
      if (s !== null) this.view_.state = s;
      if (gesture === 'absolute') this.absolute(at, area);
      this.viewChanged(before);
      return !sameObjectView(this.view_, before);
    }
    /** The pointer moved to `at`. True when the view changed at once. */
    pointer(at, area) {
      this.hover = at.slice();
      const p = this.press_;
      if (!p) return false;
      p.at = at.slice();
      const dx = at[0] - p.last[0];
      const dy = at[1] - p.last[1];
      const before = this.view();
      switch (p.gesture) {
        case 'grab': {
          p.last = at.slice();
          const k = this.scale() / Math.max(area[0], 1);
          this.turnInput([dx * k, dy * k]);
          break;
        }
        case 'translate': {
          p.last = at.slice();
          const [fw, fh] = this.frameSize();
          const s = flatScale(objectZoom(this.view_, this.node), area[0], area[1], fw, fh);
          this.view_.centre[0] = f32(this.view_.centre[0] - f32(dx / s));
          this.view_.centre[1] = f32(this.view_.centre[1] - f32(dy / s));
          this.clampCentre();
          break;
        }
        case 'absolute':
          this.absolute(at, area);
          break;
        default:
          break;
      }
      this.viewChanged(before);
      return !sameObjectView(this.view_, before);
    }
    /** The button was released. True when the view changed (back from the mouse-down state). */
    release() {
      const before = this.view();
      this.press_ = null;
      this.rest = [0, 0];
      this.view_.state = this.baseState;
      this.viewChanged(before);
      return !sameObjectView(this.view_, before);
    }
    pressed() {
      return this.press_ !== null;
    }
    /** Arrow keys: one view in a direction (dx right, dy down), through reverse and swap. */
    step(dx, dy) {
      const before = this.view();
      // Keys move the camera: Right = next column = a drag to the left.
      const [c, r] = this.toGrid([-dx, -dy]);
      this.moveBy(roundAway(c), roundAway(r));
      this.viewChanged(before);
      return !sameObjectView(this.view_, before);
    }
    /** Advances time by dt seconds (continuous controllers, animation). True when the view changed. */
    tick(dt, area) {
      if (!(fin(dt) && dt > 0)) return false;
      const before = this.view();
      const v = this.velocity(area);
      if (v) this.turnInput([v[0] * dt, v[1] * dt]);
      this.viewChanged(before);
      this.animate(dt);
      return !sameObjectView(this.view_, before);
    }
    /** Seconds until the view next changes with no input (0 while turning, Infinity: never). */
    wakeIn(area) {
      return this.velocity(area) ? 0 : this.nextStep();
    }
    /** The pointer's look for this controller at the last pointer position. */
    cursor(area) {
      const p = this.press_;
      if (p) {
        switch (p.gesture) {
          case 'grab':
            return 'grabbing';
          case 'translate':
            return 'move';
          case 'absolute':
            return 'finger';
          case 'edge': {
            const [x, y] = this.edge(p.at, area);
            return x === 0 && y === 0 ? 'grabbing' : turnCursor(x, y);
          }
          default: {
            const off = [p.at[0] - p.start[0], p.at[1] - p.start[1]];
            if (Math.hypot(off[0], off[1]) <= this.settings.deadZone) return this.idleCursor();
            const [x, y] = direction(off);
            return turnCursor(x, y);
          }
        }
      }
      if (this.translateMode_) return 'move';
      if (this.controller() === 'grabber-scroller' && this.hover) {
        const [x, y] = this.edge(this.hover, area);
        if (x !== 0 || y !== 0) return turnCursor(x, y);
      }
      return this.idleCursor();
    }
    idleCursor() {
      switch (this.controller()) {
        case 'joystick':
          return 'joystick';
        case 'old-joystick':
          return 'old-joystick';
        case 'absolute':
          return 'finger';
        default:
          return 'hand';
      }
    }
    /** Degrees per window width of pointer motion. */
    scale() {
      const s = this.node.mouseMotionScale;
      return fin(s) && s > 0 ? s : 180;
    }
    frameSize() {
      return [Math.max(this.node.width, 1), Math.max(this.node.height, 1)];
    }
    /** The edge zone under `at`: its arrow's direction (x right, y down), [0, 0] outside. */
    edge(at, area) {
      const zone = (side) => Math.min(this.settings.edgeZone, side / 6);
      const zx = zone(area[0]);
      const zy = zone(area[1]);
      if (!(at[0] >= 0 && at[1] >= 0 && at[0] < area[0] && at[1] < area[1])) return [0, 0];
      const x = at[0] < zx ? -1 : at[0] >= area[0] - zx ? 1 : 0;
      const y = at[1] < zy ? -1 : at[1] >= area[1] - zy ? 1 : 0;
      return [x, y];
    }
    /** Input motion in degrees per second from a held continuous control, or null. */
    velocity(area) {
      const p = this.press_;
      if (!p) return null;
      const widthSpeed = this.scale();
      let v;
      if (p.gesture === 'edge') {
        const [x, y] = this.edge(p.at, area);
        const s = this.settings.edgeSpeed * widthSpeed;
        v = [x * s, y * s];
      } else if (p.gesture === 'joystick') {
        const off = [p.at[0] - p.start[0], p.at[1] - p.start[1]];
        const r = Math.hypot(off[0], off[1]);
        if (r <= this.settings.deadZone) return null;
        const k = (r - this.settings.deadZone) / r / (Math.max(area[0], 1) / 2);
        const s = this.settings.joystickSpeed * widthSpeed * k;
        const sign = this.controller() === 'old-joystick' ? -1 : 1;
        v = [off[0] * s * sign, off[1] * s * sign];
      } else return null;
      return v[0] !== 0 || v[1] !== 0 ? v : null;
    }
    /** Input (x right, y down) to [columns, rows] through reverse and swap; the object turns with it. */
    toGrid(input) {
      let x = -input[0];
      let y = -input[1];
      if (hasControl(this.node, CONTROL.REVERSE_H)) x = -x;
      if (hasControl(this.node, CONTROL.REVERSE_V)) y = -y;
      if (hasControl(this.node, CONTROL.SWAP_HV)) [x, y] = [y, x];
      return [x, y];
    }
    /** Input degrees become whole columns and rows; the remainder carries. */
    turnInput(deg) {
      const g = this.toGrid(deg);
      const step = objectSteps(this.node);
      this.rest[0] += g[0] / step[0];
      this.rest[1] += g[1] / step[1];
      const dc = Math.trunc(this.rest[0]);
      const dr = Math.trunc(this.rest[1]);
      this.rest[0] -= dc;
      this.rest[1] -= dr;
      const lim = 1e6;
      this.moveBy(Math.trunc(clampNaN(dc, -lim, lim)) || 0, Math.trunc(clampNaN(dr, -lim, lim)) || 0);
    }
    /** The absolute controller: the grid cell under `at`. */
    absolute(at, area) {
      let fx = clampNaN(at[0] / Math.max(area[0], 1), 0, 1);
      let fy = clampNaN(at[1] / Math.max(area[1], 1), 0, 1);
      if (hasControl(this.node, CONTROL.REVERSE_H)) fx = 1 - fx;
      if (hasControl(this.node, CONTROL.REVERSE_V)) fy = 1 - fy;
      if (hasControl(this.node, CONTROL.SWAP_HV)) [fx, fy] = [fy, fx];
      const cell = (f, n) => Math.min(asU32(Math.floor(f * n)), Math.max(n, 1) - 1);
      this.view_.column = cell(fx, this.node.columns);
      this.view_.row = cell(fy, this.node.rows);
    }
    /** Moves by whole columns and rows, wrapping where the settings say. */
    moveBy(dc, dr) {
      const o = this.node;
      const walk = (v, d, n, wrap) => {
        n = Math.max(n, 1);
        const x = v + d;
        return wrap ? remI(x, n) : Math.min(Math.max(x, 0), n - 1);
      };
      this.view_.column = walk(this.view_.column, dc, o.columns, hasControl(o, CONTROL.WRAP_PAN));
      this.view_.row = walk(this.view_.row, dr, o.rows, hasControl(o, CONTROL.WRAP_TILT));
    }
    clampCentre() {
      this.view_ = objectClamped(this.view_, this.node);
    }
    /** After any change: "start on the first frame" restarts the frames of a new view. */
    viewChanged(before) {
      const v = this.view_;
      const moved = before.row !== v.row || before.column !== v.column || before.state !== v.state;
      if (moved && hasAnimation(this.node, ANIMATION.START_FIRST_VIEW_FRAME)) this.restartFrames(true);
    }
    /** Back to the first frame; a user's view change also restarts the clock. */
    restartFrames(clock) {
      this.view_.frame = 0;
      if (clock) this.frameClock = new Clock();
      this.frameDir = 1;
      this.frameDone = false;
    }
    framesAnimate() {
      return hasAnimation(this.node, ANIMATION.ANIMATE_VIEW_FRAMES) && this.node.framesPerView > 1;
    }
    frameRate() {
      return stepsPerSecond(this.node.frameRate, this.node.frameSeconds);
    }
    viewsAnimate() {
      return hasAnimation(this.node, ANIMATION.ANIMATE_VIEWS) && this.node.columns > 1 && this.press_ === null;
    }
    synced() {
      return hasAnimation(this.node, ANIMATION.SYNC_VIEW_TO_FRAME_RATE) && this.framesAnimate();
    }
    viewRate() {
      const secs = this.node.frameSeconds * Math.max(this.node.framesPerView, 1);
      return stepsPerSecond(this.node.viewRate, secs);
    }
    /** Seconds until the next animation step (Infinity: none due). */
    nextStep() {
      let t = Infinity;
      if (this.framesAnimate() && !this.frameDone) t = min(t, this.frameClock.due(this.frameRate()));
      if (this.viewsAnimate() && !this.viewDone && !this.synced()) t = min(t, this.viewClock.due(this.viewRate()));
      return t;
    }
    /** As ObjectNav::animate: frame animation, then view animation (free or synced to frame cycles). */
    animate(dt) {
      const o = this.node;
      const every = hasAnimation(o, ANIMATION.PLAY_EVERY_VIEW_FRAME);
      let cycles = 0;
      if (this.framesAnimate() && !this.frameDone) {
        const steps = this.frameClock.advance(dt, this.frameRate(), every);
        // More steps than two cycles change nothing but the phase.
        const period = 2 * o.framesPerView;
        const count = Math.abs(steps) > period ? Math.sign(steps) * (period + (Math.abs(steps) % period)) : steps;
        for (let i = 0; i < Math.abs(count); i++) {
          if (this.frameStep(Math.sign(count))) cycles += 1;
          if (this.frameDone) break;
        }
      }
      if (!this.viewsAnimate() || this.viewDone) {
        this.viewClock = new Clock();
        return;
      }
      const steps = this.synced()
        ? cycles * (o.viewRate < 0 ? -1 : 1)
        : this.viewClock.advance(dt, this.viewRate(), every);
      const n = o.columns;
      const count = Math.min(Math.max(steps, -2 * n), 2 * n);
      const before = this.view_.column;
      for (let i = 0; i < Math.abs(count); i++) {
        this.viewStep(Math.sign(count));
        if (this.viewDone) break;
      }
      const moved = this.view_.column !== before;
      if (moved && (this.synced() || hasAnimation(o, ANIMATION.START_FIRST_VIEW_FRAME))) this.restartFrames(false);
    }
    /** One frame step in direction `sign`; true when a cycle completed. */
    frameStep(sign) {
      const n = this.node.framesPerView;
      const f = this.view_.frame;
      const palindrome = hasAnimation(this.node, ANIMATION.PALINDROME_VIEW_FRAMES);
      const once = hasAnimation(this.node, ANIMATION.DONT_LOOP_VIEW_FRAMES);
      let next;
      let cycle;
      if (palindrome) {
        const d = sign * this.frameDir;
        let x = f + d;
        if (!(x >= 0 && x < n)) {
          this.frameDir = -this.frameDir;
          x = f - d;
        }
        x = Math.min(Math.max(x, 0), n - 1);
        // Back at the first frame: one cycle (there and back).
        cycle = x === 0 && x < f;
        if (cycle && once) this.frameDone = true;
        next = x;
      } else if (once) {
        const x = f + sign;
        if (x >= 0 && x < n) {
          const end = (x === n - 1 && sign > 0) || (x === 0 && sign < 0);
          this.frameDone = end;
          next = x;
          cycle = end;
        } else {
          this.frameDone = true;
          next = f;
          cycle = false;
        }
      } else {
        const x = f + sign;
        next = remI(x, n);
        cycle = !(x >= 0 && x < n);
      }
      this.view_.frame = next;
      return cycle;
    }
    /** One view step along the row in direction `sign`. */
    viewStep(sign) {
      const n = this.node.columns;
      const c = this.view_.column;
      const synced = this.synced();
      const palindrome = synced
        ? hasAnimation(this.node, ANIMATION.PALINDROME_VIEW_FRAMES)
        : hasAnimation(this.node, ANIMATION.PALINDROME_VIEWS);
      const once = synced && hasAnimation(this.node, ANIMATION.DONT_LOOP_VIEW_FRAMES);
      let next;
      if (palindrome) {
        const d = sign * this.viewDir;
        let x = c + d;
        if (!(x >= 0 && x < n)) {
          this.viewDir = -this.viewDir;
          x = c - d;
        }
        next = Math.min(Math.max(x, 0), n - 1);
      } else if (once) {
        const x = c + sign;
        if (!(x >= 0 && x < n)) {
          this.viewDone = true;
          next = c;
        } else next = x;
      } else next = remI(c + sign, n);
      this.view_.column = next;
    }
  }

  // ------------------------------------------------------------ navigator

  /** As src/view/nav.rs Settings::default. `drag`: 'continuous' (QuickTime VR's) or 'grab'. */
  const SETTINGS = {
    drag: 'continuous',
    deadZone: 6,
    dragSpeed: 1.5,
    keySpeed: 0.6,
    zoomRate: 1.2,
    turnEase: 0.12,
    zoomEase: 0.08,
  };
  const KEYS = { left: 0, right: 1, up: 2, down: 3, zoomIn: 4, zoomOut: 5 };
  const keyBit = (name) => {
    if (!(name in KEYS)) throw new Error('unknown navigation key ' + name);
    return 1 << KEYS[name];
  };
  const EPS_SPEED = 0.1;
  const EPS_FOV = 0.001;
  const saneSize = (s) => s.map((x) => (fin(x) && x >= 1 ? x : 1));

  /**
   * As src/view/nav.rs Navigator: the navigation state of one node in one
   * window. `subject`: {kind: 'panorama', limits, view} or {kind: 'object',
   * node, view, objectSettings?}; `size`: [width, height] logical pixels.
   */
  class Navigator {
    constructor(subject, size, settings) {
      this.settings = Object.assign({}, SETTINGS, settings || {});
      if (subject && subject.kind === 'object') {
        this.object = new ObjectNav(subject.node, subject.view, subject.objectSettings);
        this.limits = null;
        this.pano = null;
      } else {
        this.object = null;
        this.limits = limitsOf(subject && subject.limits);
        this.pano = viewOf(subject && subject.view);
      }
      this.size = saneSize(pairArg(size));
      this.speed = [0, 0]; // eased turning speed, degrees per second (pan, tilt)
      this.keys = 0;
      this.drag = null; // {start, at, last}
      this.bar = 0; // controls over the bottom of the picture
      this.clamp();
      this.targetFov = this.fov(); // the fov the zoom eases towards
    }

    /** As Subject::of_node: a node ({kind, limits | object}) at its default view. */
    static ofNode(node, size, settings) {
      const subject =
        node.kind === 'object'
          ? { kind: 'object', node: node.object, view: objectDefaultView(node.object) }
          : { kind: 'panorama', limits: node.limits, view: limitsOf(node.limits).default };
      return new Navigator(subject, size, settings);
    }

    /** 'panorama' or 'object'. */
    get kind() {
      return this.object ? 'object' : 'panorama';
    }

    /** The picture to draw: {mode: 'perspective', view} or {mode: 'flat', zoom, centre}. */
    shot() {
      if (this.object) return objectShot(this.object.view_, this.object.node);
      return { mode: 'perspective', view: { ...this.pano } };
    }

    /** The panorama view; for objects the angles of the view's column and row, and its fov. */
    view() {
      if (!this.object) return { ...this.pano };
      const v = this.object.view_;
      const o = this.object.node;
      return { pan: columnPan(o, v.column), tilt: rowTilt(o, v.row), fov: v.fov };
    }

    /** The object view, or null for panoramas. */
    objectView() {
      return this.object ? this.object.view() : null;
    }

    /** Objects: moves to v at once (clamped), stopping any zoom. */
    setObjectView(v) {
      if (this.object) {
        this.object.setView(v);
        this.targetFov = this.object.view_.fov;
      }
    }

    /** Objects: toggles translate mode; null for panoramas or objects without translation. */
    toggleTranslate() {
      return this.object && this.object.canTranslate() ? this.object.toggleTranslate() : null;
    }

    /** The logical height of controls drawn over the bottom of the picture. */
    setBarHeight(h) {
      h = +h;
      this.bar = fin(h) ? Math.max(h, 0) : 0;
    }

    /** The picture area objects' edge zones and absolute grid use. */
    area() {
      return [this.size[0], Math.max(this.size[1] - this.bar, 1)];
    }

    snapshot() {
      return { view: this.view(), object: this.object ? this.object.view() : null };
    }
    static sameSnapshot(a, b) {
      return sameView(a.view, b.view) && (a.object === null ? b.object === null : sameObjectView(a.object, b.object));
    }

    fov() {
      return this.object ? this.object.view_.fov : this.pano.fov;
    }

    aspect() {
      return this.size[0] / this.size[1];
    }

    /** The window's new logical size ([w, h] or w, h); the vertical fov is kept. */
    resize(w, h) {
      this.size = saneSize(pairArg(w, h));
      this.clamp();
    }

    /** Moves to v at once (clamped), stopping any motion. */
    setView(v) {
      v = viewOf(v);
      this.speed = [0, 0];
      if (this.object) {
        const o = this.object;
        const ov = o.view();
        ov.column = columnForPan(o.node, v.pan);
        ov.row = rowForTilt(o.node, v.tilt);
        if (o.canZoom()) ov.fov = v.fov;
        o.setView(ov);
      } else this.pano = v;
      this.clamp();
      this.targetFov = this.fov();
    }

    /** A button press at (x, y). True when the view changed at once. */
    press(x, y) {
      return this.pressWith(x, y, false);
    }

    /** A button press with the translate modifier (Alt) held or not. */
    pressWith(x, y, translate) {
      const at = [+x, +y];
      if (this.object) return this.object.press(at, this.area(), !!translate);
      this.drag = { start: at, at: at.slice(), last: at.slice() };
      return false;
    }

    /** The pointer moved to (x, y), pressed or not. True when the view changed at once. */
    pointer(x, y) {
      const at = [+x, +y];
      if (this.object) return this.object.pointer(at, this.area());
      const d = this.drag;
      if (!d) return false;
      d.at = at.slice();
      if (this.settings.drag !== 'grab') return false;
      const dx = at[0] - d.last[0];
      const dy = at[1] - d.last[1];
      d.last = at.slice();
      const before = this.snapshot();
      // The scene follows the pointer: dragging right shows what was to the left.
      const perPx = this.pano.fov / this.size[1];
      this.pano.pan = f32(this.pano.pan + dx * perPx);
      this.pano.tilt = f32(this.pano.tilt + dy * perPx);
      this.clamp();
      return !Navigator.sameSnapshot(this.snapshot(), before);
    }

    /** The button was released. True when the view changed at once. */
    release() {
      this.drag = null;
      return this.object ? this.object.release() : false;
    }

    /** Whether a button is held on the picture. */
    dragging() {
      return this.object ? this.object.pressed() : this.drag !== null;
    }

    /**
     * A navigation key ('left', 'right', 'up', 'down', 'zoomIn', 'zoomOut')
     * went down or up. Objects step one view per arrow press; true when the
     * view changed at once.
     */
    key(name, down) {
      const bit = keyBit(name);
      if (down) this.keys |= bit;
      else this.keys &= ~bit;
      if (this.object && down) {
        const steps = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] };
        const s = steps[name];
        return s ? this.object.step(s[0], s[1]) : false;
      }
      return false;
    }

    /** All keys up (the window lost focus). */
    releaseKeys() {
      this.keys = 0;
    }

    /** Zooms by n wheel notches (positive: in), eased. */
    zoomSteps(n) {
      this.zoomBy(Math.pow(0.9, n));
    }

    /** Multiplies the fov the zoom eases to by `factor` (< 1: in). */
    zoomBy(factor) {
      if (fin(factor) && factor > 0) this.targetFov = this.clampFov(this.targetFov * factor);
    }

    clampFov(fov) {
      if (!this.object) {
        return clampPanorama({ ...this.pano, fov: f32(fov) }, this.limits, this.aspect()).fov;
      }
      const view = this.object.view_;
      if (!this.object.canZoom()) return view.fov;
      return objectClamped({ ...view, fov: f32(fov) }, this.object.node).fov;
    }

    /** Whether the view will move without further input (call tick again). */
    animating() {
      return this.wakeIn() !== null;
    }

    moving() {
      const ts = this.targetSpeed();
      return (
        this.speed.some((s) => Math.abs(s) > EPS_SPEED) ||
        Math.abs(this.targetFov - this.fov()) > EPS_FOV ||
        ts[0] !== 0 ||
        ts[1] !== 0 ||
        (this.keys & (keyBit('zoomIn') | keyBit('zoomOut'))) !== 0
      );
    }

    /**
     * Seconds until the view next changes with no input: 0 while something
     * moves every frame, the next animation frame for animated objects, null at rest.
     */
    wakeIn() {
      if (this.moving()) return 0;
      if (!this.object) return null;
      const t = this.object.wakeIn(this.area());
      return fin(t) ? t : null;
    }

    /** The turning speed input asks for now (degrees per second). */
    targetSpeed() {
      if (this.object) return [0, 0];
      const fov = this.fov();
      const s = [0, 0];
      const held = (k) => (this.keys & keyBit(k)) !== 0;
      const key = this.settings.keySpeed * fov;
      if (held('left')) s[0] += key;
      if (held('right')) s[0] -= key;
      if (held('up')) s[1] += key;
      if (held('down')) s[1] -= key;
      const d = this.drag;
      if (d && this.settings.drag === 'continuous') {
        const off = [d.at[0] - d.start[0], d.at[1] - d.start[1]];
        const r = Math.hypot(off[0], off[1]);
        if (r > this.settings.deadZone) {
          // Distance beyond the dead zone, per half window height.
          const k = (r - this.settings.deadZone) / r / (this.size[1] / 2);
          const speed = this.settings.dragSpeed * fov;
          // Right of the press turns right (pan falls); below looks down.
          s[0] -= off[0] * k * speed;
          s[1] -= off[1] * k * speed;
        }
      }
      return s;
    }

    /** As Navigator::tick: advances time by dt seconds; true when the view changed. */
    tick(dt) {
      dt = num(dt);
      if (!(fin(dt) && dt > 0)) return false;
      dt = Math.min(dt, 0.25);
      const before = this.snapshot();
      // Zoom keys move the target; the fov eases to it.
      const held = (k) => (this.keys & keyBit(k)) !== 0;
      const zr = this.settings.zoomRate * dt;
      if (held('zoomIn')) this.targetFov = this.clampFov(this.targetFov * Math.exp(-zr));
      if (held('zoomOut')) this.targetFov = this.clampFov(this.targetFov * Math.exp(zr));
      const target = this.targetSpeed();
      const a = 1 - Math.exp(-dt / max(this.settings.turnEase, 1e-3));
      for (let i = 0; i < 2; i++) {
        this.speed[i] += (target[i] - this.speed[i]) * a;
        if (target[i] === 0 && Math.abs(this.speed[i]) <= EPS_SPEED) this.speed[i] = 0;
      }
      const z = Math.exp(-dt / max(this.settings.zoomEase, 1e-3));
      let fov = this.targetFov + (this.fov() - this.targetFov) * z;
      if (Math.abs(fov - this.targetFov) <= EPS_FOV) fov = this.targetFov;
      if (this.object) {
        this.object.setFov(f32(fov));
        this.object.tick(dt, this.area());
      } else {
        this.pano.pan = f32(this.pano.pan + this.speed[0] * dt);
        this.pano.tilt = f32(this.pano.tilt + this.speed[1] * dt);
        this.pano.fov = f32(fov);
      }
      const asked = this.view();
      this.clamp();
      // Speed into a limit stops rather than pressing on.
      if (!this.object) {
        const got = this.view();
        if (!this.limits.wraps && Math.abs(f32(asked.pan - got.pan)) > f32(1e-4)) this.speed[0] = 0;
        if (Math.abs(f32(asked.tilt - got.tilt)) > f32(1e-4)) this.speed[1] = 0;
      }
      return !Navigator.sameSnapshot(this.snapshot(), before);
    }

    /**
     * The pointer's look: 'hand', 'grabbing', {turn: [x, y]} (each −1, 0 or
     * 1; x right, y down), 'finger', 'joystick', 'old-joystick' or 'move'.
     */
    cursor() {
      if (this.object) return this.object.cursor(this.area());
      const d = this.drag;
      if (!d) return 'hand';
      if (this.settings.drag === 'grab') return 'grabbing';
      const off = [d.at[0] - d.start[0], d.at[1] - d.start[1]];
      if (Math.hypot(off[0], off[1]) <= this.settings.deadZone) return 'grabbing';
      const [x, y] = direction(off);
      return turnCursor(x, y);
    }

    clamp() {
      if (!this.object) this.pano = clampPanorama(this.pano, this.limits, this.aspect());
    }
  }

  // ------------------------------------------------------------- tours

  /** As src/view/tour.rs default_view: a node's ({kind, limits | object}) default view. */
  function defaultView(node) {
    const l = node.kind === 'object' ? objectOf(node.object).limits : limitsOf(node.limits);
    return { ...l.default };
  }

  /**
   * As src/view/tour.rs destination_view: where a link ({target, view}) arrives
   * on `target`. Each of link.view's pan, tilt, fov is used where it is a
   * finite number (a null field, or a null view, is "not valid"); the fov only
   * when positive; the target's default otherwise.
   */
  function destinationView(target, link) {
    const d = defaultView(target);
    const v = (link && link.view) || {};
    const pan = n32(v.pan);
    const tilt = n32(v.tilt);
    const fov = n32(v.fov);
    return { pan: fin(pan) ? pan : d.pan, tilt: fin(tilt) ? tilt : d.tilt, fov: fin(fov) && fov > 0 ? fov : d.fov };
  }

  /** As src/view/tour.rs hotspot_name: its name, else its type and ID. */
  function hotspotName(h) {
    if (typeof h.name === 'string' && h.name.trim() !== '') return h.name;
    return String(h.type || '').trim() + ' hot spot ' + h.id;
  }

  const findNode = (nodes, id) => nodes.find((n) => n.id === id) || null;

  /**
   * As src/view/tour.rs action: what clicking hot spot `id` of node `nodeId`
   * does, given all nodes: {kind: 'go', to, view}, {kind: 'broken', to},
   * {kind: 'url', url} or {kind: 'show', type, name}; null: no such hot spot.
   */
  function action(nodes, nodeId, id) {
    const node = findNode(nodes, nodeId);
    const h = node && (node.hotspots || []).find((x) => x.id === id);
    if (!h) return null;
    if (h.link) {
      const target = findNode(nodes, h.link.target);
      return target
        ? { kind: 'go', to: h.link.target, view: destinationView(target, h.link) }
        : { kind: 'broken', to: h.link.target };
    }
    if (typeof h.url === 'string') return { kind: 'url', url: h.url };
    return { kind: 'show', type: String(h.type || '').trim(), name: hotspotName(h) };
  }

  const HISTORY = 256;

  /** As src/view/tour.rs Tour: the node shown and the way back. */
  class Tour {
    constructor(node) {
      this.node = node;
      this.history = []; // [node, view] pairs
    }
    depth() {
      return this.history.length;
    }
    /** Clicks hot spot `id` while looking at `here`; a link moves (remembering here). */
    follow(nodes, id, here) {
      const a = action(nodes, this.node, id);
      if (a && a.kind === 'go') this.jump(a.to, here);
      return a;
    }
    /** Moves to node `to`, remembering `here`. */
    jump(to, here) {
      if (this.history.length >= HISTORY) this.history.shift();
      this.history.push([this.node, viewOf(here)]);
      this.node = to;
    }
    /** Where back would go: [node, view], or null. */
    last() {
      const l = this.history[this.history.length - 1];
      return l ? [l[0], { ...l[1] }] : null;
    }
    /** Back to the last node and its view: [node, view], or null at the start. */
    back() {
      const l = this.history.pop();
      if (!l) return null;
      this.node = l[0];
      return l;
    }
    /** Starts again at `node`, forgetting the history. */
    restart(node) {
      this.node = node;
      this.history = [];
    }
  }

  /** As src/view/tour.rs UrlClicks: the first click shows a URL, a second on the same hot spot opens it. */
  class UrlClicks {
    constructor() {
      this.armed = null;
    }
    /** True when this click should open the URL. */
    click(node, id) {
      if (this.armed && this.armed[0] === node && this.armed[1] === id) {
        this.armed = null;
        return true;
      }
      this.armed = [node, id];
      return false;
    }
    reset() {
      this.armed = null;
    }
  }

  const SWING_SECONDS = 0.4;
  const FADE_SECONDS = 0.35;

  const smooth = (t) => t * t * (3 - 2 * t);

  /** As src/view/tour.rs swing: a fraction t of the way from a to b, eased, the short way round. */
  function swing(a, b, t) {
    a = viewOf(a);
    b = viewOf(b);
    const s = f32(smooth(clampNaN(t, 0, 1)));
    let dp = remE32(f32(b.pan - a.pan), 360);
    if (dp > 180) dp = f32(dp - 360);
    return {
      pan: remE32(f32(a.pan + f32(dp * s)), 360),
      tilt: f32(a.tilt + f32(f32(b.tilt - a.tilt) * s)),
      fov: f32(a.fov + f32(f32(b.fov - a.fov) * s)),
    };
  }

  /**
   * As src/view/tour.rs Transition: a swing to the hot spot's best view
   * (when there is one), then waiting for the new node ('ready'), then the
   * cross-fade ('fade'), then 'done'.
   */
  class Transition {
    constructor(from, best) {
      from = viewOf(from);
      const b = best ? viewOf(best) : null;
      if (b && fin(b.pan) && fin(b.tilt)) {
        const to = { pan: b.pan, tilt: b.tilt, fov: fin(b.fov) && b.fov > 0 ? b.fov : from.fov };
        this.phase_ = { kind: 'swing', from, to, elapsed: 0 };
      } else this.phase_ = { kind: 'ready' };
    }
    /** A fade only (back, node list). */
    static fadeOnly() {
      return new Transition({ pan: 0, tilt: 0, fov: 0 }, null);
    }
    /** {kind: 'swing', from, to, elapsed} | {kind: 'ready'} | {kind: 'fade', elapsed} | {kind: 'done'}. */
    phase() {
      return { ...this.phase_ };
    }
    /** Advances by dt seconds; during the swing returns the view to show, else null. */
    tick(dt) {
      dt = num(dt);
      dt = fin(dt) ? max(dt, 0) : 0;
      const p = this.phase_;
      if (p.kind === 'swing') {
        p.elapsed += dt;
        // (A hair of slack: ten ticks of 0.04 s end the 0.4 s swing.)
        const t = Math.min(p.elapsed / SWING_SECONDS + 1e-9, 1);
        const v = swing(p.from, p.to, t);
        if (t >= 1) this.phase_ = { kind: 'ready' };
        return v;
      }
      if (p.kind === 'fade') {
        p.elapsed += dt;
        if (p.elapsed + 1e-9 >= FADE_SECONDS) this.phase_ = { kind: 'done' };
      }
      return null;
    }
    /** Whether the new node may replace the old one now. */
    ready() {
      return this.phase_.kind === 'ready';
    }
    /** The new node is shown: the fade starts. */
    switched() {
      this.phase_ = { kind: 'fade', elapsed: 0 };
    }
    /** The old picture's opacity over the new node while fading, else null. */
    fade() {
      if (this.phase_.kind !== 'fade') return null;
      const t = clampNaN(this.phase_.elapsed / FADE_SECONDS, 0, 1);
      return f32(1 - smooth(t));
    }
    /** Whether frames must keep coming (swinging or fading). */
    moving() {
      return this.phase_.kind === 'swing' || this.phase_.kind === 'fade';
    }
    done() {
      return this.phase_.kind === 'done';
    }
  }

  QTVR.nav = {
    // geometry (src/view/mod.rs)
    basis,
    Rays,
    rayAt,
    flatTexel,
    flatScale,
    horizontalFov,
    verticalFov,
    clampPanorama,
    MIN_FOV,
    MAX_FOV,
    // objects (src/view/mod.rs, src/view/object.rs)
    objectDefaultView,
    objectClamped,
    objectZoom,
    objectShot,
    objectFovRange,
    columnForPan,
    rowForTilt,
    columnPan,
    rowTilt,
    defaultState,
    mouseDownState,
    ObjectNav,
    OBJECT_SETTINGS,
    ANIMATION,
    CONTROL,
    // navigation (src/view/nav.rs)
    Navigator,
    SETTINGS,
    direction,
    // tours (src/view/tour.rs)
    defaultView,
    destinationView,
    hotspotName,
    action,
    Tour,
    UrlClicks,
    Transition,
    swing,
    SWING_SECONDS,
    FADE_SECONDS,
  };
  if (typeof module !== 'undefined' && module.exports) module.exports = QTVR.nav;
})(typeof window !== 'undefined' ? window : globalThis);
