// A tour of the console as one account: every page the navigation
// links to (read from the page, whatever areas it has), reached by its
// link, with a full-page screenshot of each. A page may be the console's
// own "doesn't exist" page (an area not built yet) or show the API's
// refusal (a member account); it may not answer a server error, show a
// stack trace or log a browser console error, and it has a heading, the
// navigation, and that page's link marked as the current one. The
// Services pages, finished, are checked for their content.
//
// Environment (besides lib.mjs's): ACCOUNT, the account to sign in as;
// LABEL, a name for this tour in the screenshots' names; and either
// ENABLED_SERVICE, a service principal with trusted access that the
// Services page must show enabled (for an account that may list them),
// or REFUSED, the error code the Services page must show instead.
import { assert, env, walkthrough } from "./lib.mjs";

const account = env("ACCOUNT");
const label = env("LABEL");
const enabledService = process.env.ENABLED_SERVICE || "";
const refused = process.env.REFUSED || "";
assert.ok(enabledService || refused, "set ENABLED_SERVICE or REFUSED");

await walkthrough(`tour-${label}`, async (w) => {
  const page = w.page;
  // Areas of the console that are not built yet answer its 404 page.
  w.allow(404, "/");

  w.step(`sign in as ${account}`);
  await w.signInAccount(account);

  w.step("read the navigation");
  const links = await w.nav().getByRole("link").evaluateAll((as) => as.map((a) => ({ href: a.getAttribute("href"), text: a.textContent.trim() })));
  assert.ok(links.length >= 5, `the navigation has ${links.length} links`);
  console.log(`  ${links.length} pages: ${links.map((l) => l.text).join(", ")}`);

  // Every page is visited even when one fails, so that one run tells
  // every broken page.
  const seen = [];
  const failed = [];
  for (const link of links) {
    w.step(`open ${link.text} (${link.href}) from the navigation`);
    try {
      seen.push(`${link.text} ${await visit(w, link)}`);
    } catch (err) {
      failed.push(`${link.href}: ${await w.recover(err)}`);
      seen.push(`${link.text} FAILED`);
    }
  }
  console.log(`  visited: ${seen.join(", ")}`);

  if (enabledService) {
    w.step(`open ${enabledService} from the Services page`);
    await w.nav().locator('a[href="/organizations/services"]').click();
    await page.waitForURL(/\/organizations\/services$/);
    await page.locator(`tr[data-principal="${enabledService}"] a`).first().click();
    await page.waitForURL(`**/organizations/services/${enabledService}`);
    await w.see(page.locator("main .breadcrumbs"), "Services");
    await w.see(page.locator("main .subtitle"), enabledService);
    await w.see(page.locator("#access-status"), "Access enabled");
    await page.getByRole("button", { name: "Disable trusted access" }).waitFor();
    await w.shot(`service-${enabledService}`);
  }

  w.step("change the region from the top bar");
  const here = new URL(page.url()).pathname;
  const back = page.waitForResponse((r) => r.request().isNavigationRequest() && r.request().method() === "GET" && new URL(r.url()).pathname === here);
  await page.locator("select#region").selectOption("eu-west-1");
  await back;
  await page.waitForLoadState("load");
  assert.equal(await page.locator("select#region").inputValue(), "eu-west-1");
  await w.check();

  w.step("sign out");
  await w.signOut();
  await page.goto("/organizations/services");
  await page.waitForURL(/\/signin\?next=/);
  await w.check();

  assert.deepEqual(failed, [], "pages failed their checks");
});

// servicesPage checks the Services page: the catalogue with each
// service's trusted access, or the API's refusal.
async function servicesPage(w) {
  const page = w.page;
  const main = page.locator("main");
  await w.see(page.locator("main h1"), "Services");
  if (refused) {
    await w.see(main.locator("[role=alert]"), refused);
    assert.equal(await page.locator("#services-table").count(), 0, "no table when the API refuses");
    return;
  }
  assert.equal(await main.locator("[role=alert]").count(), 0, "the Services page shows no error");
  const rows = page.locator("#services-table tbody tr[data-principal]");
  const n = await rows.count();
  assert.ok(n >= 10, `the Services page lists ${n} services`);
  const hrefs = await rows.evaluateAll((trs) => trs.map((tr) => [tr.dataset.principal, tr.querySelector("a")?.getAttribute("href")]));
  for (const [p, href] of hrefs) assert.equal(href, `/organizations/services/${p}`, `the row of ${p} links to its page`);
  const enabled = await rows.filter({ hasText: "Access enabled" }).evaluateAll((trs) => trs.map((tr) => tr.dataset.principal));
  assert.deepEqual(enabled, [enabledService], "the services with trusted access");
  console.log(`  ${n} services, ${enabled.length} with trusted access`);
}

// visit opens a page by its link in the navigation, checks it and takes
// its screenshot; it returns the page's HTTP status.
async function visit(w, link) {
  const page = w.page;
  const path = new URL(link.href, page.url()).pathname;
  const answered = page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === path);
  await w.nav().locator(`a[href="${link.href}"]`).click();
  const response = await answered;
  await page.waitForLoadState("load");
  const status = response.status();
  if (status === 404) {
    await w.see(page.locator("main"), "doesn't exist");
  } else {
    assert.equal(status, 200, `${link.href} answered ${status}`);
  }
  await w.nav().waitFor(); // every page keeps the navigation
  assert.ok((await page.title()).includes("orgstack console"), `the page title is ${await page.title()}`);
  const h1 = page.locator("main h1");
  assert.equal(await h1.count(), 1, `${link.href} has one heading`);
  assert.ok((await h1.innerText()).trim().length > 0, `${link.href}'s heading is empty`);
  if (status === 200) {
    const current = await w.nav().locator("a.active").evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    assert.deepEqual(current, [link.href], `on ${link.href} the navigation marks ${JSON.stringify(current)} as the current page`);
  }
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  if (wide > 0) console.log(`  note: ${link.href} is ${wide}px wider than the window`);
  if (link.href === "/organizations/services") await servicesPage(w);
  await w.shot(link.href);
  return status;
}
