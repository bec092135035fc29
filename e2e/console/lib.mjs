// Shared helpers of the console walkthroughs: a headless Chromium driven
// by playwright-core, one browser context per walkthrough, and the checks
// every page gets (no server error, no stack trace, no browser console
// error).
//
// The walkthroughs are run by e2e/console_test.go, which starts orgstack
// and passes, in the environment:
//   BASE_URL        the server (console and API on the same port)
//   CHROMIUM        the browser executable (Debian's /usr/bin/chromium)
//   SCREENSHOT_DIR  where full-page screenshots go
//   AWS_*           the aws CLI's settings for checking the API (api below)
// and what each walkthrough needs besides (account ids, expected messages).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { chromium } from "playwright-core";

export { assert };

// env returns a required environment variable.
export function env(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set (the walkthroughs are run by e2e/console_test.go)`);
  return v;
}

// api runs the aws CLI with the environment's credentials (an account
// of the organization) and returns its decoded JSON output ({} when it
// prints nothing): what the browser did, as the API sees it.
export function api(...args) {
  return aws(process.env, args);
}

// apiAs is api as another account of the organization, in open mode
// (where an access key ID that is an account ID signs in as that
// account's root user).
export function apiAs(account, ...args) {
  return aws({ ...process.env, AWS_ACCESS_KEY_ID: account }, args);
}

function aws(environment, args) {
  const out = execFileSync("aws", [...args, "--output", "json"], { encoding: "utf8", env: environment, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
  return out.trim() ? JSON.parse(out) : {};
}

// Chromium's flags besides Playwright's own: no network but the server's
// (the machine has none), no GPU.
const CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

// How long a single action or wait may take. Generous: the suite runs
// beside the race-enabled Go tests.
const TIMEOUT = 20_000;

// A stack trace on a page: Go's panic output or a source position.
const STACK_TRACE = /goroutine |\.go:\d/;

// walkthrough runs fn(w) in a fresh browser context and exits non-zero,
// with what went wrong and a screenshot, when a step fails or any page
// misbehaved on the way.
export async function walkthrough(name, fn) {
  const started = Date.now();
  const browser = await chromium.launch({ executablePath: env("CHROMIUM"), headless: true, args: CHROMIUM_ARGS });
  const w = new Walk(name, browser);
  try {
    await w.open();
    await fn(w);
    await w.settle();
    w.assertClean();
    console.log(`ok ${name} (${((Date.now() - started) / 1000).toFixed(1)}s, ${w.shots} screenshots in ${w.dir})`);
  } catch (err) {
    process.exitCode = 1;
    console.log(`FAIL ${name} at step: ${w.current}`);
    console.log(err && err.stack ? err.stack : String(err));
    if (w.problems.length) console.log("page problems:\n  " + w.problems.join("\n  "));
    if (w.page) {
      console.log(`page: ${w.page.url()}`);
      try {
        const file = path.join(w.dir, `${name}-FAILED.png`);
        await w.page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
        console.log(`screenshot: ${file}`);
        console.log("page text:\n" + (await w.page.locator("body").innerText({ timeout: 2_000 })).slice(0, 3000));
      } catch (e) {
        console.log(`(no screenshot: ${e.message})`);
      }
    }
  } finally {
    await browser.close();
  }
}

class Walk {
  constructor(name, browser) {
    this.name = name;
    this.browser = browser;
    this.base = env("BASE_URL");
    this.dir = env("SCREENSHOT_DIR");
    mkdirSync(this.dir, { recursive: true });
    this.current = "starting";
    this.problems = [];
    this.pending = [];
    this.allowed = []; // [status, path] pairs a step expects
    this.navigated = new Set(); // URLs of pages the browser loaded
    this.consoleErrors = [];
    this.shots = 0;
  }

  async open() {
    this.context = await this.browser.newContext({ baseURL: this.base, viewport: { width: 1280, height: 900 } });
    this.context.setDefaultTimeout(TIMEOUT);
    this.page = await this.context.newPage();
    const page = this.page;
    page.on("pageerror", (e) => this.problem(`JavaScript error: ${e.message}`));
    page.on("crash", () => this.problem("the page crashed"));
    page.on("console", (m) => {
      if (m.type() === "error") this.consoleErrors.push({ step: this.current, text: m.text(), url: m.location().url || "" });
    });
    page.on("response", (r) => {
      const req = r.request();
      if (!req.isNavigationRequest() || req.frame() !== page.mainFrame()) return;
      this.navigated.add(r.url());
      const status = r.status();
      const where = `${req.method()} ${new URL(r.url()).pathname} → ${status}`;
      if (status >= 500) this.problem(`server error: ${where}`);
      else if (status >= 400 && !this.isAllowed(status, r.url())) this.problem(`unexpected status: ${where}`);
      if (status >= 300 && status < 400) return; // redirects carry no page
      this.pending.push(
        r.text().then(
          (body) => {
            if (STACK_TRACE.test(body)) this.problem(`stack trace in ${where}: ${body.match(STACK_TRACE)[0]}`);
          },
          () => {}, // the page was left before its body was read; check() covers what is shown
        ),
      );
    });
  }

  problem(msg) {
    this.problems.push(`[${this.current}] ${msg}`);
  }

  isAllowed(status, url) {
    const p = new URL(url).pathname;
    return this.allowed.some(([s, prefix]) => s === status && p.startsWith(prefix));
  }

  // allow lets pages under pathPrefix answer status (a sign-in refused,
  // the console's own "doesn't exist" page).
  allow(status, pathPrefix) {
    this.allowed.push([status, pathPrefix]);
  }

  // recover records a failed step and lets the walkthrough go on: it
  // prints what went wrong, takes a screenshot of the page and forgets
  // the page's problems. It returns a one-line summary.
  async recover(err) {
    await this.settle().catch(() => {});
    const problems = this.problems.splice(0);
    const summary = [String(err && err.message ? err.message : err).split("\n")[0], ...problems].join("; ");
    console.log(`  FAILED: ${this.current}`);
    console.log("  " + (err && err.stack ? err.stack : String(err)).replaceAll("\n", "\n  "));
    for (const p of problems) console.log(`  ${p}`);
    try {
      const file = path.join(this.dir, `${this.name}-FAILED-${slug(this.current)}.png`);
      await this.page.screenshot({ path: file, fullPage: true, timeout: 5_000 });
      console.log(`  screenshot: ${file}`);
    } catch (e) {
      console.log(`  (no screenshot: ${e.message})`);
    }
    return summary;
  }

  // step names what the walkthrough does next (printed, and named when
  // it fails).
  step(title) {
    this.current = title;
    console.log(`- ${title}`);
  }

  // settle finishes the checks of what the browser did so far.
  async settle() {
    const p = this.pending;
    this.pending = [];
    await Promise.all(p);
    for (const m of this.consoleErrors.splice(0)) {
      const loadFailed = /^Failed to load resource/.test(m.text);
      // An HTTP status of a page itself is judged with its navigation
      // (above); Chromium also logs it as "Failed to load resource".
      if (loadFailed && this.navigated.has(m.url)) continue;
      // The console has no icon: Chromium asks for /favicon.ico on its
      // own, and the console answers its 404 page.
      if (loadFailed && m.url && new URL(m.url, this.base).pathname === "/favicon.ico") continue;
      this.problems.push(`[${m.step}] browser console error: ${m.text} (${m.url})`);
    }
  }

  assertClean() {
    assert.deepEqual(this.problems, [], "pages misbehaved");
  }

  // check verifies the page shown now: loaded, no stack trace, nothing
  // gone wrong so far.
  async check() {
    await this.page.waitForLoadState("load");
    const text = await this.page.locator("body").innerText();
    const m = text.match(STACK_TRACE);
    assert.equal(m, null, `the page ${this.page.url()} shows a stack trace: ${m && m[0]}`);
    await this.settle();
    this.assertClean();
  }

  // shot saves a full-page screenshot of the page shown now.
  async shot(label) {
    await this.check();
    this.shots++;
    const file = path.join(this.dir, `${this.name}-${String(this.shots).padStart(2, "0")}-${slug(label)}.png`);
    // From the top: a page left scrolled down would show its sticky top
    // bar in the middle of the full-page picture.
    await this.page.evaluate(() => window.scrollTo(0, 0));
    await this.page.screenshot({ path: file, fullPage: true });
    return file;
  }

  // see waits until locator's text contains every one of texts.
  async see(locator, ...texts) {
    const deadline = Date.now() + TIMEOUT;
    let got = "";
    for (;;) {
      got = (await locator.count()) ? await locator.first().innerText() : "(nothing matches)";
      if (texts.every((t) => got.includes(t))) return got;
      if (Date.now() > deadline) break;
      await this.page.waitForTimeout(100);
    }
    assert.fail(`expected ${JSON.stringify(texts)} in ${locator}, got:\n${got}`);
  }

  // nav is the console's navigation.
  nav() {
    return this.page.getByRole("navigation", { name: "Console" });
  }

  // flash is the message the last action left on the page.
  flash() {
    return this.page.locator("main > .alert").first();
  }

  // signInAccount signs in in open mode as an account's root user.
  async signInAccount(account) {
    const page = this.page;
    await page.goto("/");
    await page.waitForURL(/\/signin/);
    await this.see(page.getByRole("heading", { level: 1 }), "Sign in to the console");
    await this.see(page.locator("form.form"), "open mode");
    await page.getByLabel("Account ID").fill(account);
    await page.getByLabel("Region").selectOption("us-east-1");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/organizations\/services/);
    await this.see(page.locator(".identity"), account);
  }

  // signInKey signs in in enforce mode with an access key pair; it
  // returns once the sign-in form has been answered.
  async signInKey(accessKey, secret) {
    const page = this.page;
    if (!/\/signin/.test(page.url())) {
      await page.goto("/signin");
    }
    await page.getByLabel("Access key ID").fill(accessKey);
    await page.getByLabel("Secret access key").fill(secret);
    const answered = page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/signin");
    await page.getByRole("button", { name: "Sign in" }).click();
    await answered;
    await page.waitForLoadState("load");
  }

  async signOut() {
    const page = this.page;
    await Promise.all([page.waitForURL(/\/signin/), page.getByRole("button", { name: "Sign out" }).click()]);
  }
}

function slug(s) {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "");
}
