// Sign-in on a server in enforce mode: the console asks for an access
// key pair and checks it as a signed request would be checked. A wrong
// secret or an unknown key is refused with the API's error, worded
// plainly on the sign-in page; the right pair signs in as the IAM user,
// and what the user's policies don't allow is shown as the API's refusal,
// not as a broken page.
//
// Environment (besides lib.mjs's): ADMIN_KEY and ADMIN_SECRET, an access
// key of an IAM user of the management account allowed organizations:*;
// ADMIN_ARN, that user's ARN; NONE_KEY and NONE_SECRET, an access key of
// a user with no policy.
import { assert, env, walkthrough } from "./lib.mjs";

const adminKey = env("ADMIN_KEY");
const adminSecret = env("ADMIN_SECRET");
const adminARN = env("ADMIN_ARN");
const noneKey = env("NONE_KEY");
const noneSecret = env("NONE_SECRET");

await walkthrough("sign-in-enforce", async (w) => {
  const page = w.page;
  const refusal = () => page.locator(".signin [role=alert]");
  // A refused sign-in answers 401 with the form again.
  w.allow(401, "/signin");

  w.step("a page of the console asks to sign in first");
  await page.goto("/organizations/services");
  await page.waitForURL(/\/signin\?next=/);
  await w.see(page.getByRole("heading", { level: 1 }), "Sign in to the console");
  await w.see(page.locator("form.form"), "verifies signatures", "access key");
  assert.equal(await page.getByLabel("Account ID").count(), 0, "enforce mode asks for no account ID");
  assert.equal(await page.getByLabel("Secret access key").getAttribute("type"), "password");
  assert.equal(await w.nav().count(), 0, "no navigation before signing in");
  await w.shot("sign-in-form");

  w.step("a wrong secret is refused with the API's error");
  await w.signInKey(adminKey, "not-the-secret");
  assert.match(new URL(page.url()).pathname, /^\/signin$/);
  await w.see(refusal(), "Sign-in failed", "SignatureDoesNotMatch", "signature");
  assert.doesNotMatch(await refusal().innerText(), /Canonical String|String-to-Sign/, "the console's own canonical request is not shown");
  assert.equal(await page.getByLabel("Access key ID").inputValue(), adminKey, "the access key is kept");
  assert.equal(await page.getByLabel("Secret access key").inputValue(), "", "the secret is not sent back");
  assert.equal(await w.nav().count(), 0, "still signed out");
  await w.shot("wrong-secret");

  w.step("an unknown access key is refused");
  await w.signInKey("AKIAZZZZZZZZZZZZZZZZ", adminSecret);
  await w.see(refusal(), "Sign-in failed", "InvalidClientTokenId");
  assert.equal(await w.nav().count(), 0, "still signed out");

  w.step("the right key pair signs in as the IAM user, on the page asked for");
  await w.signInKey(adminKey, adminSecret);
  await page.waitForURL(/\/organizations\/services$/);
  const identity = page.locator(".identity");
  await w.see(identity, adminARN.split(":")[4], "console-admin");
  assert.equal(await identity.getAttribute("title"), adminARN);
  await w.see(page.getByRole("heading", { level: 1 }), "Services");
  await w.see(page.locator("#services-table"), "AWS Systems Manager", "ssm.amazonaws.com");
  assert.equal(await page.locator("main [role=alert]").count(), 0, "the user may list the services");
  await w.shot("signed-in");

  w.step("sign out");
  await w.signOut();
  await page.goto("/organizations/services");
  await page.waitForURL(/\/signin\?next=/);

  w.step("a user without permissions signs in and sees the API's refusal");
  await w.signInKey(noneKey, noneSecret);
  await page.waitForURL(/\/organizations\/services$/);
  await w.see(page.locator(".identity"), "no-permissions");
  await w.see(page.getByRole("heading", { level: 1 }), "Services");
  const denied = page.locator("main [role=alert]").first();
  await w.see(denied, "AccessDeniedException", "no-permissions", "not authorized");
  await w.shot("no-permissions");

  w.step("sign out");
  await w.signOut();
});
