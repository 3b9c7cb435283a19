#!/usr/bin/env node
// The hub's dashboard for provincial IT in a real browser, end to end: a hub and two office agents
// built from this tree, the dashboard (motcua-hub serve: / and /metrics beside /v1/) driven in the
// system Chromium through playwright-core.
//
//   node fleet_dashboard.test.mjs --agent PATH --hub PATH --data DIR --out DIR [--chromium PATH]
//
// A Hưng Yên hub (province 33) publishes the sample catalogue and calendar, with short thresholds
// (amber after 8 s, red after 15 s without a successful sync, checked every 2 s). Phường Phố Hiến
// (11953) and Phường Sơn Nam (11983) enroll and run; an IT account is made. In the browser: the
// sign-in (a wrong password refused), both offices green and an office without an agent grey; Sơn
// Nam's agent stops, its row turns red with a "silent" alert (and the hub logs it), then it comes
// back green (the hub logs the alert cleared); the filters, the search without diacritics and the
// sorting; dossiers received at both offices reach the hub, the office page shows its syncs and
// batches; the statistics page's every number equals /api/report and `motcua-hub report --json`,
// with its charts and a CSV that Excel reads (UTF-8 BOM); /metrics is valid Prometheus text that
// agrees with /api/status and refuses proxied requests; logging out ends the session.
//
// Every step prints a line and saves a screenshot into --out. The first failed check stops the run
// (exit 1); the hub, the agents and the browser are stopped in every case. Only loopback addresses;
// every wait is bounded, and the whole run is abandoned after 200 s (exit 2).
// MOTCUA_E2E_KEEP=1 keeps the temporary data directories.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import {
  HOST, Service, assertLoginPage, clickAndLoad, freePort, ok, openBrowser, pollUntil, runCommand, runTest, shot,
  squash, step, text, trackNavigations,
} from './support.mjs';

const OVERALL_LIMIT_MS = 200_000;
// Short thresholds in elapsed time (not working hours, so that the test does not depend on the
// time of day). An agent run with --feed-interval 5 syncs every 5 s: green stays green.
const AMBER_AFTER = '8s';
const RED_AFTER = '15s';
const CHECK_SECONDS = '2';
const RED_WITHIN_MS = 40_000;

const PHO_HIEN = { unit: '11953', name: 'Phường Phố Hiến', dir: 'pho-hien', folded: 'pho hien' };
const SON_NAM = { unit: '11983', name: 'Phường Sơn Nam', dir: 'son-nam' };
const NOT_ENROLLED = { unit: '11980', name: 'Phường Hồng Châu' };
const IT = { username: 'cntt.hungyen', name: 'Lê Minh Quân', password: 'mat-khau-cntt-1' };
const COOKIE = 'motcua_hub_session';

const PROCEDURE = '2.001019';
// Dossiers received at each office (channel 1 in person, 2 online, 3 by post); `then` moves one
// along (2 → 4 → 9: resolved before its appointment).
const DOSSIERS = {
  [PHO_HIEN.unit]: [
    { name: 'Nguyễn Thị Hoa', cccd: '033190001001', channel: 1, then: [4, 9] },
    { name: 'Trần Văn Bình', cccd: '033185002002', channel: 2 },
    { name: 'Phạm Thu Hà', cccd: '033199003003', channel: 2 },
  ],
  [SON_NAM.unit]: [
    { name: 'Đỗ Văn Long', cccd: '033178004004', channel: 1, then: [4] },
    { name: 'Vũ Thị Mai', cccd: '033192005005', channel: 3 },
  ],
};

// ---------------------------------------------------------------------------------------------
// Plain HTTP from Node (no browser, no cookies, no proxy headers unless given)

function httpGet(url, headers = {}, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

// ---------------------------------------------------------------------------------------------
// Prometheus text format (version 0.0.4), strictly: every line is a HELP or TYPE line, a comment or
// a sample; every sample belongs to a family with one TYPE given before its samples; a family's
// samples are contiguous; no series twice; label values quoted with only \\, \" and \n escaped;
// counters not negative; histogram buckets cumulative, ending with le="+Inf" equal to _count.

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const FLOAT = /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[+-]Inf|NaN)$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseFloatStrict(token, where) {
  assert.match(token, FLOAT, `${where}: '${token}' is not a sample value`);
  if (token === '+Inf') return Infinity;
  if (token === '-Inf') return -Infinity;
  return Number(token);
}

function parseSampleLine(line, where) {
  let rest = line;
  const name = rest.match(METRIC_NAME)?.[0];
  assert.ok(name, `${where}: no metric name`);
  rest = rest.slice(name.length);
  const labels = {};
  if (rest.startsWith('{')) {
    rest = rest.slice(1);
    while (!rest.startsWith('}')) {
      const label = rest.match(LABEL_NAME)?.[0];
      assert.ok(label, `${where}: a label name expected at '${rest}'`);
      assert.ok(!label.startsWith('__'), `${where}: label ${label} uses the reserved prefix __`);
      assert.ok(!(label in labels), `${where}: label ${label} given twice`);
      rest = rest.slice(label.length);
      assert.ok(rest.startsWith('="'), `${where}: '="' expected after label ${label}`);
      rest = rest.slice(2);
      let value = '';
      for (;;) {
        assert.ok(rest.length > 0, `${where}: the value of label ${label} is not closed`);
        const c = rest[0];
        if (c === '"') { rest = rest.slice(1); break; }
        assert.notEqual(c, '\n', `${where}: a raw newline in label ${label}`);
        if (c === '\\') {
          const e = rest[1];
          assert.ok(e === '\\' || e === '"' || e === 'n', `${where}: bad escape '\\${e}' in label ${label}`);
          value += e === 'n' ? '\n' : e;
          rest = rest.slice(2);
        } else {
          value += c;
          rest = rest.slice(1);
        }
      }
      labels[label] = value;
      if (rest.startsWith(',')) rest = rest.slice(1);
      else assert.ok(rest.startsWith('}'), `${where}: ',' or '}' expected after label ${label}`);
    }
    rest = rest.slice(1);
  }
  const m = rest.match(/^ (\S+)(?: (-?\d+))?$/);
  assert.ok(m, `${where}: ' VALUE [TIMESTAMP]' expected after the name and labels, not '${rest}'`);
  return { name, labels, value: parseFloatStrict(m[1], where), raw: m[1] };
}

