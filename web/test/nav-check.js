#!/usr/bin/env node
// Checks web/nav.js against the desktop viewer: runs every case of a cases
// file written by tests/web_nav.rs (the inputs and what src/view computed
// for them) through the JavaScript port and compares the results.
//
//   node web/test/nav-check.js CASES.json
//
// Prints the first mismatches and exits 1 when there are any; the last line
// is always "checked N cases, M mismatches".
'use strict';

const fs = require('fs');
const path = require('path');
const nav = require(path.join(__dirname, '..', 'nav.js'));

// Angles within 1e-3 degrees of Rust's; other numbers within 1e-3 plus a
// relative 1e-7 (rays near a 179° field of view are long).
const TOL = 1e-3;
const REL = 1e-7;
const SHOW = 20;

// ------------------------------------------------------------ the cases

const run = {
  /** clamp_panorama of several views at several aspects. */
  clamp: (c) => c.items.map(([view, aspect]) => nav.clampPanorama(view, c.limits, aspect)),

  /** horizontal_fov / vertical_fov. */
  fov: (c) => c.items.map(([fov, aspect]) => [nav.horizontalFov(fov, aspect), nav.verticalFov(fov, aspect)]),

  /** Rays: basis, rays and flat texels of one shot. */
  rays: (c) => {
    const r = new nav.Rays(c.shot, c.size[0], c.size[1]);
    return {
      basis: r.perspectiveBasis(),
      rays: c.points.map(([x, y]) => nav.rayAt(c.shot, c.size[0], c.size[1], x, y)),
      texels: c.points.map(([x, y]) => nav.flatTexel(c.shot, c.size[0], c.size[1], x, y, c.frame[0], c.frame[1])),
      angles: c.points.map(([x, y]) => nav.basis(x, y)),
    };
  },

  /** Object view geometry of one node. */
  object: (c) => ({
    fovRange: nav.objectFovRange(c.node),
    defaultView: nav.objectDefaultView(c.node),
    defaultState: nav.defaultState(c.node),
    mouseDownState: nav.mouseDownState(c.node),
    columns: c.pans.map((p) => nav.columnForPan(c.node, p)),
    rows: c.tilts.map((t) => nav.rowForTilt(c.node, t)),
    clamped: c.views.map((v) => nav.objectClamped(v, c.node)),
    zooms: c.views.map((v) => nav.objectZoom(v, c.node)),
  }),

  /** A navigator through a sequence of inputs; the state after each. */
  nav: (c) => {
    const n = c.node
      ? nav.Navigator.ofNode(c.node, c.size, c.settings)
      : new nav.Navigator(c.subject, c.size, c.settings);
    const steps = c.ops.map((op) => {
      const [name, ...a] = op;
      let ret;
      switch (name) {
        case 'press':
          ret = n.press(a[0], a[1]);
          break;
        case 'pressWith':
          ret = n.pressWith(a[0], a[1], a[2]);
          break;
        case 'pointer':
          ret = n.pointer(a[0], a[1]);
          break;
        case 'release':
          ret = n.release();
          break;
        case 'key':
          ret = n.key(a[0], a[1]);
          break;
        case 'releaseKeys':
          ret = n.releaseKeys();
          break;
        case 'zoomSteps':
          ret = n.zoomSteps(num(a[0]));
          break;
        case 'zoomBy':
          ret = n.zoomBy(num(a[0]));
          break;
        case 'tick':
          ret = n.tick(num(a[0]));
          break;
        case 'resize':
          ret = n.resize(num(a[0]), num(a[1]));
          break;
        case 'setView':
          ret = n.setView(a[0]);
          break;
        case 'setObjectView':
          ret = n.setObjectView(a[0]);
          break;
        case 'toggleTranslate':
          ret = n.toggleTranslate();
          break;
        case 'setBarHeight':
          ret = n.setBarHeight(num(a[0]));
          break;
        default:
          throw new Error('unknown op ' + name);
      }
      return { ret: ret === undefined ? null : ret, state: state(n) };
    });
    return { initial: state(n0(c)), steps };
  },

  /** A link transition through ticks and the switch to the new node. */
  transition: (c) => {
    const t = c.fadeOnly ? nav.Transition.fadeOnly() : new nav.Transition(c.from, c.best);
    const steps = c.ops.map(([name, dt]) => {
      let ret = null;
      if (name === 'tick') ret = t.tick(num(dt));
      else t.switched();
      return { ret, phase: t.phase(), fade: t.fade(), ready: t.ready(), moving: t.moving(), done: t.done() };
    });
    return { steps };
  },

  /** swing(a, b, t). */
  swing: (c) => c.items.map(([a, b, t]) => nav.swing(a, b, num(t))),

  /** A tour's history, the hot spots' names, destinations and actions. */
  tour: (c) => {
    const t = new nav.Tour(c.start);
    const steps = c.ops.map((op) => {
      const [name, ...a] = op;
      let ret = null;
      if (name === 'follow') ret = t.follow(c.nodes, a[0], a[1]);
      else if (name === 'jump') t.jump(a[0], a[1]);
      else if (name === 'back') ret = t.back();
      else if (name === 'restart') t.restart(a[0]);
      else if (name !== 'last') throw new Error('unknown op ' + name);
      return { ret, node: t.node, depth: t.depth(), last: t.last() };
    });
    const byNode = (f) => c.nodes.map((n) => n.hotspots.map((h) => f(n, h)));
    return {
      steps,
      defaults: c.nodes.map((n) => nav.defaultView(n)),
      names: byNode((n, h) => nav.hotspotName(h)),
      actions: byNode((n, h) => nav.action(c.nodes, n.id, h.id)),
      destinations: byNode((n, h) => {
        const target = h.link && c.nodes.find((x) => x.id === h.link.target);
        return target ? nav.destinationView(target, h.link) : null;
      }),
    };
  },

  /** URL hot spot clicks. */
  urls: (c) => {
    const u = new nav.UrlClicks();
    return c.ops.map(([name, node, id]) => (name === 'click' ? u.click(node, id) : (u.reset(), null)));
  },

  /** Constants that must agree. */
  constants: () => ({
    swing: nav.SWING_SECONDS,
    fade: nav.FADE_SECONDS,
    settings: nav.SETTINGS,
    objectSettings: nav.OBJECT_SETTINGS,
  }),
};

