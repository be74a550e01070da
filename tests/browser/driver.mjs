// airlock in a real browser: Debian's chromium driven by playwright-core.
// Run by tests/t_real_browser_sign_in_and_pairing.sh through tests/lib_browser.sh; prints PASS:/FAIL:/INFO: lines.
//
//   node driver.mjs counter      sign-in: / -> /login -> provider "op" -> counter page,
//                                three in-place increments, reload, sign out
//   node driver.mjs pair URL     pairing (the CLI's $BROWSER): opens the pairing URL, checks
//                                the user code against the one the CLI printed (in $CLI_ERR),
//                                approves with provider "op" and signs in there; approving
//                                signs the browser in nowhere
//   node driver.mjs sessions     signs in: /sessions lists the CLI session, and revoking it
//                                there removes it
//   node driver.mjs token-csrf   a signed-in victim is sent from another site ($ATTACK_PAGE)
//                                to /token with a paircode someone else approved: no session
//                                changes hands; a CLI cookie ($CLI_TOKEN) signs no page in
//   node driver.mjs gateway      an application behind nginx's forward auth ($APP_PATH on
//                                AIRLOCK_URL, nginx): sent to /login?rd=, signs in at "op",
//                                lands back on $APP_PATH showing the identity headers it got
//   node driver.mjs phishing     the pairing page reached from another site ($ATTACK_PAGE,
//                                linking $PHISH_URL) asks for the code, states the claim, the
//                                address and warns; opened directly ($LOCAL_URL) it shows the
//                                code and the button
//
// Env: AIRLOCK_URL (the frontend), CHROMIUM (/usr/bin/chromium), SHOTS (screenshot path
// prefix), PROFILE_ROOT (where the temporary profiles go), OP_SPKI (base64 SHA-256 of the
// test provider's public key: the only certificate chromium may accept without the test
// CA), STATE (cookie file between runs), CLI_ERR (the CLI's stderr), AS_USER (alice).
// Every wait is bounded: 10 s per step, chromium's start 30 s.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const base = process.env.AIRLOCK_URL;
const user = process.env.AS_USER || 'alice';
const shots = process.env.SHOTS || path.join(os.tmpdir(), 'airlock-browser-');
const t0 = Date.now();
let failures = 0;

const pass = (what) => console.log(`PASS: browser: ${what}`);
const fail = (what) => { failures++; console.log(`FAIL: browser: ${what}`); };
const info = (what) => console.log(`INFO: ${String(Date.now() - t0).padStart(5)} ms ${what}`);
const check = (what, ok, detail = '') => (ok ? pass(what) : fail(detail ? `${what} (${detail})` : what));
const eq = (what, want, got) => check(what, want === got, `expected '${want}', got '${got}'`);
const ours = (u) => typeof u === 'string' && (u === base || u.startsWith(base + '/'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
// airlock's session cookies (the provider's, on the same host, have other names)
const sessionCookies = ['session', '__Host-session', 'cli_session', '__Host-cli_session'];

async function open() {
  const profile = fs.mkdtempSync(path.join(process.env.PROFILE_ROOT || os.tmpdir(), 'chromium-'));
  const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage',
    // never leave loopback (the provider's pages @import web fonts)
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2, EXCLUDE localhost'];
  if (process.env.OP_SPKI) args.push(`--ignore-certificate-errors-spki-list=${process.env.OP_SPKI}`);
  // playwright refuses --user-data-dir in args; a persistent context on a fresh dir is the same
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true, args, timeout: 30000, viewport: { width: 960, height: 720 },
  });
  // Report CSP violations to the console too (init scripts are not subject to the page's CSP).
  await ctx.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`));
  });
  const page = ctx.pages()[0] || await ctx.newPage();
  page.setDefaultTimeout(10000);
  page.setDefaultNavigationTimeout(10000);
  const w = { errors: [], foreign: [], bad: [], navs: 0 };
  page.on('console', (m) => {
    if (m.type() !== 'error' && !/Content.Security.Policy|Refused to/i.test(m.text())) return;
    const at = m.location()?.url || '';
    const line = `console ${m.type()}: ${m.text()} [${at || page.url()}]`;
    if (/favicon\.ico/.test(at)) return;
    (ours(at) || ours(page.url()) ? w.errors : w.foreign).push(line);
  });
  page.on('pageerror', (e) => (ours(page.url()) ? w.errors : w.foreign).push(`page error: ${e.message} [${page.url()}]`));
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) w.navs++; });
  page.on('response', async (r) => {
    if (!ours(r.url()) || r.status() < 400 || r.url().endsWith('/favicon.ico')) return;
    const q = await r.request().allHeaders().catch(() => ({}));
    w.bad.push(`${r.request().method()} ${r.url()} -> ${r.status()} (sent Origin: ${q.origin}, ` +
      `Sec-Fetch-Site: ${q['sec-fetch-site']})`);
  });
  const close = async () => {
    await ctx.close().catch(() => {});
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { ctx, page, w, close };
}

async function shot(page, name) {
  const file = `${shots}${name}.png`;
  await page.screenshot({ path: file, fullPage: true });
  info(`screenshot ${file}`);
}

// The provider's own forms: login (any password), then consent.
async function providerSignIn(page) {
  await page.waitForSelector('input[name=login]');
  info(`provider login form ${new URL(page.url()).origin}`);
  await page.fill('input[name=login]', user);
  await page.fill('input[name=password]', 'anything');
  await page.click('button[type=submit]');
  await page.waitForSelector('input[name=prompt][value=consent]', { state: 'attached' });
  info('provider consent form');
  await page.click('button[type=submit]');
}

// A sign-in on the web: /login, provider "op", back on the counter page.
async function signIn(page) {
  await page.goto(base + '/login');
  await page.click('a[href="/login/op"]');
  await providerSignIn(page);
  await page.waitForURL(base + '/');
  await page.waitForSelector('#count');
}

function verdictOnPages(w, where) {
  eq(`no console errors or CSP violations on airlock's pages (${where})`, '', w.errors.join(' | '));
  eq(`no failed requests to airlock (${where})`, '', w.bad.join(' | '));
  for (const f of w.foreign) info(`(not airlock's) ${f}`);
}