function seriesKey(name, labels) {
  return `${name}{${Object.keys(labels).sort().map((k) => `${k}=${JSON.stringify(labels[k])}`).join(',')}}`;
}

function parsePrometheus(body) {
  assert.ok(body.length > 0 && body.endsWith('\n'), '/metrics: the text does not end with a newline');
  const families = new Map();  // name → { type, help, samples }
  const family = (name) => {
    if (!families.has(name)) families.set(name, { name, type: null, help: null, samples: [] });
    return families.get(name);
  };
  const seen = new Set();
  const finished = new Set();
  let current = null;
  const lines = body.slice(0, -1).split('\n');
  lines.forEach((line, i) => {
    const where = `/metrics line ${i + 1} "${line}"`;
    assert.notEqual(line.trim(), '', `${where}: an empty line`);
    if (line.startsWith('#')) {
      const m = line.match(/^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$/);
      if (!m) {
        assert.ok(!/^#\s*(HELP|TYPE)\b/.test(line), `${where}: a malformed HELP or TYPE line`);
        return;  // a comment
      }
      const [, keyword, name, rest] = m;
      const f = family(name);
      if (keyword === 'HELP') {
        assert.equal(f.help, null, `${where}: a second HELP for ${name}`);
        assert.ok(!/\\[^\\n]/.test(rest.replace(/\\\\/g, '')), `${where}: HELP text escapes only \\\\ and \\n`);
        f.help = rest;
      } else {
        assert.ok(TYPES.has(rest), `${where}: unknown type '${rest}'`);
        assert.equal(f.type, null, `${where}: a second TYPE for ${name}`);
        assert.equal(f.samples.length, 0, `${where}: TYPE after samples of ${name}`);
        f.type = rest;
      }
      return;
    }
    const s = parseSampleLine(line, where);
    // The family: the name itself, or for a histogram (summary) its _bucket, _sum and _count.
    let owner = families.get(s.name);
    if (!owner?.type) {
      const base = s.name.replace(/_(bucket|sum|count)$/, '');
      const f = families.get(base);
      if (f && (f.type === 'histogram' || (f.type === 'summary' && !s.name.endsWith('_bucket')))) owner = f;
    }
    assert.ok(owner?.type, `${where}: ${s.name} has no # TYPE line before it`);
    if (owner.type === 'histogram' || owner.type === 'summary') {
      assert.notEqual(s.name, owner.name, `${where}: a ${owner.type} has no plain ${owner.name} sample`);
    }
    if (current !== owner.name) {
      assert.ok(!finished.has(owner.name), `${where}: the samples of ${owner.name} are not together`);
      if (current) finished.add(current);
      current = owner.name;
    }
    const key = seriesKey(s.name, s.labels);
    assert.ok(!seen.has(key), `${where}: series ${key} given twice`);
    seen.add(key);
    if (owner.type === 'counter') {
      assert.ok(s.value >= 0, `${where}: a counter is negative or NaN`);
    }
    owner.samples.push(s);
  });

  for (const f of families.values()) {
    assert.ok(f.type, `/metrics: # HELP ${f.name} without a # TYPE`);
    if (f.type !== 'histogram') continue;
    const groups = new Map();  // labels without le → buckets
    for (const s of f.samples.filter((x) => x.name === `${f.name}_bucket`)) {
      assert.ok('le' in s.labels, `/metrics: ${f.name}_bucket without an le label`);
      const { le, ...rest } = s.labels;
      const k = seriesKey(f.name, rest);
      if (!groups.has(k)) groups.set(k, { labels: rest, buckets: [] });
      groups.get(k).buckets.push({ le: parseFloatStrict(le, `${f.name}_bucket le`), leText: le, count: s.value });
    }
    assert.ok(groups.size > 0, `/metrics: histogram ${f.name} has no buckets`);
    for (const { labels, buckets } of groups.values()) {
      for (let i = 1; i < buckets.length; i++) {
        assert.ok(buckets[i].le > buckets[i - 1].le, `/metrics: ${f.name} buckets not in increasing le order`);
        assert.ok(buckets[i].count >= buckets[i - 1].count,
                  `/metrics: ${f.name} bucket le="${buckets[i].leText}" (${buckets[i].count}) is less than ` +
                  `le="${buckets[i - 1].leText}" (${buckets[i - 1].count}): not cumulative`);
      }
      const last = buckets.at(-1);
      assert.equal(last.leText, '+Inf', `/metrics: the last ${f.name} bucket is le="${last.leText}", not le="+Inf"`);
      const find = (suffix) => f.samples.find((x) => x.name === `${f.name}${suffix}` &&
                                                     seriesKey('', x.labels) === seriesKey('', labels));
      const count = find('_count');
      assert.ok(count, `/metrics: histogram ${f.name} has no _count`);
      assert.equal(count.value, last.count, `/metrics: ${f.name}_count ${count.value} differs from le="+Inf" ${last.count}`);
      assert.ok(find('_sum'), `/metrics: histogram ${f.name} has no _sum`);
    }
  }
  return families;
}

// Compares /metrics with /api/status; returns a list of differences (empty when they agree).
function metricsAgainstStatus(families, status) {
  const diffs = [];
  const samples = (name) => families.get(name)?.samples ?? [];
  const offices = samples('motcua_offices');
  for (const s of ['red', 'amber', 'green', 'grey']) {
    const got = offices.filter((x) => x.labels.state === s);
    if (got.length !== 1 || got[0].value !== status.summary[s]) {
      diffs.push(`motcua_offices{state="${s}"} ${got.map((x) => x.value)} vs summary.${s} ${status.summary[s]}`);
    }
  }
  if (offices.length !== 4) diffs.push(`motcua_offices has ${offices.length} samples, not 4`);
  const enrolled = status.units.filter((u) => u.silent_ms !== null);
  const byUnit = (name) => new Map(samples(name).map((x) => [x.labels.unit, x]));
  const pending = byUnit('motcua_office_pending_changes');
  const quarantined = byUnit('motcua_office_quarantined_batches');
  const state = byUnit('motcua_office_state');
  const units = [...quarantined.keys()].sort();
  const expected = enrolled.map((u) => u.unit).sort();
  if (JSON.stringify(units) !== JSON.stringify(expected)) {
    diffs.push(`motcua_office_quarantined_batches for units ${units}, but the enrolled units are ${expected}`);
  }
  for (const u of enrolled) {
    const q = quarantined.get(u.unit);
    if (!q || q.value !== u.quarantined_batches) {
      diffs.push(`motcua_office_quarantined_batches{unit="${u.unit}"} ${q?.value} vs ${u.quarantined_batches}`);
    }
    if (q && q.labels.name !== u.name) diffs.push(`unit ${u.unit} is named "${q.labels.name}", not "${u.name}"`);
    const p = pending.get(u.unit);
    const want = u.report ? u.report.pending_changes : undefined;
    if (p?.value !== want) diffs.push(`motcua_office_pending_changes{unit="${u.unit}"} ${p?.value} vs report ${want}`);
    const st = state.get(u.unit);
    if (!st || st.labels.state !== u.state || st.value !== 1) {
      diffs.push(`motcua_office_state{unit="${u.unit}"} ${st ? `state="${st.labels.state}" ${st.value}` : 'missing'} vs ${u.state}`);
    }
  }
  const dossiers = samples('motcua_dossiers')[0]?.value;
  if (dossiers !== status.dossiers) diffs.push(`motcua_dossiers ${dossiers} vs status.dossiers ${status.dossiers}`);
  const alerts = samples('motcua_alerts').reduce((n, x) => n + x.value, 0);
  if (alerts !== status.alerts.length) diffs.push(`motcua_alerts sum ${alerts} vs ${status.alerts.length} alerts`);
  return diffs;
}

// ---------------------------------------------------------------------------------------------
// Dashboard pages

// Rows of table#offices as shown: unit → state, in page order.
async function officeRows(page) {
  return page.$$eval('table#offices tbody tr[data-unit]', (trs) => trs.map((tr) => ({
    unit: tr.dataset.unit,
    state: tr.dataset.state,
    name: tr.cells[2]?.textContent.trim(),
    kind: tr.cells[3]?.textContent.trim(),
  })));
}

async function summaryCounts(page) {
  const out = {};
  for (const s of ['red', 'amber', 'green', 'grey']) {
    out[s] = Number(await text(page, `#count-${s} .n`));
  }
  return out;
}

// Reloads / until PREDICATE(rows by unit, counts) holds; returns what was seen last.
async function reloadUntil(page, base, what, predicate, timeoutMs) {
  const seenStates = new Set();
  const attempt = pollUntil(what, async () => {
    const r = await page.goto(`${base}/`);
    assert.equal(r.status(), 200, `GET / answered ${r.status()}`);
    const rows = await officeRows(page);
    const byUnit = Object.fromEntries(rows.map((x) => [x.unit, x.state]));
    const counts = await summaryCounts(page);
    seenStates.add(JSON.stringify([byUnit[PHO_HIEN.unit], byUnit[SON_NAM.unit]]));
    return { done: await predicate(byUnit, counts), states: [...seenStates], counts };
  }, { timeoutMs, intervalMs: 1_000 });
  try {
    return await attempt;
  } catch (e) {
    // What the hub knows of the two offices: its own last contact against the last success the
    // office reported (the state is computed from the latter).
    const r = await page.request.get(`${base}/api/status`).catch(() => null);
    const s = r && r.ok() ? await r.json() : { units: [] };
    const facts = s.units.filter((u) => [PHO_HIEN.unit, SON_NAM.unit].includes(u.unit)).map((u) =>
      `${u.unit} ${u.state}: last_seen_at ${u.last_seen_at}, last_success_at ${u.last_success_at}, ` +
      `last report received ${u.report?.received_at ?? 'never'}`);
    throw new Error(`${e.message}\nat ${s.generated_at}: ${facts.join('; ')}`);
  }
}

async function filterBy(page, base, navigations, { q = '', state = '', kind = '' }) {
  await page.goto(`${base}/`);
  await page.fill('#search', q);
  await page.selectOption('#state-filter', state);
  await page.selectOption('#kind-filter', kind);
  const navs = await clickAndLoad(page, navigations, '#filter-form button[type=submit]');
  assert.equal(navs.at(-1)?.status, 200, `filtering answered ${JSON.stringify(navs)}`);
  const url = new URL(page.url());
  assert.equal(url.pathname, '/', `the filter form went to ${page.url()}`);
  assert.equal(url.searchParams.get('q') ?? '', q, `the filter URL ${page.url()} lacks q=${q}`);
  assert.equal(url.searchParams.get('state') ?? '', state, `the filter URL ${page.url()} lacks state=${state}`);
  return officeRows(page);
}

// The statistics table as shown: { rows: key → { column → value }, total, columns }.
async function reportTable(page) {
  return page.$eval('table#report', (table) => {
    const read = (tr) => {
      const cells = {};
      for (const td of tr.querySelectorAll('td[data-key]')) {
        cells[td.dataset.key] = { v: td.getAttribute('data-v'), shown: td.textContent.trim() };
      }
      return { key: tr.dataset.key, name: tr.cells[0].textContent.trim(), cells };
    };
    return {
      rows: Array.from(table.querySelectorAll('tbody tr[data-key]')).map(read),
      totals: Array.from(table.querySelectorAll('tfoot tr.total')).map(read),
    };
  });
}

// One row of the table against the same row of the JSON report: every column, by its raw value.
function compareReportRow(shown, expected, what) {
  const columns = Object.keys(shown.cells);
  assert.ok(columns.length >= 10, `${what}: only ${columns.length} td[data-key] cells`);
  for (const column of columns) {
    assert.ok(column in expected, `${what}: the JSON report has no ${column}`);
    const { v, shown: label } = shown.cells[column];
    const value = v === '' ? null : JSON.parse(v);
    assert.deepEqual(value, expected[column],
                     `${what}, column ${column}: the page has data-v="${v}" ("${label}"), the JSON report ${JSON.stringify(expected[column])}`);
    if (/^-?\d+$/.test(v)) {  // a count (a rate or an average is written with a point: 1.0)
      assert.equal(label.replace(/\./g, ''), String(value), `${what}, column ${column}: shown as "${label}", the value is ${value}`);
    } else if (value === null) {
      assert.equal(label, '—', `${what}, column ${column}: no value, shown as "${label}"`);
    }
  }
}

const vnDate = (ms) => new Date(ms + 7 * 3_600_000).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------
// The scenario

async function scenario(opts, work, state) {
  const { out } = opts;
  const catalog = path.join(opts.data, 'tthc-commune-sample.csv');
  const calendar = path.join(opts.data, 'holidays-vn.csv');
  const hubDir = path.join(work, 'hub');

  step(`setup: a Hưng Yên hub with short thresholds (amber ${AMBER_AFTER}, red ${RED_AFTER}, check every ${CHECK_SECONDS} s)`);
  await runCommand(opts.hub, ['init', '--data', hubDir, '--province', '33']);
  await runCommand(opts.hub, ['catalog', 'publish', '--data', hubDir, catalog]);
  await runCommand(opts.hub, ['calendar', 'publish', '--data', hubDir, calendar]);
  for (const [key, value] of [['alert_amber_after', AMBER_AFTER], ['alert_red_after', RED_AFTER],
                              ['alert_check_seconds', CHECK_SECONDS]]) {
    await runCommand(opts.hub, ['config', 'set', '--data', hubDir, key, value]);
  }
  const settings = JSON.parse(await runCommand(opts.hub, ['config', 'get', '--data', hubDir, '--json']));
  assert.equal(settings.alert_red_after?.value, RED_AFTER, `config get shows ${JSON.stringify(settings.alert_red_after)}`);
  assert.equal(settings.alert_red_after?.source, 'hub', 'config get does not show alert_red_after as set at the hub');
  await runCommand(opts.hub, ['users', 'add', IT.username, '--name', IT.name, '--data', hubDir],
                   { input: `${IT.password}\n` });
  const hubPort = await freePort();
  const base = `http://${HOST}:${hubPort}`;
  state.hub = new Service('motcua-hub serve', opts.hub, ['serve', '--data', hubDir, '--listen', `${HOST}:${hubPort}`],
                          path.join(out, 'hub.log'));
  await state.hub.waitForLog(/motcua-hub: serving/, 10_000);
  ok(`hub serving on ${base}; IT account ${IT.username}`);

  step(`setup: ${PHO_HIEN.name} (${PHO_HIEN.unit}) and ${SON_NAM.name} (${SON_NAM.unit}) enroll and run`);
  const startAgent = (office) => new Service(`motcua-agent run (${office.unit})`, opts.agent,
                                             ['run', '--data', path.join(work, office.dir), '--ui', 'off', '--feed-interval', '5'],
                                             path.join(out, `agent-${office.unit}.log`));
  for (const [key, office] of [['phoHien', PHO_HIEN], ['sonNam', SON_NAM]]) {
    const enroll = JSON.parse(await runCommand(opts.hub, ['enroll-code', '--data', hubDir, '--unit', office.unit, '--json']));
    assert.ok(enroll.code, 'motcua-hub enroll-code --json gave no code');
    await runCommand(opts.agent, ['enroll', '--data', path.join(work, office.dir), '--hub', base, '--code', enroll.code]);
    state[key] = startAgent(office);
    await state[key].waitForLog(/motcua-agent: synced/, 15_000);
    ok(`${office.name} enrolled and synced`);
  }

  const context = await openBrowser(opts, state);
  const page = await context.newPage();
  state.page = page;
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  const navigations = trackNavigations(page);

  // 1) ---------------------------------------------------------------------------------------
  step('1) unauthenticated GET / goes to /login; a wrong password is refused (401); IT staff sign in');
  const first = await page.goto(`${base}/`);
  await assertLoginPage(page, 'GET / without a session');
  assert.ok(first.request().redirectedFrom(), 'GET / without a session was not redirected');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi', '/login is not <html lang="vi">');
  for (const p of ['/api/status', `/api/report?from=${vnDate(Date.now())}&to=${vnDate(Date.now())}&by=unit`]) {
    const r = await httpGet(`${base}${p}`);
    assert.equal(r.status, 401, `GET ${p} without a session answered ${r.status}`);
    assert.ok(JSON.parse(r.body.toString()).error, `GET ${p} without a session: no JSON error`);
  }
  ok(`GET / -> ${page.url()}; /api/status and /api/report without a session: 401 JSON`);
  await page.fill('#username', IT.username);
  await page.fill('#password', 'not-the-password');
  let navs = await clickAndLoad(page, navigations, '#login-submit');
  assert.equal(navs.at(-1)?.status, 401, `a wrong password answered ${JSON.stringify(navs)}, not 401`);
  const refused = await text(page, 'p.error');
  assert.ok(refused.length > 0, 'a wrong password shows no p.error');
  await shot(page, out, 'login-failed.png');
  ok(`wrong password: 401, "${refused}"`);
  await page.goto(`${base}/login`);
  await page.fill('#username', IT.username);
  await page.fill('#password', IT.password);
  navs = await clickAndLoad(page, navigations, '#login-submit');
  assert.equal(navs[0]?.method, 'POST', 'signing in did not POST');
  assert.equal(navs[0]?.status, 303, `POST /login answered ${navs[0]?.status}, not 303`);
  assert.equal(new URL(page.url()).pathname, '/', `signing in ended on ${page.url()}, not /`);
  assert.equal(navs.at(-1)?.status, 200, `GET / after signing in answered ${navs.at(-1)?.status}`);
  const session = (await context.cookies(base)).find((c) => c.name === COOKIE);
  assert.ok(session, `no ${COOKIE} cookie after signing in`);
  assert.ok(session.httpOnly, `${COOKIE} is not HttpOnly`);
  assert.equal(session.sameSite, 'Strict', `${COOKIE} is not SameSite=Strict`);
  assert.ok((await text(page, 'header .user')).includes(IT.name), `the header does not name ${IT.name}`);
  assert.equal(await page.locator('#logout').count(), 1, 'no #logout button when signed in');
  ok(`signed in as ${IT.username} (${IT.name}); ${COOKIE} HttpOnly, SameSite=Strict`);

  // 2) ---------------------------------------------------------------------------------------
  step('2) both offices green, an office without an agent grey; the cards count the rows');
  const green = await reloadUntil(page, base, 'both offices green',
                                  (s) => s[PHO_HIEN.unit] === 'green' && s[SON_NAM.unit] === 'green', 20_000);
  const rows = await officeRows(page);
  assert.equal(rows.find((r) => r.unit === NOT_ENROLLED.unit)?.state, 'grey',
               `${NOT_ENROLLED.name} (${NOT_ENROLLED.unit}), never enrolled, is not a grey row`);
  const counted = { red: 0, amber: 0, green: 0, grey: 0 };
  for (const r of rows) counted[r.state]++;
  assert.deepEqual(green.counts, counted, 'the summary cards do not count the rows of table#offices');
  assert.ok(rows.length > 50, `table#offices lists ${rows.length} units, not the province's communes`);
  assert.equal(await page.locator('#alerts li').count(), 0, `alerts shown with every office green: ${await page.locator('#alerts').textContent()}`);
  await shot(page, out, 'fleet-green.png');
  ok(`green: ${PHO_HIEN.unit}, ${SON_NAM.unit}; grey: ${NOT_ENROLLED.unit}; cards ${JSON.stringify(counted)}`);

  // 3) ---------------------------------------------------------------------------------------
  step(`3) ${SON_NAM.name}'s agent stops: red within ${RED_WITHIN_MS / 1000} s, a "silent" alert, the hub logs it`);
  await state.sonNam.stop();
  const stoppedAt = Date.now();
  ok(`agent ${SON_NAM.unit} stopped (${state.sonNam.exited})`);
  const alertLi = `#alerts li[data-unit="${SON_NAM.unit}"][data-code="silent"]`;
  const red = await reloadUntil(page, base, `${SON_NAM.unit} red with a silent alert`, async (s, counts) =>
    s[SON_NAM.unit] === 'red' && counts.red >= 1 && (await page.locator(alertLi).count()) === 1, RED_WITHIN_MS);
  const redAfter = ((Date.now() - stoppedAt) / 1000).toFixed(1);
  const byUnit = Object.fromEntries((await officeRows(page)).map((r) => [r.unit, r.state]));
  if (byUnit[PHO_HIEN.unit] === 'red') {
    const u = (await (await page.request.get(`${base}/api/status`)).json()).units.find((x) => x.unit === PHO_HIEN.unit);
    assert.fail(`${PHO_HIEN.unit}, still running and syncing every 5 s, turned red too: last_seen_at ${u.last_seen_at}, ` +
                `last_success_at ${u.last_success_at}, last report received ${u.report?.received_at}`);
  }
  const alertText = await text(page, alertLi);
  assert.ok(alertText.includes(SON_NAM.name), `the alert does not name ${SON_NAM.name}: "${alertText}"`);
  assert.ok(await page.locator(`${alertLi} a[href="/office/${SON_NAM.unit}"]`).count() === 1,
            'the alert does not link to the office page');
  await state.hub.waitForLog(new RegExp(`alert raised: unit ${SON_NAM.unit} \\(${SON_NAM.name}\\) silent`), 10_000);
  await shot(page, out, 'fleet-red.png');
  ok(`red after ${redAfter} s (states seen ${red.states.join(' ')}); cards ${JSON.stringify(red.counts)}; ` +
     `alert "${alertText}"; the hub logged "alert raised: unit ${SON_NAM.unit}"`);
  let filtered = await filterBy(page, base, navigations, { state: 'red' });
  assert.ok(filtered.length >= 1 && filtered.every((r) => r.state === 'red'),
            `state filter "red" shows ${JSON.stringify(filtered.map((r) => [r.unit, r.state]))}`);
  assert.ok(filtered.some((r) => r.unit === SON_NAM.unit), `state filter "red" does not show ${SON_NAM.unit}`);
  assert.ok(await page.locator('#count-red.active').count() === 1, 'the red card is not marked active under state=red');
  await shot(page, out, 'filter-red.png');
  ok(`state filter "red": ${filtered.map((r) => r.unit).join(', ')}`);

  // 4) ---------------------------------------------------------------------------------------
  step(`4) ${SON_NAM.name}'s agent restarts: green again, the hub logs the alert cleared`);
  state.sonNam = startAgent(SON_NAM);
  await state.sonNam.waitForLog(/motcua-agent: synced/, 15_000);
  const back = await reloadUntil(page, base, `${SON_NAM.unit} green again`,
                                 async (s) => s[SON_NAM.unit] === 'green' && (await page.locator(alertLi).count()) === 0, 20_000);
  await state.hub.waitForLog(new RegExp(`alert cleared: unit ${SON_NAM.unit} \\(${SON_NAM.name}\\) silent`), 10_000);
  await shot(page, out, 'fleet-recovered.png');
  ok(`${SON_NAM.unit} green, its alert gone (cards ${JSON.stringify(back.counts)}); the hub logged "alert cleared"`);

  // 5) ---------------------------------------------------------------------------------------
  step('5) filters, a search without diacritics, sorting by a column');
  await reloadUntil(page, base, 'both offices green', (s) => s[PHO_HIEN.unit] === 'green' && s[SON_NAM.unit] === 'green', 15_000);
  filtered = await filterBy(page, base, navigations, { state: 'green' });
  assert.ok(filtered.every((r) => r.state === 'green'), `state filter "green" shows ${JSON.stringify(filtered)}`);
  assert.deepEqual(filtered.map((r) => r.unit).sort(), [PHO_HIEN.unit, SON_NAM.unit].sort(),
                   'state filter "green" does not show exactly the two running offices');
  ok(`state filter "green": ${filtered.map((r) => r.unit).join(', ')}`);
  filtered = await filterBy(page, base, navigations, { state: 'grey' });
  assert.ok(filtered.length > 50 && filtered.every((r) => r.state === 'grey'), 'state filter "grey" shows other rows');
  assert.ok(!filtered.some((r) => [PHO_HIEN.unit, SON_NAM.unit].includes(r.unit)), 'state filter "grey" shows an enrolled office');
  ok(`state filter "grey": ${filtered.length} units, none enrolled`);
  filtered = await filterBy(page, base, navigations, { q: PHO_HIEN.folded });
  assert.deepEqual(filtered.map((r) => r.unit), [PHO_HIEN.unit], `search "${PHO_HIEN.folded}" shows ${JSON.stringify(filtered)}`);
  assert.equal(filtered[0].name, PHO_HIEN.name, `search "${PHO_HIEN.folded}" finds "${filtered[0].name}"`);
  assert.equal(await page.inputValue('#search'), PHO_HIEN.folded, 'the search box does not keep the text searched');
  await shot(page, out, 'search.png');
  ok(`search "${PHO_HIEN.folded}" (no diacritics) finds only ${PHO_HIEN.name}`);
  filtered = await filterBy(page, base, navigations, { q: SON_NAM.unit });
  assert.deepEqual(filtered.map((r) => r.unit), [SON_NAM.unit], `search "${SON_NAM.unit}" shows ${JSON.stringify(filtered)}`);
  ok(`search by code "${SON_NAM.unit}" finds only ${SON_NAM.name}`);
  filtered = await filterBy(page, base, navigations, { kind: 'agency' });
  assert.ok(!filtered.some((r) => r.unit === PHO_HIEN.unit), 'kind filter "agency" shows a commune');
  filtered = await filterBy(page, base, navigations, { kind: 'commune' });
  assert.ok(filtered.some((r) => r.unit === PHO_HIEN.unit) && filtered.every((r) => r.kind === 'Xã, phường'),
            'kind filter "commune" does not show exactly communes');
  ok(`kind filter: "commune" ${filtered.length} rows, "agency" no commune`);

  await page.goto(`${base}/`);
  const codeHeader = page.locator('table#offices thead th').nth(1);
  const codes = async () => page.$$eval('table#offices tbody tr[data-unit]', (trs) => trs.map((tr) => tr.dataset.unit));
  const pageOrder = await codes();
  const rank = { red: 0, amber: 1, green: 2, grey: 3 };
  const inStateOrder = (list) => list.every((x, i) => i === 0 || rank[list[i - 1]] <= rank[x]);
  assert.ok(inStateOrder((await officeRows(page)).map((r) => r.state)), 'the server does not list the worst states first');
  const byCode = [...pageOrder].sort((a, b) => a.localeCompare(b, 'vi'));
  await codeHeader.click();
  assert.equal(await codeHeader.getAttribute('aria-sort'), 'ascending', 'clicking "Mã" did not set aria-sort=ascending');
  const ascending = await codes();
  assert.deepEqual(ascending, byCode, 'clicking "Mã" did not sort the rows by code');
  await codeHeader.click();
  assert.equal(await codeHeader.getAttribute('aria-sort'), 'descending', 'a second click did not set aria-sort=descending');
  assert.deepEqual(await codes(), [...byCode].reverse(), 'a second click did not reverse the order');
  const stateHeader = page.locator('table#offices thead th').nth(0);
  await stateHeader.click();
  assert.equal(await stateHeader.getAttribute('aria-sort'), 'ascending', 'clicking "Trạng thái" did not set aria-sort');
  assert.equal(await codeHeader.getAttribute('aria-sort'), null, 'the previous column keeps its aria-sort');
  const states = (await officeRows(page)).map((r) => r.state);
  assert.ok(inStateOrder(states), `sorting by state gives ${states.slice(0, 5)}...`);
  await shot(page, out, 'sorted.png');
  ok(`"Mã" sorts ascending then descending (aria-sort), "Trạng thái" green before grey`);

  // 6) ---------------------------------------------------------------------------------------
  step('6) dossiers received at both offices reach the hub; the office page shows its syncs and batches');
  const received = {};
  for (const [unit, list] of Object.entries(DOSSIERS)) {
    const dir = path.join(work, unit === PHO_HIEN.unit ? PHO_HIEN.dir : SON_NAM.dir);
    received[unit] = [];
    for (const d of list) {
      const r = JSON.parse(await runCommand(opts.agent, [
        'receive', '--data', dir, '--procedure', PROCEDURE, '--applicant', d.name, '--citizen-id', d.cccd,
        '--channel', String(d.channel), '--document', 'Tờ khai:chinh:1', '--document', 'CCCD:photo:1', '--json']));
      assert.ok(r.code, `motcua-agent receive --json gave no code: ${JSON.stringify(r)}`);
      for (const s of d.then ?? []) {
        await runCommand(opts.agent, ['set-status', '--data', dir, r.code, '--status', String(s)]);
      }
      received[unit].push(r.code);
    }
  }
  ok(`received ${Object.entries(received).map(([u, c]) => `${u}: ${c.join(' ')}`).join('; ')}`);
  const synced = await pollUntil('the hub holds every dossier and both offices report nothing pending', async () => {
    const r = await page.request.get(`${base}/api/status`);
    const s = await r.json();
    const u = Object.fromEntries(s.units.map((x) => [x.unit, x]));
    const done = [PHO_HIEN.unit, SON_NAM.unit].every((unit) =>
      u[unit].dossiers === DOSSIERS[unit].length && u[unit].report?.pending_changes === 0);
    return { done, dossiers: s.dossiers, pending: [u[PHO_HIEN.unit].report?.pending_changes, u[SON_NAM.unit].report?.pending_changes] };
  }, { timeoutMs: 30_000, intervalMs: 1_000 });
  ok(`/api/status: ${synced.dossiers} dossiers at the hub, nothing pending`);
  const office = await page.goto(`${base}/office/${PHO_HIEN.unit}`);
  assert.equal(office.status(), 200, `GET /office/${PHO_HIEN.unit} answered ${office.status()}`);
  const officeState = page.locator('#office-state');
  assert.equal(await officeState.count(), 1, 'the office page has no #office-state');
  assert.ok(/\bstate-(green|amber)\b/.test(await officeState.getAttribute('class')),
            `#office-state is "${await officeState.getAttribute('class')}"`);
  assert.ok((await text(page, 'h1')).includes(PHO_HIEN.name), 'the office page does not name the office');
  const syncRows = await page.locator('table#syncs tbody tr').count();
  // An idle office reports when something changed or hourly (PROTOCOL.md 7.5): at least its first.
  assert.ok(syncRows >= 1 && (await page.locator('table#syncs tbody td[colspan]').count()) === 0,
            `table#syncs lists ${syncRows} rows, not the office's reports`);
  const applied = await page.locator('table#batches tbody tr.batch-applied').count();
  assert.ok(applied >= 1, 'table#batches lists no applied batch');
  assert.equal(await page.locator('table#conflicts').count(), 1, 'the office page has no table#conflicts');
  await shot(page, out, 'office.png');
  ok(`/office/${PHO_HIEN.unit}: "${await text(page, '#office-state')}", ${syncRows} syncs, ${applied} applied batch(es)`);
  const missing = await page.goto(`${base}/office/99999`);
  assert.equal(missing.status(), 404, `/office/99999 answered ${missing.status()}, not 404`);
  ok('/office/99999: 404');

  // 7) ---------------------------------------------------------------------------------------
  step('7) statistics: the page, /api/report and `motcua-hub report --json` agree; charts; CSV with a BOM');
  const to = vnDate(Date.now());
  const from = vnDate(Date.now() - 30 * 86_400_000);
  await page.goto(`${base}/reports`);
  await page.fill('#from', from);
  await page.fill('#to', to);
  await page.selectOption('#by', 'unit');
  navs = await clickAndLoad(page, navigations, '#report-form button[type=submit]');
  assert.equal(navs.at(-1)?.status, 200, `the report form answered ${JSON.stringify(navs)}`);
  const reportUrl = new URL(page.url());
  assert.deepEqual([reportUrl.pathname, reportUrl.searchParams.get('from'), reportUrl.searchParams.get('to'), reportUrl.searchParams.get('by')],
                   ['/reports', from, to, 'unit'], `the report form went to ${page.url()}`);
  const table = await reportTable(page);
  const apiResponse = await page.request.get(`${base}/api/report?from=${from}&to=${to}&by=unit`);
  assert.equal(apiResponse.status(), 200, `/api/report answered ${apiResponse.status()}`);
  const api = await apiResponse.json();
  const cli = JSON.parse(await runCommand(opts.hub, ['report', '--data', hubDir, '--from', from, '--to', to, '--by', 'unit', '--json']));
  assert.deepEqual(cli.rows, api.rows, '`motcua-hub report --json` and /api/report give different rows');
  assert.deepEqual(cli.total, api.total, '`motcua-hub report --json` and /api/report give different totals');
  assert.equal(table.rows.length, api.rows.length, `the page shows ${table.rows.length} rows, /api/report ${api.rows.length}`);
  for (const expected of api.rows) {
    const shown = table.rows.find((r) => r.key === expected.key);
    assert.ok(shown, `the page has no row tr[data-key="${expected.key}"] (${expected.name})`);
    assert.equal(shown.name, expected.name, `row ${expected.key} is named "${shown.name}", not "${expected.name}"`);
    compareReportRow(shown, expected, `row ${expected.key}`);
  }
  assert.equal(table.totals.length, 1, `tfoot has ${table.totals.length} tr.total rows`);
  compareReportRow(table.totals[0], api.total, 'the total row');
  const byKey = Object.fromEntries(api.rows.map((r) => [r.key, r]));
  for (const [unit, list] of Object.entries(DOSSIERS)) {
    const row = byKey[unit];
    assert.ok(row, `/api/report has no row for ${unit}`);
    const want = {
      received_new: list.length,
      received_new_direct: list.filter((d) => d.channel === 1).length,
      received_new_online: list.filter((d) => d.channel === 2).length,
      received_new_post: list.filter((d) => d.channel === 3).length,
      resolved_total: list.filter((d) => d.then?.includes(9)).length,
    };
    const got = Object.fromEntries(Object.keys(want).map((k) => [k, row[k]]));
    assert.deepEqual(got, want, `the report for ${unit} does not count the dossiers received there`);
  }
  assert.equal(api.total.received_new, 5, `the report's total counts ${api.total.received_new} new dossiers, not 5`);
  for (const chart of ['svg#chart-volume', 'svg#chart-on-time']) {
    assert.equal(await page.locator(chart).count(), 1, `the report page has no ${chart}`);
    assert.ok(await page.locator(`${chart} rect`).count() >= 1, `${chart} draws no bar`);
  }
  const csvHref = await page.getAttribute('#csv-link', 'href');
  const jsonHref = await page.getAttribute('#json-link', 'href');
  assert.equal(new URL(jsonHref, page.url()).pathname, '/api/report', `#json-link points to ${jsonHref}`);
  const csv = await page.request.get(new URL(csvHref, page.url()).href);
  assert.equal(csv.status(), 200, `${csvHref} answered ${csv.status()}`);
  assert.match(csv.headers()['content-type'] ?? '', /^text\/csv/, `${csvHref} is ${csv.headers()['content-type']}`);
  const csvBody = await csv.body();
  assert.deepEqual([...csvBody.subarray(0, 3)], [0xef, 0xbb, 0xbf], `${csvHref} does not start with a UTF-8 BOM`);
  const csvText = csvBody.subarray(3).toString('utf8');
  assert.ok(csvText.includes(PHO_HIEN.name) && csvText.includes(SON_NAM.name), 'the CSV does not name both offices');
  await shot(page, out, 'reports.png');
  ok(`${api.rows.length} rows and the total: every cell equals /api/report and the CLI; charts drawn; ` +
     `${csvHref.split('?')[0]} starts with EF BB BF`);

  // 8) ---------------------------------------------------------------------------------------
  step('8) /metrics: strict Prometheus text, in agreement with /api/status; proxied requests refused');
  let metrics;
  const agreed = await pollUntil('/metrics agrees with /api/status', async () => {
    const m = await httpGet(`${base}/metrics`);
    assert.equal(m.status, 200, `GET /metrics from loopback answered ${m.status}: ${m.body}`);
    assert.match(m.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/, `/metrics is ${m.headers['content-type']}`);
    const s = await (await page.request.get(`${base}/api/status`)).json();
    metrics = parsePrometheus(m.body.toString('utf8'));  // a format error fails at once
    const diffs = metricsAgainstStatus(metrics, s);
    return { done: diffs.length === 0, diffs };
  }, { timeoutMs: 10_000, intervalMs: 500 });
  assert.deepEqual(agreed.diffs, []);
  const intake = metrics.get('motcua_intake_duration_seconds');
  ok(`${metrics.size} families; motcua_offices, per-office pending changes, quarantined batches and states equal ` +
     `/api/status; intake histogram with ${intake?.samples.length} samples`);
  const proxied = await httpGet(`${base}/metrics`, { 'X-Forwarded-For': HOST });
  assert.equal(proxied.status, 403, `GET /metrics with X-Forwarded-For answered ${proxied.status}, not 403`);
  ok('GET /metrics with X-Forwarded-For: 127.0.0.1 -> 403');

  // 9) ---------------------------------------------------------------------------------------
  step('9) logout ends the session');
  await page.goto(`${base}/`);
  navs = await clickAndLoad(page, navigations, '#logout');
  await assertLoginPage(page, 'after #logout');
  await page.goto(`${base}/`);
  await assertLoginPage(page, 'GET / after logout');
  const replay = await httpGet(`${base}/`, { Cookie: `${COOKIE}=${session.value}` });
  assert.ok(replay.status === 303 && replay.headers.location === '/login',
            `the old session cookie still opens / after logout (status ${replay.status}, location ${replay.headers.location})`);
  const replayApi = await httpGet(`${base}/api/status`, { Cookie: `${COOKIE}=${session.value}` });
  assert.equal(replayApi.status, 401, `the old session cookie still reads /api/status (${replayApi.status})`);
  await shot(page, out, 'logged-out.png');
  ok('after logout GET / goes to /login; the old cookie opens neither / nor /api/status');

  assert.deepEqual(pageErrors, [], `script errors on the pages: ${pageErrors.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------

process.exit(await runTest({
  script: 'fleet_dashboard.test.mjs',
  name: 'fleet_dashboard',
  title: 'fleet dashboard',
  limitMs: OVERALL_LIMIT_MS,
  services: ['phoHien', 'sonNam', 'hub'],
  scenario,
}));
