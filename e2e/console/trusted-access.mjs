// The seed walkthrough of trusted access for AWS Systems Manager, as the
// Organizations console documents it: on the Services page, find the row
// for the service, choose its name, choose Enable trusted access; in the
// confirmation dialog check "Show the option to enable trusted access",
// enter enable, choose Enable trusted access; tell the service's
// administrator. Then a delegated administrator, registered, listed and
// deregistered, and the reverse with disable. After each change the API
// (the aws CLI as the management account) is asked what it now says.
//
// Environment (besides lib.mjs's): MANAGEMENT_ACCOUNT, the organization's
// management account; MEMBER_ACCOUNT, a member to register as delegated
// administrator; MANAGEMENT_AS_ADMIN_ERROR, the message the API answers
// when the management account is registered as delegated administrator.
import { api, assert, env, walkthrough } from "./lib.mjs";

const mgmt = env("MANAGEMENT_ACCOUNT");
const member = env("MEMBER_ACCOUNT");
const mgmtAsAdminError = env("MANAGEMENT_AS_ADMIN_ERROR");
const principal = "ssm.amazonaws.com";
const serviceName = "AWS Systems Manager";
const role = "AWSServiceRoleForAmazonSSM_AccountDiscovery";

// What the API says of SSM's trusted access and delegated administrators.
const accessEnabled = () => api("organizations", "list-aws-service-access-for-organization").EnabledServicePrincipals.some((s) => s.ServicePrincipal === principal);
const admins = () => api("organizations", "list-delegated-administrators", "--service-principal", principal).DelegatedAdministrators.map((a) => a.Id);