const countText = (page) => page.textContent('#count').then((s) => (s || '').trim());

// ---------------------------------------------------------------- sign-in
async function counter() {
  const { page, w, close } = await open();
  try {
    await page.goto(base + '/');
    eq('/ without a session goes to /login', base + '/login', page.url());
    const button = page.locator('a[href="/login/op"]');
    eq('/login has one button for provider "op"', 1, await button.count());
    await shot(page, 'login');
    await button.click();
    await providerSignIn(page);
    await page.waitForURL(base + '/');
    await page.waitForSelector('#count');
    eq('signed in: back on the counter page', base + '/', page.url());
    const body = await page.textContent('main');
    check('the counter page names the user', body.includes(`op:${user}`), body.slice(0, 200));

    const start = Number(await countText(page));
    check('the count is a number', Number.isInteger(start), `'${await countText(page)}'`);
    const navs = w.navs, url = page.url();
    for (let i = 1; i <= 3; i++) {
      const [resp] = await Promise.all([
        page.waitForResponse((r) => r.url() === base + '/increment' && r.request().method() === 'POST'),
        page.click('#inc button[type=submit]'),
      ]);
      const json = resp.request().headers().accept === 'application/json';
      check(`increment ${i}: sent by the page's script (JSON), answered 200`, json && resp.status() === 200,
        `accept ${resp.request().headers().accept}, status ${resp.status()}`);
      const want = String(start + i);
      const shown = await page.waitForFunction((n) => document.getElementById('count')?.textContent.trim() === n,
        want, { timeout: 10000 }).then(() => true, () => false);
      check(`increment ${i}: #count shows ${want} in place`, shown, `shows '${await countText(page)}'`);
      await page.waitForSelector('#inc button:not([disabled])');
    }
    eq('no navigation during the three increments', navs, w.navs);
    eq('the URL did not change during the increments', url, page.url());
    await shot(page, 'counter');

    const resp = await page.reload();
    await page.waitForSelector('#count');
    eq('after a reload the count is persisted', String(start + 3), await countText(page));
    const h = resp.headers();
    const csp = h['content-security-policy'] || '';
    check('the counter page has a CSP with hashed script and no unsafe-inline',
      /script-src 'sha256-/.test(csp) && !/unsafe-inline/.test(csp), csp);
    eq('the counter page is Cache-Control: no-store', 'no-store', h['cache-control']);

    // The same form without the script (what a browser without JavaScript does):
    // a real form POST, answered 303 back to /.
    await Promise.all([
      page.waitForResponse((r) => r.url() === base + '/' && r.request().method() === 'GET'),
      page.evaluate(() => HTMLFormElement.prototype.submit.call(document.getElementById('inc'))),
    ]);
    await page.waitForSelector('#count');
    eq('the form without JavaScript adds one too (POST, 303 to /)', String(start + 4), await countText(page));

    // Control: the CSP is enforced and the watcher sees violations.
    const before = w.errors.length;
    const ran = await page.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = 1;';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 200));
      return window.__injected === 1;
    });
    await sleep(100);
    check('an injected inline script is blocked by the CSP', !ran);
    check('the CSP-violation watcher saw it (control)', w.errors.length > before,
      'no violation reported');
    w.errors.splice(before);

    await page.click('header a[href="/logout"]');
    await page.waitForURL(base + '/logout');
    await Promise.all([
      page.waitForURL((u) => u.pathname === '/login'),
      page.click('form[action="/logout"] button[type=submit]'),
    ]);
    check('signing out lands on /login', new URL(page.url()).pathname === '/login', page.url());
    await shot(page, 'signed-out');
    await page.goto(base + '/');
    eq('after signing out / goes to /login again', base + '/login', page.url());
  } finally {
    verdictOnPages(w, 'counter');
    await close();
  }
}

