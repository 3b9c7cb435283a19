#!/usr/bin/env node
// The clerk web UI in a real browser, end to end: a hub and one office agent built from this tree,
// the agent's web UI (motcua-agent run --ui) driven in the system Chromium through playwright-core.
//
//   node clerk_counter.test.mjs --agent PATH --hub PATH --data DIR --out DIR [--chromium PATH]
//
// A Hưng Yên hub (province 33) publishes the sample catalogue and calendar; Phường Phố Hiến (11953)
// enrolls through a link the test can cut (a loopback relay to the hub), a clerk account is made, and
// the agent serves its web UI on a free loopback port. A clerk signs in, the link goes down, and the
// office keeps working in the browser: receives a dossier (a wrong
// CCCD first), prints its receipt (Mẫu 01), receives a second one and finds it by code, name with or
// without diacritics and CCCD, moves the first to "Đang xử lý" and asks for a supplement (Mẫu 02).
// The sync indicator shows pending changes; the link comes back, "Đồng bộ ngay" turns it green and
// the hub holds both dossiers. A cross-site POST is refused; logging out ends the session.
//
// Every step prints a line and saves a screenshot into --out. The first failed check stops the run
// (exit 1); the hub, the agent and the browser are stopped in every case. Only loopback addresses;
// every wait is bounded, and the whole run is abandoned after 180 s (exit 2).
// MOTCUA_E2E_KEEP=1 keeps the temporary data directories.
import assert from 'node:assert/strict';
import http from 'node:http';
import path from 'node:path';
import {
  ACTION_TIMEOUT_MS, HOST, Link, Service, assertLoginPage, clickAndLoad, freePort, ok, openBrowser, pollUntil,
  runCommand, runTest, shot, squash, step, text, trackNavigations,
} from './support.mjs';

const OVERALL_LIMIT_MS = 180_000;
// How the dossier page shows an appointment (#dossier-due): "HH:MM dd/mm/yyyy", or this text when
// the dossier has none. The receipt (#receipt-due) must name the same time and date.
const DUE_SHOWN = /^\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}$/;
const NO_DUE_DATE = 'Không có ngày hẹn trả';

// ---------------------------------------------------------------------------------------------
// Steps and checks

// The time and date of an appointment as shown ("17:00 30/11/2026", or in words "17 giờ 00 phút,
// ngày 30/11/2026") as "17:00 30/11/2026"; null when there is none.
function appointment(shown) {
  const m = squash(shown).match(/(\d{1,2})(?::| giờ )(\d{2})\D*?(\d{1,2})\/(\d{1,2})\/(\d{4})/);
  if (!m) return null;
  const two = (x) => x.padStart(2, '0');
  return `${two(m[1])}:${m[2]} ${two(m[3])}/${two(m[4])}/${m[5]}`;
}

// ---------------------------------------------------------------------------------------------
// Browser helpers

// Fails unless the page that a click or goto ended on was served with 200, quoting what it says.
async function assertServed(page, status, what) {
  if (status === 200) return;
  const said = squash(await page.evaluate(() => (document.querySelector('#not-found, ul.form-errors') ??
    document.querySelector('main') ?? document.body).innerText).catch(() => '')).slice(0, 300);
  assert.fail(`${what}: ${page.url()} answered ${status}, not 200: "${said}"`);
}

async function signedInHeader(page, fullName) {
  assert.equal(await page.getAttribute('html', 'lang'), 'vi', 'the page is not <html lang="vi">');
  for (const id of ['#sync-indicator', '#sync-now', '#current-user', '#logout', '#nav-queues', '#nav-receive']) {
    assert.equal(await page.locator(id).count(), 1, `the header lacks ${id} on ${page.url()}`);
  }
  const shown = await text(page, '#current-user');
  assert.ok(shown.includes(fullName), `#current-user shows '${shown}', not the clerk's name '${fullName}'`);
}

