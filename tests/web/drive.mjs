// Drives one page of the system Chromium (headless, software WebGL) through a
// list of steps and prints one JSON line of results. Used by the browser
// tests (tests/support/browser.rs); runnable by hand:
//
//   node tests/web/drive.mjs STEPS.json
//
// STEPS.json is an array of steps, each an object with one key (plus options):
//
//   {"viewport": [w, h]}                  page size in CSS pixels (device scale 1)
//   {"goto": "file:///…/index.html#node=2"}   load, wait for the load event;
//                                         restarts the clock of "time"; a
//                                         relative URL is on the "serve" server
//   {"serve": "/abs/dir"}                 serve the folder over HTTP on
//                                         127.0.0.1 (any free port) from now on
//   {"waitFor": "JS expression", "timeout": ms}   poll (25 ms) until truthy
//   {"eval": "JS expression"}             result (JSON; undefined → null, a
//                                         promise is awaited) goes to results
//   {"screenshot": "/abs/path.png", "clip": [x, y, w, h]}   the viewport (or
//                                         the clip) as PNG
//   {"click": [x, y], "button": "left"}   move, press, release
//   {"mouseMove": [x, y], "steps": n}     move in n steps (default 1)
//   {"mouseDown": [x, y], "button": "left"}   move, then press
//   {"mouseUp": true, "button": "left"}   release
//   {"keyDown": "ArrowLeft"}  {"keyUp": "ArrowLeft"}  {"press": "Escape"}
//                                         key names as Playwright's keyboard
//   {"wheel": [dx, dy]}                   a wheel event at the mouse position
//   {"wait": ms}                          sleep
//   {"time": "label"}                     {"label", "ms"} to results: ms since
//                                         the last goto began
//
// Output (stdout, one line):
//   {"results": [one per eval or time step],
//    "console": [{"type", "text", "url"}…] every console message of the page,
//    "errors": ["…"] uncaught exceptions (pageerror) and crashes,
//    "failedRequests": [{"url", "error"}…]}
//
// A step that fails (a timeout, a throwing eval, a bad step) ends the run with
// exit code 1 and a message on stderr naming the step, with the console and
// errors so far. Environment: QTVR_CHROMIUM (default /usr/bin/chromium),
// DRIVE_TIMEOUT_MS (whole run, default 120000), DRIVE_FAILURE_SCREENSHOT (a
// path: a screenshot of the page when a step fails).
//
// DRIVE_BROWSER=firefox runs the same steps in the system Firefox instead
// (QTVR_FIREFOX, default /usr/bin/firefox-esr; headless, through WebDriver
// BiDi with puppeteer-core), adapted below to the calls the steps use.

import { chromium } from 'playwright-core';
import puppeteer from 'puppeteer-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';

// Software WebGL 2 without a GPU: ANGLE on SwiftShader. Chromium 137+ no
// longer falls back to SwiftShader for WebGL unless told it may
// (--enable-unsafe-swiftshader); --use-angle=swiftshader picks it directly.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--enable-unsafe-swiftshader',
  '--use-angle=swiftshader',
];

const DEFAULT_WAIT_MS = 10000;

const MIME = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8',
  '.json': 'application/json', '.png': 'image/png', '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg', '.webp': 'image/webp', '.gif': 'image/gif', '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8', '.wav': 'audio/wav',
};

/** A static file server for `root` on 127.0.0.1; resolves to its base URL. */
function serve(root, state) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    let rel;
    try {
      rel = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    let file = path.join(base, rel);
    if (file !== base && !file.startsWith(base + path.sep)) {
      res.writeHead(403).end();
      return;
    }
    if (rel.endsWith('/')) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) {
        // Browsers ask for a favicon on their own: not the page's error.
        res.writeHead(rel === '/favicon.ico' ? 204 : 404).end();
        return;
      }
      res.writeHead(200, { 'content-type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  state.servers.push(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${server.address().port}/`));
  });
}

function fail(message, state) {
  const lines = [`drive.mjs: ${message}`];
  if (state) {
    for (const c of state.console) lines.push(`  console.${c.type}: ${c.text}${c.url ? ` (${c.url})` : ''}`);
    for (const e of state.errors) lines.push(`  page error: ${e}`);
    for (const r of state.failedRequests) lines.push(`  request failed: ${r.url} (${r.error})`);
  }
  process.stderr.write(lines.join('\n') + '\n');
}