// ---------------------------------------------------------------- pairing
async function cliCode() { // the user code the CLI printed on its stderr, waited for (10 s)
  const file = process.env.CLI_ERR;
  for (let i = 0; file && i < 100; i++) {
    const m = /^ {4}([A-Z0-9]{2,}-[A-Z0-9]{2,})$/m.exec(fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '');
    if (m) return m[1];
    await sleep(100);
  }
  return '';
}

async function pair(url) {
  const { ctx, page, w, close } = await open();
  try {
    check('the CLI opened a /pair/ URL of the server', /^\/pair\/[A-Za-z0-9_-]+$/.test(url.slice(base.length)) && ours(url), url);
    await page.goto(url);
    const approve = page.locator('button[name=provider][value=op]');
    eq('not signed in: the pairing page approves with provider "op"', 1, await approve.count());
    const shown = ((await page.textContent('.code')) || '').trim();
    const printed = await cliCode();
    check('the CLI printed a user code', printed !== '', `no code in ${process.env.CLI_ERR}`);
    eq('the approval page shows the code the CLI printed', printed, shown);
    await shot(page, 'pair');
    if (printed === '' || printed !== shown) return;
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url() === url && r.request().method() === 'POST'),
      approve.click(),
    ]);
    info(`approve answered ${resp.status()}; on to the provider`);
    await providerSignIn(page);
    await page.waitForFunction(() => document.querySelector('h1')?.textContent.trim() === 'Approved')
      .catch(() => {});
    eq('after signing in at the provider the page says Approved', 'Approved',
      ((await page.textContent('h1')) || '').trim());
    check('the page names who approved', ((await page.textContent('main')) || '').includes(`Test User ${user}`));
    eq('approving signed the browser in nowhere', 0,
      (await ctx.cookies(base)).filter((c) => sessionCookies.includes(c.name)).length);
  } finally {
    verdictOnPages(w, 'pairing');
    await close();
  }
}

async function sessions() {
  const { ctx, page, w, close } = await open();
  try {
    await signIn(page);
    await page.goto(base + '/sessions');
    eq('signed in, /sessions opens', base + '/sessions', page.url());
    const cli = page.locator('tbody tr', { has: page.locator('td:first-child', { hasText: 'Command line' }) });
    eq('/sessions lists one command-line session', 1, await cli.count());
    const label = await cli.first().locator('td').nth(1).textContent().catch(() => '');
    check('its label names the airlock CLI', /^airlock-cli\//.test(label || ''), label);
    await shot(page, 'sessions');
    await Promise.all([
      page.waitForResponse((r) => r.url() === base + '/sessions' && r.request().method() === 'GET'),
      cli.first().locator('button[type=submit]').click(),
    ]);
    await page.waitForLoadState('domcontentloaded');
    eq('after Revoke, back on /sessions', base + '/sessions', page.url());
    eq('the command-line session is gone from /sessions', 0, await cli.count());
    eq('this browser\'s own session is still listed', 1,
      await page.locator('tbody tr', { hasText: '(this browser)' }).count());
  } finally {
    verdictOnPages(w, 'sessions');
    await close();
  }
}

// ---------------------------------------------------------------- login CSRF
async function tokenCsrf() {
  const { ctx, page, w, close } = await open();
  const attack = process.env.ATTACK_PAGE;
  try {
    await signIn(page);
    check('the victim is signed in as herself', (await page.textContent('main')).includes(`op:${user}`));
    await page.goto(attack);
    const [resp] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(base + '/token')),
      page.click('#go'),
    ]);
    eq('a link from another site to /token: refused (403)', 403, resp.status());
    const h = await resp.allHeaders();
    eq('...and no cookie set', undefined, h['set-cookie']);
    await page.goto(attack);
    const sub = await page.evaluate(async (u) => {
      const r = await fetch(u, { credentials: 'include', mode: 'no-cors' }).catch(() => null);
      return r ? r.type : 'error';
    }, `${base}/token?paircode=${process.env.PAIRCODE}`);
    info(`a cross-site fetch of /token ended as '${sub}'`);
    const typed = await page.goto(`${base}/token?paircode=${process.env.PAIRCODE}`);
    eq('/token typed into the address bar: refused (403)', 403, typed.status());
    w.bad.splice(0);	// those refusals were the test
    w.errors.splice(0);
    await page.goto(base + '/');
    check('afterwards the counter page still shows the victim',
      (await page.textContent('main')).includes(`op:${user}`), (await page.textContent('main')).slice(0, 120));
    eq('no command-line session cookie reached the browser', 0,
      (await ctx.cookies(base)).filter((c) => /^(__Host-)?cli_session$/.test(c.name)).length);
    // A browser without fetch metadata could still receive the CLI cookie: no page takes it.
    await ctx.clearCookies();
    await ctx.addCookies([{ name: 'cli_session', value: process.env.CLI_TOKEN, url: base }]);
    await page.goto(base + '/');
    eq('with only a command-line session cookie, / goes to /login', base + '/login', page.url());
  } finally {
    // The refusals of /token above were the test, however late their events arrive.
    const refusal = (x) => x.includes(`${base}/token?`) && /\b403\b/.test(x);
    for (const list of [w.bad, w.errors])
      for (let i = list.length - 1; i >= 0; i--) if (refusal(list[i])) list.splice(i, 1);
    verdictOnPages(w, 'token-csrf');
    await close();
  }
}

