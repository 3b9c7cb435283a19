// What the browser tests (tests/e2e/*.test.mjs) share: their arguments, the child processes they
// start (every one stopped in every case), bounded waits, step and check reporting, Chromium, and
// the frame of a run (output directory, temporary data, overall time limit, cleanup, exit status).
//
// A test calls runTest() with its scenario; the scenario keeps what must be stopped in `state`:
// state.browser, state.page (screenshot on failure), the services named in `services` (stopped in
// that order; their last lines are printed on failure) and the HTTP servers named in `servers`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

export const ACTION_TIMEOUT_MS = 10_000;
export const HOST = '127.0.0.1';

// ---------------------------------------------------------------------------------------------
// Arguments

export function parseArgs(argv, script) {
  const opts = {
    agent: process.env.MOTCUA_AGENT_EXE,
    hub: process.env.MOTCUA_HUB_EXE,
    data: process.env.MOTCUA_DATA_DIR,
    out: process.env.MOTCUA_E2E_OUT,
    chromium: process.env.MOTCUA_CHROMIUM || '/usr/bin/chromium',
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i].replace(/^--/, '');
    if (!(name in opts) || i + 1 >= argv.length) {
      throw new Error(`unknown or incomplete argument '${argv[i]}'; usage: node ${script} ` +
                      '--agent PATH --hub PATH --data DIR --out DIR [--chromium PATH]');
    }
    opts[name] = argv[++i];
  }
  for (const [name, value] of Object.entries(opts)) {
    if (!value) throw new Error(`--${name} is required`);
  }
  for (const exe of [opts.agent, opts.hub, opts.chromium]) {
    fs.accessSync(exe, fs.constants.X_OK);
  }
  for (const file of ['tthc-commune-sample.csv', 'holidays-vn.csv']) {
    fs.accessSync(path.join(opts.data, file), fs.constants.R_OK);
  }
  return opts;
}

// ---------------------------------------------------------------------------------------------
// Processes: every child is remembered and stopped in cleanup

const children = new Set();

// The environment for the binaries: the real clock (no pinned MOTCUA_NOW: processes restart during
// a run and must agree about the time), a fixed actor for CLI commands.
function childEnv() {
  const env = { ...process.env, MOTCUA_ACTOR: 'e2e.setup' };
  delete env.MOTCUA_NOW;
  delete env.MOTCUA_FAULT;
  return env;
}

// Runs a command to completion (bounded); resolves with stdout, rejects with its stderr.
export function runCommand(exe, args, { input = null, timeoutMs = 30_000 } = {}) {
  return new Promise((resolve, reject) => {
    // No input: the child's stdin is /dev/null. With input, a child that exits without reading it
    // (a refusal) closes the pipe first; that EPIPE is not the test's concern, its exit code is.
    const child = spawn(exe, args, { env: childEnv(), stdio: [input === null ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); children.delete(child); reject(e); });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const shown = `${path.basename(exe)} ${args.join(' ')}`;
      if (code === 0) resolve(stdout);
      else reject(new Error(`'${shown}' failed (exit ${code ?? signal}):\n${stderr}${stdout}`));
    });
    if (input !== null) {
      child.stdin.on('error', () => {});
      child.stdin.end(input);
    }
  });
}