function point(step, key) {
  const p = step[key];
  if (!Array.isArray(p) || p.length !== 2 || !p.every(Number.isFinite)) {
    throw new Error(`"${key}" wants [x, y], got ${JSON.stringify(p)}`);
  }
  return p;
}

async function runStep(page, step, state) {
  const keys = Object.keys(step);
  const has = (k) => keys.includes(k);
  const timeout = step.timeout ?? DEFAULT_WAIT_MS;
  const button = step.button ?? 'left';
  if (has('viewport')) {
    const [width, height] = step.viewport;
    await page.setViewportSize({ width, height });
  } else if (has('serve')) {
    state.base = await serve(step.serve, state);
  } else if (has('goto')) {
    const url = /^[a-z][a-z0-9+.-]*:/i.test(step.goto) ? step.goto : state.base && new URL(step.goto, state.base).href;
    if (!url) throw new Error('a relative URL needs a "serve" step first');
    state.t0 = Date.now();
    await page.goto(url, { waitUntil: 'load', timeout: step.timeout ?? 30000 });
  } else if (has('waitFor')) {
    await page.waitForFunction(step.waitFor, null, { polling: 25, timeout });
  } else if (has('eval')) {
    const v = await page.evaluate(step.eval);
    state.results.push(v === undefined ? null : v);
  } else if (has('screenshot')) {
    const opts = { path: step.screenshot, type: 'png', timeout };
    if (step.clip) {
      const [x, y, width, height] = step.clip;
      opts.clip = { x, y, width, height };
    }
    fs.mkdirSync(path.dirname(step.screenshot), { recursive: true });
    await page.screenshot(opts);
  } else if (has('click')) {
    const [x, y] = point(step, 'click');
    await page.mouse.click(x, y, { button });
  } else if (has('mouseMove')) {
    const [x, y] = point(step, 'mouseMove');
    await page.mouse.move(x, y, { steps: step.steps ?? 1 });
  } else if (has('mouseDown')) {
    const [x, y] = point(step, 'mouseDown');
    await page.mouse.move(x, y);
    await page.mouse.down({ button });
  } else if (has('mouseUp')) {
    await page.mouse.up({ button });
  } else if (has('keyDown')) {
    await page.keyboard.down(step.keyDown);
  } else if (has('keyUp')) {
    await page.keyboard.up(step.keyUp);
  } else if (has('press')) {
    await page.keyboard.press(step.press);
  } else if (has('wheel')) {
    const [dx, dy] = point(step, 'wheel');
    await page.mouse.wheel(dx, dy);
  } else if (has('wait')) {
    await page.waitForTimeout(step.wait);
  } else if (has('time')) {
    if (state.t0 === null) throw new Error('"time" before any "goto"');
    state.results.push({ label: step.time, ms: Date.now() - state.t0 });
  } else {
    throw new Error('unknown step');
  }
}

/** A puppeteer (Firefox) page with the playwright calls runStep makes. */
function adapt(page) {
  return {
    setViewportSize: ({ width, height }) => page.setViewport({ width, height, deviceScaleFactor: 1 }),
    goto: (url, o) => page.goto(url, { waitUntil: 'load', timeout: o.timeout }),
    waitForFunction: (expr, _arg, o) => page.waitForFunction(expr, { polling: o.polling, timeout: o.timeout }),
    evaluate: (expr) => page.evaluate(expr),
    screenshot: (o) => page.screenshot({ path: o.path, type: 'png', clip: o.clip }),
    waitForTimeout: (ms) => new Promise((r) => setTimeout(r, ms)),
    mouse: {
      click: (x, y, o) => page.mouse.click(x, y, o),
      move: (x, y, o) => page.mouse.move(x, y, o),
      down: (o) => page.mouse.down(o),
      up: (o) => page.mouse.up(o),
      wheel: (dx, dy) => page.mouse.wheel({ deltaX: dx, deltaY: dy }),
    },
    keyboard: page.keyboard,
  };
}