await walkthrough("trusted-access", async (w) => {
  const page = w.page;
  const row = () => page.locator(`tr[data-principal="${principal}"]`);
  const status = () => page.locator("#access-status");

  assert.equal(accessEnabled(), false, "the API says trusted access is disabled at the start");

  w.step("sign in as the management account");
  await page.goto("/signin");
  await w.shot("sign-in");
  await w.signInAccount(mgmt);

  w.step("open the Services page from the navigation");
  await w.nav().getByRole("link", { name: "Services", exact: true }).click();
  await page.waitForURL(/\/organizations\/services$/);
  await w.see(page.getByRole("heading", { level: 1 }), "Services");
  await w.see(row(), serviceName, principal, "Access disabled");
  await w.shot("services");

  w.step(`find the row for ${serviceName} and choose its name`);
  await row().getByRole("link", { name: serviceName }).click();
  await page.waitForURL(`**/organizations/services/${principal}`);
  await w.see(page.getByRole("heading", { level: 1 }), serviceName);
  await w.see(status(), "Access disabled");
  await w.shot("service");

  w.step("choose Enable trusted access");
  await page.getByRole("button", { name: "Enable trusted access" }).click();
  const dialog = page.getByRole("dialog");
  await w.see(dialog, `Enable trusted access for ${serviceName}`, "strongly recommend");
  const confirmEnable = dialog.getByRole("button", { name: "Enable trusted access" });
  const word = dialog.getByLabel("Confirmation");
  assert.ok(await confirmEnable.isDisabled(), "the confirm button is disabled before anything is typed");
  assert.ok(!(await word.isVisible()), "the confirmation box is hidden until the option is shown");
  await w.shot("enable-dialog");

  w.step("check Show the option to enable trusted access");
  const show = dialog.getByLabel("Show the option to enable trusted access");
  await show.check();
  await word.waitFor({ state: "visible" });
  assert.ok(await confirmEnable.isDisabled(), "still disabled with an empty box");

  w.step("a wrong word keeps the button disabled");
  for (const wrong of ["yes", "Enable", "enabled", "disable"]) {
    await word.fill(wrong);
    assert.ok(await confirmEnable.isDisabled(), `disabled with ${JSON.stringify(wrong)}`);
  }

  w.step("enter enable: the button is enabled only once the word is complete");
  await word.fill("");
  await typeWord(word, confirmEnable, "enable");
  await show.uncheck();
  assert.ok(await confirmEnable.isDisabled(), "hiding the option disables the button again");
  await show.check();
  assert.ok(await confirmEnable.isEnabled(), "showing it again with the word typed enables it");
  await w.shot("enable-confirmed");

  w.step("choose Enable trusted access");
  await confirmEnable.click();
  await page.waitForURL(/\?enabled=1/);
  await w.see(w.flash(), "Trusted access enabled", principal);
  await w.see(status(), "Access enabled");
  await w.see(page.locator("#tell-admin"), `Tell the administrator of ${serviceName}`, "can now enable");
  await w.shot("access-enabled");
  assert.equal(accessEnabled(), true, "the API says trusted access is enabled");

  w.step(`${role} becomes Present in the management account`);
  const roleRow = () =>
    page
      .locator("h3", { hasText: role })
      .locator("xpath=following-sibling::*[position() <= 2][self::table]")
      .locator(`tr[data-role-account="${mgmt}"]`);
  const deadline = Date.now() + 15_000;
  for (;;) {
    if ((await roleRow().count()) && (await roleRow().innerText()).includes("Present")) break;
    assert.ok(Date.now() < deadline, `${role} is not Present for ${mgmt}: ${(await roleRow().count()) ? await roleRow().innerText() : "no row"}`);
    await page.waitForTimeout(250);
    await page.reload();
  }
  await w.shot("role-present");
  assert.equal(api("iam", "get-role", "--role-name", role).Role.RoleName, role, "the API has the role");

  w.step("registering the management account as delegated administrator shows AWS's error");
  const account = page.locator("#delegated-account");
  const register = page.getByRole("button", { name: "Register delegated administrator" });
  await account.selectOption(mgmt);
  await register.click();
  await page.waitForLoadState("load");
  const refused = w.flash();
  await w.see(refused, "ConstraintViolationException", mgmtAsAdminError);
  assert.equal(await refused.getAttribute("role"), "alert");
  await w.shot("delegated-admin-refused");

  w.step("register a member account as delegated administrator");
  await account.selectOption(member);
  await register.click();
  await page.waitForLoadState("load");
  await w.see(w.flash(), "Delegated administrator registered", member);
  await page.locator(`tr[data-admin="${member}"]`).waitFor();
  await w.shot("delegated-admin-registered");
  assert.deepEqual(admins(), [member], "the API lists the delegated administrator");

  w.step("the Delegated administrators page lists it");
  await w.nav().getByRole("link", { name: "Delegated administrators" }).click();
  await page.waitForURL(/\/organizations\/delegated-administrators/);
  await w.see(page.locator("main table"), member, serviceName);
  await w.shot("delegated-administrators");

  w.step("the Services page's row shows access, the administrator and the role");
  await w.nav().getByRole("link", { name: "Services", exact: true }).click();
  await page.waitForURL(/\/organizations\/services$/);
  await w.see(row(), "Access enabled", member, role);

  w.step("deregister the delegated administrator on the Delegated administrators page");
  await w.nav().getByRole("link", { name: "Delegated administrators" }).click();
  await page.waitForURL(/\/organizations\/delegated-administrators/);
  const delegation = page.locator("main table tr", { hasText: member }).filter({ hasText: serviceName });
  await delegation.getByRole("button", { name: "Deregister" }).click();
  await page.waitForURL(/\/organizations\/delegated-administrators/);
  await page.waitForLoadState("load");
  await w.see(w.flash(), "Delegated administrator deregistered", member);
  await w.see(page.locator("main table"), "no delegated administrator");
  await w.shot("delegated-admin-deregistered");
  assert.deepEqual(admins(), [], "the API lists no delegated administrator");

  w.step("the service page shows no delegated administrator");
  await w.nav().getByRole("link", { name: "Services", exact: true }).click();
  await page.waitForURL(/\/organizations\/services$/);
  await w.see(row(), "Access enabled", "None");
  await row().getByRole("link", { name: serviceName }).click();
  await page.waitForURL(`**/organizations/services/${principal}`);
  await w.see(page.locator("#delegated"), "No delegated administrator.");

  w.step("choose Disable trusted access, then Cancel");
  await page.getByRole("button", { name: "Disable trusted access" }).click();
  const disableDialog = page.getByRole("dialog");
  await w.see(disableDialog, `Disable trusted access for ${serviceName}`, "disable");
  const confirmDisable = disableDialog.getByRole("button", { name: "Disable trusted access" });
  const disableWord = disableDialog.getByLabel("Confirmation");
  assert.ok(await confirmDisable.isDisabled(), "the disable button is disabled before anything is typed");
  await disableWord.fill("enable");
  assert.ok(await confirmDisable.isDisabled(), "the enable word does not disable");
  await w.shot("disable-dialog");
  await disableDialog.getByRole("button", { name: "Cancel" }).click();
  await disableDialog.waitFor({ state: "hidden" });
  await w.see(status(), "Access enabled");

  w.step("enter disable and choose Disable trusted access");
  await page.getByRole("button", { name: "Disable trusted access" }).click();
  await disableWord.fill("");
  await typeWord(disableWord, confirmDisable, "disable");
  await confirmDisable.click();
  await page.waitForURL(/\?disabled=1/);
  await w.see(w.flash(), "Trusted access disabled", principal);
  await w.see(status(), "Access disabled");
  await w.see(page.locator("#tell-admin"), `Tell the administrator of ${serviceName}`, "now disabled");
  // Disabling keeps the roles the service created.
  assert.ok((await roleRow().innerText()).includes("Present"), "the role stays");
  await page.getByRole("button", { name: "Enable trusted access" }).waitFor();
  await w.shot("access-disabled");
  assert.equal(accessEnabled(), false, "the API says trusted access is disabled");

  w.step("the Services page shows access disabled");
  await w.nav().getByRole("link", { name: "Services", exact: true }).click();
  await page.waitForURL(/\/organizations\/services$/);
  await w.see(row(), "Access disabled");
});

// typeWord types word into box one key at a time: the confirm button
// stays disabled until the last letter.
async function typeWord(box, button, word) {
  for (let i = 0; i < word.length; i++) {
    await box.press(word[i]);
    const complete = i === word.length - 1;
    assert.equal(await button.isEnabled(), complete, `after typing ${JSON.stringify(word.slice(0, i + 1))} the button is ${complete ? "enabled" : "disabled"}`);
  }
}