async function syncState(page) {
  const el = page.locator('#sync-indicator');
  return { state: await el.getAttribute('data-state', { timeout: 2_000 }), text: squash(await el.textContent({ timeout: 2_000 })) };
}

async function searchFor(page, base, navigations, q) {
  await assertServed(page, (await page.goto(`${base}/`)).status(), 'the queues page');
  await page.fill('#search-form input[name=q]', q);
  const navs = await clickAndLoad(page, navigations, '#search-submit');
  await assertServed(page, navs.at(-1)?.status, `search "${q}"`);
  assert.equal(new URL(page.url()).searchParams.get('q'), q, `the search did not end on /?q=${q} (at ${page.url()})`);
}

async function assertRowFor(page, code, what) {
  const row = page.locator(`table#dossier-list tr[data-code="${code}"]`);
  assert.equal(await row.count(), 1, `${what}: expected one tr[data-code="${code}"] in table#dossier-list`);
  const hrefs = await row.locator('a').evaluateAll((as) => as.map((a) => new URL(a.href).pathname));
  assert.ok(hrefs.includes(`/dossiers/${code}`), `${what}: the row does not link to /dossiers/${code} (links: ${hrefs})`);
}

// ---------------------------------------------------------------------------------------------
// The scenario

const PROCEDURE = '1.001193';
const PROCEDURE_NAME = 'Thủ tục đăng ký khai sinh';
const CLERK = { username: 'canbo.phohien', name: 'Nguyễn Thị Thu Trang', password: 'mat-khau-quay-1' };
const FIRST = { name: 'Trần Văn Bình', cccd: '033198001234', phone: '0912345678', address: 'Phường Phố Hiến, Hưng Yên' };
const SECOND = { name: 'Đặng Văn Đức', cccd: '033187004455', phone: '0987654321', address: 'Phố Hiến, Hưng Yên' };
const MISSING = ['Bản chính Giấy chứng sinh', 'Giấy tờ chứng minh nơi cư trú của người mẹ'];

async function fillReceiveForm(page, who) {
  await page.selectOption('select#procedure', PROCEDURE);
  await page.fill('#receive-form input[name=applicant_name]', who.name);
  await page.fill('#receive-form input[name=applicant_citizen_id]', who.cccd);
  await page.fill('#receive-form input[name=submitter_name]', who.name);
  await page.fill('#receive-form input[name=phone]', who.phone);
  await page.fill('#receive-form input[name=address]', who.address);
  await page.selectOption('#receive-form select[name=channel]', '1');
}

async function receive(page, base, navigations, who) {
  await page.goto(`${base}/receive`);
  await fillReceiveForm(page, who);
  await clickAndLoad(page, navigations, '#receive-submit');
  const url = new URL(page.url());
  const m = url.pathname.match(/^\/dossiers\/([^/]+)$/);
  assert.ok(m && url.searchParams.get('new') === '1', `receiving did not land on /dossiers/CODE?new=1 (at ${page.url()})`);
  const code = await text(page, '#dossier-code');
  assert.match(code, /^.+-\d{6}-\d{4}$/, `#dossier-code '${code}' is not a dossier code`);
  assert.equal(decodeURIComponent(m[1]), code, 'the URL and #dossier-code name different dossiers');
  return code;
}