/** Runs the steps in Firefox. */
async function firefox(steps, state) {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.QTVR_FIREFOX || '/usr/bin/firefox-esr',
    headless: true,
    timeout: 60000,
  });
  let code = 0;
  try {
    const raw = await browser.newPage();
    raw.on('console', (m) => state.console.push({ type: m.type(), text: m.text(), url: '' }));
    raw.on('pageerror', (e) => state.errors.push(e.stack || String(e)));
    raw.on('requestfailed', (r) => state.failedRequests.push({ url: r.url(), error: r.failure()?.errorText ?? '' }));
    const page = adapt(raw);
    for (const [i, step] of steps.entries()) {
      try {
        await runStep(page, step, state);
      } catch (e) {
        fail(`step ${i} ${JSON.stringify(step)} failed: ${e.message.split('\n')[0]}`, state);
        code = 1;
        break;
      }
    }
    if (code === 0) {
      const { results, console: cons, errors, failedRequests } = state;
      process.stdout.write(JSON.stringify({ results, console: cons, errors, failedRequests }) + '\n');
    }
  } finally {
    await browser.close().catch(() => {});
    for (const s of state.servers) s.close();
  }
  return code;
}

async function main() {
  const file = process.argv[2];
  if (!file) {
    fail('usage: node drive.mjs STEPS.json');
    return 2;
  }
  let steps;
  try {
    steps = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    fail(`cannot read ${file}: ${e.message}`);
    return 2;
  }
  if (!Array.isArray(steps)) {
    fail(`${file}: the steps must be a JSON array`);
    return 2;
  }
  const state = { results: [], console: [], errors: [], failedRequests: [], t0: null, base: null, servers: [] };
  if (process.env.DRIVE_BROWSER === 'firefox') {
    const t = setTimeout(() => {
      fail('the whole run took too long', state);
      process.exit(1);
    }, Number(process.env.DRIVE_TIMEOUT_MS ?? 120000));
    try {
      return await firefox(steps, state);
    } catch (e) {
      fail(`cannot run Firefox: ${e.message}`, state);
      return 1;
    } finally {
      clearTimeout(t);
    }
  }
  const userData = fs.mkdtempSync(path.join(os.tmpdir(), 'qtvr-chromium-'));
  let context = null;
  const runTimeout = Number(process.env.DRIVE_TIMEOUT_MS ?? 120000);
  const timer = setTimeout(() => {
    fail(`the whole run took over ${runTimeout} ms`, state);
    // Closing lets Chromium go; exit regardless after a grace period.
    Promise.resolve(context?.close()).finally(() => {
      fs.rmSync(userData, { recursive: true, force: true });
      process.exit(1);
    });
    setTimeout(() => process.exit(1), 5000).unref();
  }, runTimeout);
  try {
    context = await chromium.launchPersistentContext(userData, {
      executablePath: process.env.QTVR_CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
      headless: true,
      viewport: { width: 800, height: 600 },
      deviceScaleFactor: 1,
      timeout: 60000,
    });
  } catch (e) {
    clearTimeout(timer);
    fs.rmSync(userData, { recursive: true, force: true });
    fail(`cannot start Chromium: ${e.message}`);
    return 1;
  }
  let code = 0;
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on('console', (m) => {
      const loc = m.location();
      state.console.push({ type: m.type(), text: m.text(), url: loc?.url ?? '' });
    });
    page.on('pageerror', (e) => state.errors.push(e.stack || String(e)));
    page.on('crash', () => state.errors.push('the page crashed'));
    page.on('requestfailed', (r) => state.failedRequests.push({ url: r.url(), error: r.failure()?.errorText ?? '' }));
    for (const [i, step] of steps.entries()) {
      try {
        await runStep(page, step, state);
      } catch (e) {
        const shot = process.env.DRIVE_FAILURE_SCREENSHOT;
        let note = '';
        if (shot) {
          try {
            await page.screenshot({ path: shot, timeout: 5000 });
            note = ` (screenshot: ${shot})`;
          } catch {
            // The page may be gone; the message matters more.
          }
        }
        fail(`step ${i} ${JSON.stringify(step)} failed: ${e.message.split('\n')[0]}${note}`, state);
        code = 1;
        break;
      }
    }
    if (code === 0) {
      const { results, console: cons, errors, failedRequests } = state;
      process.stdout.write(JSON.stringify({ results, console: cons, errors, failedRequests }) + '\n');
    }
  } finally {
    clearTimeout(timer);
    await context.close().catch(() => {});
    for (const s of state.servers) {
      s.closeAllConnections?.();
      s.close();
    }
    fs.rmSync(userData, { recursive: true, force: true });
  }
  return code;
}

process.exitCode = await main();