// A long-running process whose stdout and stderr go to LOG (appended) and are kept for waitForLog.
export class Service {
  constructor(name, exe, args, logFile) {
    this.name = name;
    this.text = '';
    this.exited = null;
    const log = fs.openSync(logFile, 'a');
    this.child = spawn(exe, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.child);
    const keep = (d) => { this.text += d; fs.writeSync(log, d); };
    this.child.stdout.on('data', keep);
    this.child.stderr.on('data', keep);
    this.closed = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        this.exited = code ?? signal;
        children.delete(this.child);
        fs.closeSync(log);
        resolve();
      });
    });
  }

  async waitForLog(pattern, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (let i = 0; i < 1000 && Date.now() < deadline; i++) {
      const m = this.text.match(pattern);
      if (m) return m;
      if (this.exited !== null) break;
      await sleep(100);
    }
    throw new Error(`${this.name} did not print ${pattern} within ${timeoutMs} ms ` +
                    `(exit: ${this.exited ?? 'still running'}); its output:\n${this.text}`);
  }

  // SIGTERM, then SIGKILL after 5 s.
  async stop() {
    if (this.exited !== null) return;
    this.child.kill('SIGTERM');
    const killed = await Promise.race([this.closed.then(() => false), sleep(5_000).then(() => true)]);
    if (killed) {
      this.child.kill('SIGKILL');
      await Promise.race([this.closed, sleep(5_000)]);
    }
  }

  lastLines(n = 15) { return this.text.split('\n').slice(-n).join('\n'); }
}

