// Drives the demo's pages in headless Chromium, as a person would, and takes screenshots of them.
//
//   BASE_URL=http://127.0.0.1:8080 node pages.mjs <scenario>...     scenarios: product, people, stats
//
// Environment: BASE_URL (required), CHROMIUM (default /usr/bin/chromium: Debian's package, since
// playwright-core downloads no browser), SCREENSHOT_DIR (default ./screenshots). Exits 0 when every
// scenario passed, 1 (printing why) when one failed. Run by BrowserTest, which starts the demo.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

const BASE_URL = process.env.BASE_URL;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT_DIR = resolve(process.env.SCREENSHOT_DIR || 'screenshots');
const STEP_TIMEOUT_MS = 20_000;

// As the machine notes ask: no background connections (the network is closed), no GPU, no sandbox (root).
// playwright-core adds --headless and a fresh --user-data-dir of its own.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const STARTED = Date.now();

function log(message) {
  console.log(`[pages ${((Date.now() - STARTED) / 1000).toFixed(1).padStart(5)} s] ${message}`);
}

function check(condition, message) {
  if (!condition) {
    throw new Error(message);
  }
}

/** Waits until the element's text, trimmed, passes the test; fails naming what it last saw. */
async function waitForText(page, selector, test, what) {
  try {
    await page.waitForFunction(([sel, source, flags]) => {
      const element = document.querySelector(sel);
      return element !== null && new RegExp(source, flags).test(element.textContent.trim());
    }, [selector, test.source, test.flags], { timeout: STEP_TIMEOUT_MS, polling: 100 });
  } catch (e) {
    const seen = await page.locator(selector).first().textContent({ timeout: 1000 }).catch(() => '(no such element)');
    throw new Error(`${what}: waited for ${selector} to match ${test}, but it reads '${seen?.trim()}'`);
  }
  return (await page.locator(selector).first().textContent()).trim();
}

async function screenshot(page, name) {
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  log(`screenshot ${path}`);
}

