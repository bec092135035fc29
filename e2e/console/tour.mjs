// A tour of the console as one account: every page the navigation
// links to, reached by its link, with a full-page screenshot of each. A
// page may be the console's own "doesn't exist" page (an area not built
// yet) or show the API's refusal (a member account); it may not answer a
// server error, show a stack trace or log a browser console error.
//
// Environment (besides lib.mjs's): ACCOUNT, the account to sign in as;
// LABEL, a name for this tour in the screenshots' names.
import { assert, env, walkthrough } from "./lib.mjs";

const account = env("ACCOUNT");
const label = env("LABEL");

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

  const seen = [];
  for (const link of links) {
    w.step(`open ${link.text} (${link.href}) from the navigation`);
    const answered = page.waitForResponse((r) => r.request().isNavigationRequest() && new URL(r.url()).pathname === new URL(link.href, page.url()).pathname);
    await w.nav().locator(`a[href="${link.href}"]`).click();
    const response = await answered;
    await page.waitForLoadState("load");
    const status = response.status();
    const main = page.locator("main");
    if (status === 404) {
      await w.see(main, "doesn't exist");
    } else {
      assert.equal(status, 200, `${link.href} answered ${status}`);
    }
    await w.nav().waitFor(); // every page keeps the navigation
    assert.ok((await page.title()).includes("orgstack console"), `the page title is ${await page.title()}`);
    await w.shot(`${link.href}`);
    seen.push(`${link.text} ${status}`);
  }
  console.log(`  visited: ${seen.join(", ")}`);

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
});