// The office's provincial link: a TCP relay on a loopback port of its own to the hub's port, which
// the test cuts and restores. While cut it resets every connection, open or new, as a dead line
// does; its port stays bound throughout, so the office finds it again when the link comes back
// (stopping and restarting the hub would need the same port free again, which a concurrent test's
// connection can take meanwhile). close() ends it for good.
export class Link {
  constructor(targetPort) {
    this.targetPort = targetPort;
    this.up = true;
    this.sockets = new Set();
    this.resets = 0;
    this.server = net.createServer((client) => this.#accept(client));
  }

  async listen() {
    await new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, HOST, resolve);
    });
    return this.server.address().port;
  }

  #track(socket) {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});  // a reset on either side ends the pair; nothing to report
  }

  #accept(client) {
    this.#track(client);
    if (!this.up) {
      this.resets++;
      client.resetAndDestroy();
      return;
    }
    const hub = net.connect(this.targetPort, HOST);
    this.#track(hub);
    client.pipe(hub);
    hub.pipe(client);
    client.on('close', () => hub.destroy());
    hub.on('close', () => client.destroy());
  }

  cut() {
    this.up = false;
    for (const s of this.sockets) s.resetAndDestroy();
  }

  restore() { this.up = true; }

  close() {
    this.cut();
    this.server.close();
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Steps and checks

let currentStep = '(setup)';
export function step(title) {
  currentStep = title;
  console.log(`\n== ${title}`);
}
export function ok(what) { console.log(`   ok: ${what}`); }

// Polls FN (async, returns a truthy value when done) every INTERVAL ms until TIMEOUT ms have passed.
export async function pollUntil(what, fn, { timeoutMs, intervalMs = 500 }) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (let i = 0; i < Math.ceil(timeoutMs / intervalMs) + 1; i++) {
    try {
      last = await fn();
      if (last && last.done) return last;
    } catch (e) {
      last = { error: e.message };  // e.g. the page navigated while it was read
    }
    if (Date.now() >= deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(`${what}: not reached within ${timeoutMs} ms; last seen: ${JSON.stringify(last)}`);
}

export const squash = (s) => (s ?? '').replace(/\s+/g, ' ').trim();

// ---------------------------------------------------------------------------------------------
// Browser helpers

// The system Chromium, headless, with a Vietnamese context; state.browser is closed in cleanup.
export async function openBrowser(opts, state) {
  const browser = await chromium.launch({
    executablePath: opts.chromium,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    headless: true,
  });
  state.browser = browser;
  const context = await browser.newContext({
    locale: 'vi-VN',
    timezoneId: 'Asia/Ho_Chi_Minh',
    viewport: { width: 1280, height: 900 },
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(ACTION_TIMEOUT_MS);
  return context;
}

// Remembers the main frame's navigation responses (redirects included) so that a click's outcome
// can be checked: status of the POST and of the page it ends on.
export function trackNavigations(page) {
  const seen = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) {
      seen.push({ method: r.request().method(), url: r.url(), status: r.status() });
    }
  });
  return seen;
}

// Clicks SELECTOR and waits for the page it leads to (a form post and its redirect); returns the
// navigation responses seen meanwhile.
export async function clickAndLoad(page, navigations, selector) {
  const before = navigations.length;
  const committed = page.waitForEvent('framenavigated', {
    predicate: (f) => f === page.mainFrame(),
    timeout: ACTION_TIMEOUT_MS,
  });
  await page.click(selector);
  await committed;
  await page.waitForLoadState('load');
  return navigations.slice(before);
}

export async function shot(page, out, name, options = {}) {
  await page.screenshot({ path: path.join(out, name), fullPage: true, ...options });
  console.log(`   screenshot: ${name}`);
}

export async function text(page, selector) {
  return squash(await page.locator(selector).first().textContent({ timeout: ACTION_TIMEOUT_MS }));
}

export async function assertLoginPage(page, what) {
  assert.equal(new URL(page.url()).pathname, '/login', `${what}: expected the /login page, got ${page.url()}`);
  assert.equal(await page.locator('form#login-form').count(), 1, `${what}: form#login-form missing on /login`);
}

// ---------------------------------------------------------------------------------------------
// A run

// Runs SCENARIO(opts, work, state) with everything around it and returns the exit status: 0 when
// every check held, 1 at the first failed check, 2 for bad arguments or when the run took more
// than limitMs. `name` prefixes failures, `title` the success line.
export async function runTest({ script, name, title, limitMs, services, servers = [], scenario }) {
  const started = Date.now();
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2), script);
  } catch (e) {
    console.error(`${name}: ${e.message}`);
    return 2;
  }
  fs.mkdirSync(opts.out, { recursive: true });
  for (const f of fs.readdirSync(opts.out)) {
    if (/\.(png|log)$/.test(f)) fs.rmSync(path.join(opts.out, f));
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-e2e.'));
  const state = {};
  const printServices = () => {
    for (const key of services) {
      const svc = state[key];
      if (svc) console.error(`--- last lines of ${svc.name}:\n${svc.lastLines()}`);
    }
  };
  // Stops everything this run started, once; every caller waits for the same work.
  let cleaning = null;
  const cleanup = () => (cleaning ??= (async () => {
    if (state.browser) await Promise.race([state.browser.close().catch(() => {}), sleep(10_000)]);
    for (const key of servers) state[key]?.close();
    for (const key of services) await state[key]?.stop();
    for (const child of children) child.kill('SIGKILL');
    if (process.env.MOTCUA_E2E_KEEP === '1') console.log(`data kept in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  })());
  process.on('exit', () => { for (const child of children) child.kill('SIGKILL'); });
  let timedOut = false;
  const watchdog = setTimeout(async () => {
    timedOut = true;
    console.error(`\n${name}: FAILED: the run took more than ${limitMs / 1000} s (in step "${currentStep}")`);
    printServices();
    await Promise.race([cleanup(), sleep(15_000)]);
    process.exit(2);
  }, limitMs);
  for (const [sig, status] of [['SIGINT', 130], ['SIGTERM', 143]]) {
    process.on(sig, async () => {
      await Promise.race([cleanup(), sleep(15_000)]);
      process.exit(status);
    });
  }

  try {
    await scenario(opts, work, state);
    const shots = fs.readdirSync(opts.out).filter((f) => f.endsWith('.png')).sort();
    console.log(`\n${title}: every check held in ${((Date.now() - started) / 1000).toFixed(1)} s; ` +
                `screenshots in ${opts.out}: ${shots.join(' ')}`);
    return 0;
  } catch (e) {
    if (timedOut) return 2;  // the watchdog has reported it and is stopping everything
    console.error(`\n${name}: FAILED in step "${currentStep}":\n${e.message}`);
    if (state.page) {
      console.error(`(page: ${state.page.url()})`);
      await state.page.screenshot({ path: path.join(opts.out, 'failure.png'), fullPage: true }).catch(() => {});
    }
    printServices();
    return 1;
  } finally {
    clearTimeout(watchdog);
    await cleanup();
  }
}