async function api(method, path, body) {
  const response = await fetch(new URL(path, BASE_URL), {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
}

function unique(prefix) {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

// ---- scenarios -------------------------------------------------------------------------------------

/** Creates a product through the products page, opens it, edits its price and sees the new price. */
async function product(page) {
  const sku = unique('BROWSER');
  await page.goto(new URL('/products.html', BASE_URL).href);
  await page.fill('#create-form [name=sku]', sku);
  await page.fill('#create-form [name=name]', 'Browser kettle');
  await page.fill('#create-form [name=description]', '1.7 l, made by the browser test');
  await page.fill('#create-form [name=price]', '24.90');
  await page.click('#create');
  await waitForText(page, '#create-status', /^Created product \d+/, 'create');
  const row = page.locator(`#products tbody tr[data-sku="${sku}"]`);
  await row.waitFor({ timeout: STEP_TIMEOUT_MS });
  const listedPrice = (await row.locator('td').nth(3).textContent()).trim();
  check(listedPrice === '24.90', `the products list shows price '${listedPrice}', not 24.90`);
  const id = Number(await row.getAttribute('data-id'));
  log(`created product ${id} (${sku}) through the form; listed at 24.90`);
  await screenshot(page, 'products');

  await row.locator('a.open').click();
  await page.waitForURL(/\/product\.html\?id=\d+$/, { timeout: STEP_TIMEOUT_MS });
  await waitForText(page, '#price', /^24\.90$/, 'product page before the edit');
  const firstTier = await waitForText(page, '#tier', /^(L1|L2|DB|STALE)$/, 'tier of the first read');
  log(`product page shows price 24.90, served from ${firstTier}`);

  await page.fill('#edit-form [name=price]', '19.50');
  await page.click('#save');
  await waitForText(page, '#edit-status', /^Saved: version 1, price 19\.50\./, 'save');
  await waitForText(page, '#price', /^19\.50$/, 'product page after the edit');
  await waitForText(page, '#version', /^1$/, 'version after the edit');
  const tierAfterSave = await waitForText(page, '#tier', /^(L1|L2|DB|STALE)$/, 'tier after the edit');
  log(`after the edit the page shows price 19.50, version 1, read back from ${tierAfterSave}`);

  // A fresh page load reads it again: the new price, and the tier that served it.
  await page.reload();
  await waitForText(page, '#price', /^19\.50$/, 'product page reloaded');
  const reloadTier = await waitForText(page, '#tier', /^(L1|L2|DB|STALE)$/, 'tier after the reload');
  check(await page.inputValue('#edit-form [name=price]') === '19.50', 'the edit form is not filled with the new price');
  const viaApi = await api('GET', `/api/products/${id}`);
  check(viaApi.status === 200 && Number(viaApi.json.price) === 19.5,
    `the API answers ${viaApi.status} ${JSON.stringify(viaApi.json)}, not price 19.50`);
  check(/^(L1|L2|DB|STALE)$/.test(viaApi.headers.get('X-Cache') || ''),
    `the API's X-Cache is '${viaApi.headers.get('X-Cache')}'`);
  log(`reloaded: 19.50 from ${reloadTier}; the API agrees (X-Cache ${viaApi.headers.get('X-Cache')})`);
  await screenshot(page, 'product');
}

/** Creates and edits a user, opens a session for them, looks it up and closes it, then deletes the user. */
async function people(page) {
  const email = `${unique('browser')}@example.com`;
  await page.goto(new URL('/users.html', BASE_URL).href);
  await page.fill('#user-form [name=email]', email);
  await page.fill('#user-form [name=name]', 'Grace Hopper');
  await page.click('#submit');
  await waitForText(page, '#form-status', /^Created user \d+/, 'create user');
  const row = page.locator(`#users tbody tr[data-email="${email}"]`);
  await row.waitFor({ timeout: STEP_TIMEOUT_MS });
  const userId = Number(await row.getAttribute('data-id'));

  await row.locator('button.edit').click();
  await waitForText(page, '#form-title', /^Edit user \d+$/, 'edit mode');
  await waitForText(page, '#form-status', /^Read version 0 from (L1|L2|DB)/, 'read for edit');
  await page.fill('#user-form [name=name]', 'Grace B. Hopper');
  await page.click('#submit');
  await waitForText(page, '#form-status', /^Saved user \d+: version 1\.$/, 'save user');
  await waitForText(page, `#users tbody tr[data-email="${email}"] td:nth-child(3)`, /^Grace B\. Hopper$/, 'renamed user');
  log(`created user ${userId} and renamed them through the users page`);
  await screenshot(page, 'users');

  await row.locator('a.session').click();
  await page.waitForURL(/\/sessions\.html\?userId=\d+$/, { timeout: STEP_TIMEOUT_MS });
  check(await page.inputValue('#open-form [name=userId]') === String(userId), 'the session form is not filled with the user id');
  await page.click('#open');
  await waitForText(page, '#open-status', /^Opened a session for user \d+/, 'open session');
  const session = page.locator('#sessions tbody tr[data-state="open"]').last();
  await session.locator('button.lookup').click();
  await waitForText(page, '#list-status', /found and extended/, 'look up session');
  await screenshot(page, 'sessions');
  await session.locator('button.close').click();
  await waitForText(page, '#list-status', /^Session closed\.$/, 'close session');
  log('opened, looked up and closed a session through the sessions page');

  await page.goto(new URL('/users.html', BASE_URL).href);
  page.once('dialog', (dialog) => dialog.accept());
  await page.locator(`#users tbody tr[data-email="${email}"] button.danger`).click();
  await waitForText(page, '#list-status', /^Deleted user \d+\.$/, 'delete user');
  check(await page.locator(`#users tbody tr[data-email="${email}"]`).count() === 0, 'the deleted user is still listed');
  log(`deleted user ${userId} through the users page`);

  await page.goto(new URL('/', BASE_URL).href);
  await waitForText(page, '#node', /node \S+ (UP|DEGRADED)/, 'node line of the home page');
  await screenshot(page, 'index');
}

/** Sends reads and session writes while the stats page polls, and waits until its four charts have drawn. */
async function stats(page) {
  const product = (await api('POST', '/api/products', { sku: unique('STATS'), name: 'Stats mug', price: 7.5 })).json;
  const user = (await api('POST', '/api/users', { email: `${unique('stats')}@example.com`, name: 'Stats' })).json;
  let stop = false;
  const traffic = (async () => {
    // Bounded: at most 60 s, a few requests every 100 ms, to this demo only.
    const until = Date.now() + 60_000;
    let cents = 750;
    while (!stop && Date.now() < until) {
      // An update drops the product's cached HTTP answer, so the next read reaches the entity cache.
      cents += 1;
      await api('PUT', `/api/products/${product.id}`, { sku: product.sku, name: product.name, price: cents / 100 });
      await api('GET', `/api/products/${product.id}`);
      await api('GET', `/api/users/${user.id}`);
      const session = (await api('POST', '/api/sessions', { userId: user.id })).json;
      if (session && session.token) {
        await api('GET', `/api/sessions/${session.token}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    await page.goto(new URL('/stats.html', BASE_URL).href);
    const charts = ['chart-hit-rate', 'chart-latency', 'chart-db-loads', 'chart-queue-depth'];
    try {
      await page.waitForFunction((ids) => ids.every((id) => Number(document.getElementById(id).dataset.points) >= 3),
        charts, { timeout: 30_000, polling: 250 });
    } catch (e) {
      const state = await page.evaluate((ids) => ({
        answers: document.body.dataset.answers,
        error: document.getElementById('error-banner').hidden ? null : document.getElementById('error-banner').textContent,
        points: Object.fromEntries(ids.map((id) => [id, document.getElementById(id).dataset.points])),
      }), charts);
      throw new Error(`the stats page did not draw its charts within 30 s: ${JSON.stringify(state)}`);
    }
    // Each chart's canvas holds its series' lines: pixels of the colours it names in data-strokes.
    const drawn = await page.evaluate((ids) => ids.map((id) => {
      const container = document.getElementById(id);
      const canvas = container.querySelector('canvas');
      const strokes = (container.dataset.strokes || '').split(' ').filter(Boolean)
        .map((hex) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)));
      if (!canvas || canvas.width === 0 || canvas.height === 0 || strokes.length === 0) {
        return { id, coloured: 0, width: canvas?.width ?? 0, strokes: strokes.length };
      }
      const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      let coloured = 0;
      for (let i = 0; i < pixels.length; i += 4) {
        if (pixels[i + 3] > 200 && strokes.some(([r, g, b]) =>
          Math.abs(pixels[i] - r) + Math.abs(pixels[i + 1] - g) + Math.abs(pixels[i + 2] - b) < 24)) {
          coloured++;
        }
      }
      return { id, coloured, width: canvas.width, points: container.dataset.points, strokes: strokes.length };
    }), charts);
    for (const chart of drawn) {
      check(chart.coloured >= 50, `chart ${chart.id} drew no series: ${JSON.stringify(chart)}`);
    }
    log(`stats charts drawn: ${drawn.map((c) => `${c.id} ${c.points} points, ${c.coloured} coloured pixels`).join('; ')}`);
    const regions = await page.locator('#regions tbody tr[data-region]').count();
    check(regions > 0, 'the regions table is empty');
    log(`regions table: ${regions} region(s)`);
    await screenshot(page, 'stats');
  } finally {
    stop = true;
    await traffic;
  }
}

// ---- main ------------------------------------------------------------------------------------------

const SCENARIOS = { product, people, stats };

async function main() {
  check(BASE_URL, 'BASE_URL is not set: the address of a running demo, e.g. http://127.0.0.1:8080');
  const names = process.argv.slice(2);
  check(names.length > 0 && names.every((n) => SCENARIOS[n]),
    `name scenarios from: ${Object.keys(SCENARIOS).join(', ')}; got: ${names.join(' ') || '(none)'}`);
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  log(`Chromium ${browser.version()} from ${CHROMIUM}, against ${BASE_URL}`);
  let failed = false;
  try {
    for (const name of names) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      const pageErrors = [];
      page.on('pageerror', (e) => pageErrors.push(e.message));
      page.on('console', (m) => {
        if (m.type() === 'error') {
          log(`console error on ${page.url()}: ${m.text()}`);
        }
      });
      page.setDefaultTimeout(STEP_TIMEOUT_MS);
      const started = Date.now();
      try {
        await SCENARIOS[name](page);
        check(pageErrors.length === 0, `uncaught errors in the page: ${pageErrors.join(' | ')}`);
        log(`${name}: passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      } catch (e) {
        failed = true;
        log(`${name}: FAILED: ${e.message}`);
        await screenshot(page, `${name}-failed`).catch(() => {});
      } finally {
        await context.close();
      }
    }
  } finally {
    await browser.close();
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((e) => {
  log(`FAILED: ${e.stack || e.message}`);
  process.exitCode = 1;
});