async function scenario(opts, work, state) {
  const { out } = opts;
  const catalog = path.join(opts.data, 'tthc-commune-sample.csv');
  const calendar = path.join(opts.data, 'holidays-vn.csv');
  const hubDir = path.join(work, 'hub');
  const officeDir = path.join(work, 'pho-hien');

  step('setup: a Hưng Yên hub publishes the catalogue and calendar, serves on a free loopback port');
  await runCommand(opts.hub, ['init', '--data', hubDir, '--province', '33']);
  await runCommand(opts.hub, ['catalog', 'publish', '--data', hubDir, catalog]);
  await runCommand(opts.hub, ['calendar', 'publish', '--data', hubDir, calendar]);
  const hubPort = await freePort();
  state.hub = new Service('motcua-hub serve', opts.hub, ['serve', '--data', hubDir, '--listen', `${HOST}:${hubPort}`],
                          path.join(out, 'hub.log'));
  await state.hub.waitForLog(/serving/, 10_000);
  state.link = new Link(hubPort);
  const linkPort = await state.link.listen();
  ok(`hub serving on ${HOST}:${hubPort}; the office's link to it on ${HOST}:${linkPort}`);

  step('setup: Phường Phố Hiến (11953) enrolls, a clerk account is made, the agent serves the web UI');
  const enroll = JSON.parse(await runCommand(opts.hub, ['enroll-code', '--data', hubDir, '--unit', '11953', '--json']));
  assert.ok(enroll.code, 'motcua-hub enroll-code --json gave no code');
  await runCommand(opts.agent, ['enroll', '--data', officeDir, '--hub', `http://${HOST}:${linkPort}`, '--code', enroll.code]);
  await runCommand(opts.agent, ['users', 'add', CLERK.username, '--name', CLERK.name, '--role', 'clerk',
                                '--password-stdin', '--data', officeDir], { input: `${CLERK.password}\n` });
  const users = await runCommand(opts.agent, ['users', 'list', '--data', officeDir]);
  assert.ok(users.includes(CLERK.username), `motcua-agent users list does not show ${CLERK.username}:\n${users}`);
  const uiPort = await freePort();
  const agent = new Service('motcua-agent run', opts.agent,
                            ['run', '--data', officeDir, '--ui', `${HOST}:${uiPort}`, '--feed-interval', '5'],
                            path.join(out, 'agent.log'));
  state.agent = agent;
  const announced = await agent.waitForLog(/clerk web UI on (http:\/\/127\.0\.0\.1:\d+)\//, 15_000);
  const base = announced[1];
  assert.equal(base, `http://${HOST}:${uiPort}`, `the agent announced ${base}, not the --ui address`);
  ok(`office enrolled with code ${enroll.code}; clerk ${CLERK.username}; web UI on ${base}/`);

  const context = await openBrowser(opts, state);
  const page = await context.newPage();
  state.page = page;
  const pageErrors = [];
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
  const navigations = trackNavigations(page);

  // a) ---------------------------------------------------------------------------------------
  step('a) unauthenticated GET / goes to /login; a wrong password is refused; the clerk signs in');
  const first = await page.goto(`${base}/`);
  await assertLoginPage(page, 'GET / without a session');
  assert.ok(first.request().redirectedFrom(), 'GET / without a session was not redirected');
  assert.equal(await page.getAttribute('html', 'lang'), 'vi', '/login is not <html lang="vi">');
  ok(`GET / -> ${page.url()}`);
  await page.fill('#login-form input[name=username]', CLERK.username);
  await page.fill('#login-form input[name=password]', 'not-the-password');
  let navs = await clickAndLoad(page, navigations, '#login-submit');
  assert.equal(navs.at(-1)?.status, 401, `a wrong password answered ${JSON.stringify(navs)}, not 401`);
  assert.ok((await text(page, '.form-errors')).length > 0, 'a wrong password shows no .form-errors');
  await shot(page, out, 'login-failed.png');
  ok(`wrong password: 401, "${await text(page, '.form-errors')}"`);
  await page.goto(`${base}/login`);
  await page.fill('#login-form input[name=username]', CLERK.username);
  await page.fill('#login-form input[name=password]', CLERK.password);
  await shot(page, out, 'login.png');
  navs = await clickAndLoad(page, navigations, '#login-submit');
  assert.equal(navs[0]?.method, 'POST', 'signing in did not POST');
  assert.equal(navs[0]?.status, 303, `POST /login answered ${navs[0]?.status}, not 303`);
  assert.equal(new URL(page.url()).pathname, '/', `signing in ended on ${page.url()}, not /`);
  await assertServed(page, navs.at(-1)?.status, 'GET / after signing in');
  await signedInHeader(page, CLERK.name);
  const cookies = await context.cookies(base);
  const session = cookies.find((c) => c.name === 'motcua_session');
  assert.ok(session, 'no motcua_session cookie after signing in');
  assert.ok(session.httpOnly, 'motcua_session is not HttpOnly');
  assert.equal(session.sameSite, 'Strict', 'motcua_session is not SameSite=Strict');
  assert.equal(session.path, '/', 'motcua_session has a Path other than /');
  for (const q of ['processing', 'supplement', 'due-soon', 'overdue', 'resolved', 'returned']) {
    assert.equal(await page.locator(`a#queue-${q} span.count`).count(), 1, `queue tab a#queue-${q} with span.count missing`);
  }
  assert.equal(await page.locator('form#search-form').count(), 1, 'form#search-form missing on /');
  await shot(page, out, 'queues.png');
  ok(`signed in as ${CLERK.username} (${CLERK.name}); six queue tabs; session cookie HttpOnly, SameSite=Strict`);

  // b) ---------------------------------------------------------------------------------------
  step('b) the provincial link goes down');
  state.link.cut();
  ok('every connection to the hub is now reset');

  // c) ---------------------------------------------------------------------------------------
  step('c) receiving offline: the procedure filter, a wrong CCCD refused with the values kept, then received');
  await page.goto(`${base}/receive`);
  await signedInHeader(page, CLERK.name);
  const visibleOptions = () => page.$$eval('select#procedure option', (os) => os
    .filter((o) => !o.hidden && !o.disabled && getComputedStyle(o).display !== 'none')
    .map((o) => ({ value: o.value, text: o.textContent.replace(/\s+/g, ' ').trim() })));
  const allBefore = await visibleOptions();
  assert.ok(allBefore.length > 1, `select#procedure offers ${allBefore.length} procedure(s) before filtering`);
  await page.locator('#procedure-search').pressSequentially('khai sinh', { delay: 20 });
  const filtered = await pollUntil('the procedure filter', async () => {
    const now = await visibleOptions();
    return { done: now.length < allBefore.length && now.some((o) => o.value === PROCEDURE), now };
  }, { timeoutMs: 3_000, intervalMs: 200 });
  const match = filtered.now.find((o) => o.value === PROCEDURE);
  assert.ok(match.text.includes(PROCEDURE_NAME), `option ${PROCEDURE} reads '${match.text}', not '${PROCEDURE_NAME}'`);
  ok(`"khai sinh" leaves ${filtered.now.length} of ${allBefore.length} options, among them ${PROCEDURE} "${match.text}"`);
  await fillReceiveForm(page, { ...FIRST, cccd: '03319800123' });
  await shot(page, out, 'receive.png');
  navs = await clickAndLoad(page, navigations, '#receive-submit');
  assert.deepEqual(navs.map((n) => [n.method, n.status]), [['POST', 422]],
                   `a wrong CCCD answered ${JSON.stringify(navs)}, not one 422 page`);
  const errors = await page.locator('ul.form-errors > li').allTextContents();
  assert.ok(errors.map(squash).includes('Số CCCD phải gồm đúng 12 chữ số.'),
            `ul.form-errors does not say "Số CCCD phải gồm đúng 12 chữ số." (it says ${JSON.stringify(errors)})`);
  const kept = {
    procedure: await page.inputValue('select#procedure'),
    name: await page.inputValue('#receive-form input[name=applicant_name]'),
    cccd: await page.inputValue('#receive-form input[name=applicant_citizen_id]'),
    phone: await page.inputValue('#receive-form input[name=phone]'),
    address: await page.inputValue('#receive-form input[name=address]'),
  };
  assert.deepEqual(kept, { procedure: PROCEDURE, name: FIRST.name, cccd: '03319800123', phone: FIRST.phone, address: FIRST.address },
                   'the refused form did not keep the values typed');
  await shot(page, out, 'receive-errors.png');
  ok('11-digit CCCD: 422, "Số CCCD phải gồm đúng 12 chữ số.", typed values kept');
  await page.fill('#receive-form input[name=applicant_citizen_id]', FIRST.cccd);
  navs = await clickAndLoad(page, navigations, '#receive-submit');
  assert.equal(navs[0]?.status, 303, `POST /receive answered ${navs[0]?.status}, not 303`);
  const url = new URL(page.url());
  const m = url.pathname.match(/^\/dossiers\/([^/]+)$/);
  assert.ok(m && url.searchParams.get('new') === '1', `receiving did not land on /dossiers/CODE?new=1 (at ${page.url()})`);
  const code1 = await text(page, '#dossier-code');
  assert.match(code1, /^.+-\d{6}-\d{4}$/, `#dossier-code '${code1}' is not a dossier code`);
  assert.equal(decodeURIComponent(m[1]), code1, 'the URL and #dossier-code name different dossiers');
  const due1 = await text(page, '#dossier-due');
  assert.ok(DUE_SHOWN.test(due1) || due1 === NO_DUE_DATE,
            `#dossier-due '${due1}' is neither "HH:MM dd/mm/yyyy" nor "${NO_DUE_DATE}"`);
  assert.equal(await text(page, '#dossier-status'), 'Được tiếp nhận', 'a new dossier is not "Được tiếp nhận"');
  await shot(page, out, 'dossier.png');
  ok(`received offline: ${code1}, status "Được tiếp nhận", due ${due1}`);

  // d) ---------------------------------------------------------------------------------------
  step('d) the receipt (Mẫu 01) carries the code and the appointment');
  const mau01 = await page.getAttribute('a#print-mau-01', 'href');
  assert.equal(new URL(mau01, page.url()).pathname, `/dossiers/${code1}/mau-01`, `a#print-mau-01 points to ${mau01}`);
  await clickAndLoad(page, navigations, 'a#print-mau-01');
  assert.equal(new URL(page.url()).pathname, `/dossiers/${code1}/mau-01`, `a#print-mau-01 opened ${page.url()}`);
  assert.equal(await text(page, '#receipt-code'), code1, '#receipt-code differs from the dossier code');
  const receiptDue = await text(page, '#receipt-due');
  assert.ok(receiptDue === due1 || (appointment(due1) !== null && appointment(receiptDue) === appointment(due1)),
            `#receipt-due '${receiptDue}' is not the dossier's appointment '${due1}'`);
  assert.equal(await page.locator('button#print').count(), 1, 'the receipt has no button#print');
  await page.emulateMedia({ media: 'print' });
  await shot(page, out, 'mau-01.png');
  await page.emulateMedia({ media: 'screen' });
  ok(`Mẫu 01: #receipt-code ${code1}, #receipt-due "${receiptDue}"`);

  // e) ---------------------------------------------------------------------------------------
  step('e) a second dossier, found by name with and without diacritics, by CCCD and by code');
  const code2 = await receive(page, base, navigations, SECOND);
  assert.notEqual(code2, code1, 'the second dossier got the first one\'s code');
  await shot(page, out, 'dossier-2.png');
  ok(`received ${code2} for ${SECOND.name}`);
  for (const q of ['dang van duc', SECOND.name, SECOND.cccd, code2]) {
    await searchFor(page, base, navigations, q);
    await assertRowFor(page, code2, `search "${q}"`);
    if (q !== code2) {
      assert.equal(await page.locator(`table#dossier-list tr[data-code="${code1}"]`).count(), 0,
                   `search "${q}" also lists ${code1} (${FIRST.name})`);
    }
    ok(`search "${q}" finds ${code2}`);
  }
  await searchFor(page, base, navigations, 'dang van duc');
  await shot(page, out, 'search.png');
  await searchFor(page, base, navigations, 'Hoàng Không Tồn Tại');
  assert.equal(await page.locator('#no-results').count(), 1, 'a search that matches nothing does not show #no-results');
  ok('a search that matches nothing shows #no-results');

  // f) ---------------------------------------------------------------------------------------
  step('f) status change to "Đang xử lý" (only legal targets offered), then a supplement request (Mẫu 02)');
  await page.goto(`${base}/dossiers/${code1}`);
  const offered = (await page.$$eval('#status-form select[name=status] option', (os) => os.map((o) => o.value)))
    .filter((v) => v !== '');
  assert.deepEqual([...offered].sort(), ['4', '7'], `from status 2 the form offers ${JSON.stringify(offered)}, not exactly 4 and 7`);
  ok(`from "Được tiếp nhận" the form offers ${offered.join(', ')} (not 9 or 10)`);
  await page.selectOption('#status-form select[name=status]', '4');
  await page.fill('#status-form textarea[name=note]', 'Bắt đầu thẩm định');
  await clickAndLoad(page, navigations, '#status-submit');
  assert.equal(await text(page, '#dossier-status'), 'Đang xử lý', 'status 4 did not show as "Đang xử lý"');
  assert.equal(await page.locator('ul.form-errors').count(), 0, `the status change shows errors: ${await page.locator('ul.form-errors').allTextContents()}`);
  const history = squash(await page.locator('table#history').textContent());
  assert.ok(history.includes(CLERK.username), `table#history does not record ${CLERK.username} as actor: ${history}`);
  await shot(page, out, 'status-processing.png');
  ok(`${code1} is "Đang xử lý"; table#history names ${CLERK.username}`);
  assert.equal(await page.locator('form#supplement-form').count(), 1, 'form#supplement-form missing in status 4');
  await page.fill('#supplement-form textarea[name=missing_items]', MISSING.join('\n'));
  await clickAndLoad(page, navigations, '#supplement-submit');
  assert.equal(await text(page, '#dossier-status'), 'Yêu cầu bổ sung', 'the supplement request did not show "Yêu cầu bổ sung"');
  await shot(page, out, 'supplement.png');
  const mau02 = await page.getAttribute('a#print-mau-02', 'href');
  assert.equal(new URL(mau02, page.url()).pathname, `/dossiers/${code1}/mau-02`, `a#print-mau-02 points to ${mau02}`);
  await clickAndLoad(page, navigations, 'a#print-mau-02');
  const items = (await page.locator('ol#missing-items > li').allTextContents()).map(squash);
  assert.deepEqual(items, MISSING, `ol#missing-items lists ${JSON.stringify(items)}`);
  await page.emulateMedia({ media: 'print' });
  await shot(page, out, 'mau-02.png');
  await page.emulateMedia({ media: 'screen' });
  ok(`"Yêu cầu bổ sung"; Mẫu 02 lists the ${items.length} missing items`);
  await assertServed(page, (await page.goto(`${base}/?queue=supplement`)).status(), 'the "supplement" queue');
  await assertRowFor(page, code1, 'queue "supplement"');
  ok(`${code1} is in the "chờ bổ sung" queue`);

  // g) ---------------------------------------------------------------------------------------
  step('g) the sync indicator: pending while the link is down, green after "Đồng bộ ngay" with the link back');
  await page.goto(`${base}/`);
  const pending = await pollUntil('#sync-indicator amber (pending changes)', async () => {
    const s = await syncState(page);
    const red = s.state === 'red' && s.text.toLowerCase().includes('mất kết nối');
    return { done: s.state === 'amber' || red, ...s };
  }, { timeoutMs: 15_000 });
  if (pending.state === 'red') console.log('   note: the indicator is red ("mất kết nối"), not amber');
  await shot(page, out, 'sync-amber.png');
  ok(`#sync-indicator data-state=${pending.state}: "${pending.text}"`);
  const api = await page.request.get(`${base}/api/sync-state`);
  assert.equal(api.status(), 200, `GET /api/sync-state answered ${api.status()}`);
  const apiState = await api.json();
  assert.ok(apiState.pending > 0, `/api/sync-state reports pending=${apiState.pending} with the link down`);
  ok(`/api/sync-state: state ${apiState.state}, pending ${apiState.pending}`);

  assert.ok(state.link.resets > 0, 'the office never tried the hub while the link was down');
  state.link.restore();
  ok(`the link is back (the office's attempts it reset meanwhile: ${state.link.resets})`);
  await page.click('#sync-now');
  const synced = await pollUntil('#sync-indicator green after "Đồng bộ ngay"', async () => {
    const s = await syncState(page);
    return { done: s.state === 'green' && s.text.includes('Đã đồng bộ lúc'), ...s };
  }, { timeoutMs: 30_000 });
  await shot(page, out, 'sync-green.png');
  ok(`#sync-indicator data-state=green: "${synced.text}"`);
  for (const [code, status] of [[code1, 5], [code2, 2]]) {
    const shown = await pollUntil(`the hub holds ${code}`, async () => {
      const d = JSON.parse(await runCommand(opts.hub, ['dossier', 'show', '--data', hubDir, code, '--json']));
      return { done: d.code === code && d.status === status, code: d.code, status: d.status };
    }, { timeoutMs: 5_000 });
    ok(`motcua-hub dossier show ${code}: status ${shown.status}`);
  }

  // h) ---------------------------------------------------------------------------------------
  step('h) cross-site POSTs are refused (403) and record nothing');
  await page.goto(`${base}/receive`);
  const token = await page.getAttribute('#receive-form input[name=csrf]', 'value');
  assert.ok(token, '#receive-form has no input[name=csrf]');
  const forged = { procedure: PROCEDURE, applicant_name: 'Kẻ Mạo Danh', applicant_citizen_id: '033100009999',
                   submitter_name: 'Kẻ Mạo Danh', phone: '0900000000', address: 'Nơi khác', channel: '1' };
  const escape = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const evil = http.createServer((req, res) => {
    const withToken = req.url.startsWith('/with-token');
    const fields = { ...forged, ...(withToken ? { csrf: token } : {}) };
    const inputs = Object.entries(fields).map(([k, v]) => `<input type="hidden" name="${k}" value="${escape(v)}">`).join('');
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"></head><body>` +
            `<form id="f" method="post" action="${base}/receive" accept-charset="utf-8">${inputs}</form>` +
            `<script>document.getElementById('f').submit();</script></body></html>`);
  });
  state.evil = evil;
  await new Promise((resolve, reject) => { evil.on('error', reject); evil.listen(0, HOST, resolve); });
  const evilBase = `http://${HOST}:${evil.address().port}`;
  for (const variant of ['no-token', 'with-token']) {
    const posted = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${base}/receive`,
                                        { timeout: ACTION_TIMEOUT_MS });
    await page.goto(`${evilBase}/${variant}`).catch((e) => {
      if (!/interrupted by another navigation/.test(e.message)) throw e;  // the form submits itself at once
    });
    const r = await posted;
    assert.equal(r.status(), 403, `a form posted from ${evilBase} (${variant}) answered ${r.status()}, not 403`);
    ok(`auto-submitted form from ${evilBase} (${variant === 'no-token' ? 'no token' : 'the session\'s token, foreign Origin'}): 403`);
  }
  await page.waitForLoadState('load');
  await shot(page, out, 'csrf-refused.png');
  const direct = await page.request.post(`${base}/receive`, { form: forged, maxRedirects: 0 });
  assert.equal(direct.status(), 403, `a POST /receive with the session cookie but no token answered ${direct.status()}`);
  ok('POST /receive with the session cookie and no token: 403');
  const wrong = await page.request.post(`${base}/receive`, { form: { ...forged, csrf: 'x'.repeat(token.length) }, maxRedirects: 0 });
  assert.equal(wrong.status(), 403, `a POST /receive with a wrong token answered ${wrong.status()}`);
  ok('POST /receive with a wrong token: 403');
  for (const q of [forged.applicant_citizen_id, 'ke mao danh']) {
    await searchFor(page, base, navigations, q);
    assert.equal(await page.locator('#no-results').count(), 1, `the refused POSTs recorded a dossier (search "${q}" finds one)`);
  }
  ok('nothing was recorded');

  // h2) --------------------------------------------------------------------------------------
  step('h2) a refusal at the counter: status 3 and the refusal form (Mẫu 03) with its reason');
  const REASON = 'Hồ sơ không thuộc thẩm quyền giải quyết của UBND phường';
  await page.goto(`${base}/receive`);
  await fillReceiveForm(page, { name: 'Vũ Thị Lệ', cccd: '033199007788', phone: '0911222333', address: 'Hưng Yên' });
  await page.click('details.refuse summary');
  await page.fill('#receive-form textarea[name=refusal_reason]', REASON);
  await clickAndLoad(page, navigations, '#refuse-submit');
  assert.equal(await text(page, '#dossier-status'), 'Không được tiếp nhận', 'a refused dossier is not in status 3');
  assert.equal(await text(page, '#dossier-due'), 'Không có ngày hẹn trả', 'a refused dossier shows an appointment');
  const refusedCode = await text(page, '#dossier-code');
  await clickAndLoad(page, navigations, '#print-mau-03');
  assert.equal(await text(page, '#receipt-code'), refusedCode, 'Mẫu 03 names another dossier');
  assert.equal(await text(page, '#refusal-reason'), REASON, 'Mẫu 03 does not carry the reason typed');
  await page.emulateMedia({ media: 'print' });
  await shot(page, out, 'mau-03.png');
  await page.emulateMedia({ media: 'screen' });
  ok(`${refusedCode} refused: status "Không được tiếp nhận", Mẫu 03 with the reason`);
  // The run loop sends it within seconds, and the hub accepts the refusal and its reason.
  const atHub = await pollUntil(`the hub holds ${refusedCode} in status 3`, async () => {
    try {
      const d = JSON.parse(await runCommand(opts.hub, ['dossier', 'show', '--data', hubDir, refusedCode, '--json']));
      const notes = (d.events || []).filter((e) => e.kind === 'note').map((e) => e.note);
      return { done: d.status === 3 && notes.includes(REASON), status: d.status, notes };
    } catch (e) {
      return { done: false, error: e.message };  // not there yet
    }
  }, { timeoutMs: 20_000 });
  ok(`motcua-hub dossier show ${refusedCode}: status ${atHub.status}, the reason among its notes`);

  // i) ---------------------------------------------------------------------------------------
  step('i) logout ends the session');
  await page.goto(`${base}/`);
  await clickAndLoad(page, navigations, '#logout');
  await page.goto(`${base}/`);
  await assertLoginPage(page, 'GET / after logout');
  const replay = await fetch(`${base}/`, { headers: { Cookie: `motcua_session=${session.value}` }, redirect: 'manual' });
  assert.ok(replay.status >= 300 && replay.status < 400 && new URL(replay.headers.get('location'), base).pathname === '/login',
            `the old session cookie still opens / after logout (status ${replay.status}, location ${replay.headers.get('location')})`);
  await shot(page, out, 'logged-out.png');
  ok('after logout GET / goes to /login, and the old session cookie no longer works');

  assert.deepEqual(pageErrors, [], `script errors on the pages: ${pageErrors.join('; ')}`);
}

// ---------------------------------------------------------------------------------------------

process.exit(await runTest({
  script: 'clerk_counter.test.mjs',
  name: 'clerk_counter',
  title: 'clerk web UI',
  limitMs: OVERALL_LIMIT_MS,
  services: ['agent', 'hub'],
  servers: ['evil', 'link'],
  scenario,
}));