// ---------------------------------------------------------------- approval phishing
async function phishing() {
  const { page, w, close } = await open();
  try {
    await page.goto(process.env.ATTACK_PAGE);
    await Promise.all([page.waitForURL(process.env.PHISH_URL), page.click('#go')]);
    const main = (await page.textContent('main')) || '';
    eq('reached from another site: the code is not shown', 0, await page.locator('.code').count());
    eq('...the code must be typed', 1, await page.locator('input[name=user_code][required]').count());
    check('the requester\'s label is shown as its claim',
      main.includes('says it comes from: airlock-cli/0.1 (your-laptop) (claimed by the requesting program'), main);
    check('where and when it came from is shown',
      /Requested from address 127\.0\.0\.2 at \d{4}-\d\d-\d\d \d\d:\d\d UTC/.test(main), main);
    check('a plain warning: another address than this browser\'s',
      /Warning: this request came from another address \(127\.0\.0\.2\) than this browser \(127\.0\.0\.1\)/.test(main), main);
    await shot(page, 'phishing');
    await page.fill('input[name=user_code]', 'BBBB-BBBB');
    await page.click('button[name=provider][value=op]');
    await page.waitForSelector('h1');
    eq('a wrong code approves nothing', 'Wrong code', ((await page.textContent('h1')) || '').trim());
    w.bad.splice(0);	// that 400 was the test
    w.errors.splice(0);
    await page.goBack();
    await page.fill('input[name=user_code]', process.env.USER_CODE.toLowerCase().replace('-', ' '));
    await page.click('button[name=provider][value=op]');
    await page.waitForSelector('input[name=login]');
    check('the right code (any case, any separator) leads on to the provider', true);

    await page.goto(process.env.LOCAL_URL);
    eq('opened directly: the code is shown', 1, await page.locator('.code').count());
    eq('...no code to type', 0, await page.locator('input[name=user_code]').count());
    eq('...an Approve button', 1, await page.locator('button[name=provider][value=op]').count());
    eq('...and no warning for a request from this browser\'s address', 0,
      await page.locator('[role=alert]').count());
    await shot(page, 'pair-direct');
  } finally {
    verdictOnPages(w, 'phishing');
    await close();
  }
}

// ---------------------------------------------------------------- gateway
async function gateway() {
  const { page, w, close } = await open();
  const app = process.env.APP_PATH || '/app/';
  try {
    await page.goto(base + app);
    eq('the application without a session: to sign-in with rd', `${base}/login?rd=${app}`, page.url());
    await page.click('a[href="/login/op"]');
    await providerSignIn(page);
    await page.waitForURL(base + app).catch(() => {});
    eq('signed in, back on the application page', base + app, page.url());
    const echo = JSON.parse(await page.evaluate(() => document.body.innerText));
    eq('the application got X-Airlock-User', `op:${user}`, echo.headers['x-airlock-user']);
    eq('the application got X-Airlock-Name', `Test%20User%20${user}`, echo.headers['x-airlock-name']);
    eq('the application got X-Airlock-Provider', 'op', echo.headers['x-airlock-provider']);
    await shot(page, 'gateway-app');
  } finally {
    verdictOnPages(w, 'gateway');
    await close();
  }
}

try {
  if (!base) throw new Error('AIRLOCK_URL is not set');
  const mode = process.argv[2];
  if (mode === 'counter') await counter();
  else if (mode === 'pair') await pair(process.argv[3] || '');
  else if (mode === 'sessions') await sessions();
  else if (mode === 'token-csrf') await tokenCsrf();
  else if (mode === 'phishing') await phishing();
  else if (mode === 'gateway') await gateway();
  else throw new Error(`unknown mode '${mode}'`);
} catch (e) {
  fail(`driver stopped: ${String(e.message || e).split('\n')[0]}`);
}
info(`done, ${failures} failed`);
process.exitCode = failures ? 1 : 0;