function num(v) {
  return v === null || v === undefined ? NaN : v;
}

/** The navigator's state as tests/web_nav.rs records it. */
function state(n) {
  return {
    shot: n.shot(),
    view: n.view(),
    objectView: n.objectView(),
    cursor: n.cursor(),
    wakeIn: n.wakeIn(),
    animating: n.animating(),
    dragging: n.dragging(),
  };
}

/** A fresh navigator of case c (its state before any input). */
function n0(c) {
  return c.node ? nav.Navigator.ofNode(c.node, c.size, c.settings) : new nav.Navigator(c.subject, c.size, c.settings);
}

// ------------------------------------------------------------ comparing

/** Differences between Rust's `want` and the port's `got`, as [path, want, got]. */
function diff(want, got, at, out) {
  if (want === null) {
    const none = got === null || got === undefined || (typeof got === 'number' && !Number.isFinite(got));
    if (!none) out.push([at, want, got]);
    return;
  }
  if (typeof want === 'number') {
    if (typeof got !== 'number') {
      out.push([at, want, got]);
      return;
    }
    let d = Math.abs(got - want);
    // Pans are directions: 359.9999 and 0 are neighbours.
    if (/\.pan$/.test(at)) d = Math.min(d, Math.abs(d - 360));
    if (!(d <= TOL + REL * Math.abs(want))) out.push([at, want, got]);
    return;
  }
  if (typeof want !== 'object') {
    if (want !== got) out.push([at, want, got]);
    return;
  }
  if (got === null || typeof got !== 'object' || Array.isArray(want) !== Array.isArray(got)) {
    out.push([at, want, got]);
    return;
  }
  if (Array.isArray(want) && want.length !== got.length) {
    out.push([at + '.length', want.length, got.length]);
    return;
  }
  for (const k of Object.keys(want)) diff(want[k], got[k], at + '.' + k, out);
}

function main() {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: node nav-check.js CASES.json');
    process.exit(2);
  }
  const cases = JSON.parse(fs.readFileSync(file, 'utf8')).cases;
  let bad = 0;
  let shown = 0;
  for (const c of cases) {
    const out = [];
    try {
      diff(c.expect, run[c.kind](c), '', out);
    } catch (e) {
      out.push(['(threw)', null, String((e && e.stack) || e)]);
    }
    if (out.length === 0) continue;
    bad += 1;
    if (shown < SHOW) {
      shown += 1;
      console.log(`MISMATCH ${c.name} (${c.kind}), ${out.length} values; first:`);
      for (const [at, want, got] of out.slice(0, 4)) {
        console.log(`  ${at}: rust ${JSON.stringify(want)}, js ${JSON.stringify(got)}`);
      }
    }
  }
  console.log(`checked ${cases.length} cases, ${bad} mismatches`);
  process.exit(bad === 0 ? 0 : 1);
}

main();
