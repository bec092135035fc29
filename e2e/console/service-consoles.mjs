// The console steps of the three service seeds, as a new user of the
// console would take them:
//   - Systems Manager: as the management account, create a resource data
//     sync of the entire organization on Explorer, which enables trusted
//     access for Systems Manager ("To enable trusted access by using the
//     Systems Manager console ... create a Resource Data Sync"); the
//     sync is listed with its status, the Services page shows access.
//   - Audit Manager: set it up on its Settings page and designate a
//     member as its delegated administrator, which enables trusted access
//     for Audit Manager ("If you configure a delegated administrator using
//     the AWS Audit Manager console, then Audit Manager automatically
//     enables trusted access for you"); then remove the administrator,
//     typing its account ID.
//   - AMS Self-Service Reporting: enable trusted access on the Services
//     page (typing enable) and register a member as its delegated
//     administrator; signed in as that member, the Reports page shows the
//     organization's aggregated view with a bar per account.
// After each change the API is asked what it now says.
//
// Environment (besides lib.mjs's): MANAGEMENT_ACCOUNT; AUDIT_ADMIN, the
// member to designate for Audit Manager; REPORTS_ADMIN, the member to
// register for Self-Service Reporting; AWS_DATA_PATH, where the aws CLI
// finds Self-Service Reporting's model.
import { api, apiAs, assert, env, walkthrough } from "./lib.mjs";

const mgmt = env("MANAGEMENT_ACCOUNT");
const auditAdmin = env("AUDIT_ADMIN");
const reportsAdmin = env("REPORTS_ADMIN");
env("AWS_DATA_PATH");

const ssm = "ssm.amazonaws.com";
const am = "auditmanager.amazonaws.com";
const ssr = "selfservicereporting.managedservices.amazonaws.com";
const syncName = "OrganizationSync";

// What the API says.
const accessEnabled = (p) => api("organizations", "list-aws-service-access-for-organization").EnabledServicePrincipals.some((s) => s.ServicePrincipal === p);
const admins = (p) => api("organizations", "list-delegated-administrators", "--service-principal", p).DelegatedAdministrators.map((a) => a.Id);
const orgAccounts = () => api("organizations", "list-accounts").Accounts.map((a) => a.Id).sort();

await walkthrough("service-consoles", async (w) => {
  const page = w.page;
  const h1 = () => page.locator("main h1");
  const serviceRow = (p) => page.locator(`#services-table tr[data-principal="${p}"]`);
  const openNav = async (name, url) => {
    await w.nav().getByRole("link", { name, exact: true }).click();
    await page.waitForURL(url);
    await page.waitForLoadState("load");
  };

  for (const p of [ssm, am, ssr]) assert.equal(accessEnabled(p), false, `the API says trusted access for ${p} is disabled at the start`);
  const accounts = orgAccounts();
  assert.equal(accounts.length, 3, `the organization's accounts: ${accounts}`);

  w.step("sign in as the management account");
  await w.signInAccount(mgmt);

  // ---- Systems Manager: an organization sync on Explorer ----

  w.step("open Explorer: trusted access for Systems Manager isn't enabled yet");
  await openNav("Explorer", /\/systems-manager\/explorer$/);
  await w.see(h1(), "Explorer");
  await w.see(page.locator("#ssm-access"), "isn't enabled", "AWSServiceRoleForAmazonSSM_AccountDiscovery");
  await w.see(page.locator("#syncs"), "No resource data sync");
  await w.shot("explorer-before");

  w.step("choose Create resource data sync: a sync of the entire organization");
  await page.getByRole("button", { name: "Create resource data sync" }).click();
  const create = page.getByRole("dialog");
  await w.see(create, "Create resource data sync", "enables trusted access for Systems Manager");
  await create.getByLabel("Sync name").fill(syncName);
  const entire = create.getByLabel("The entire organization");
  assert.ok(await entire.isChecked(), "the management account's sync is of the entire organization by default");
  assert.ok(await create.getByLabel("us-east-1").isChecked(), "the session's Region is checked");
  await create.getByLabel("us-west-2").check();
  await w.shot("explorer-create-sync");
  await create.getByRole("button", { name: "Create" }).click();
  await page.waitForURL(/\/systems-manager\/explorer\?sync=/);
  await w.see(w.flash(), "Resource data sync created", syncName);

  w.step("the sync is listed with its status, and trusted access is enabled");
  const syncRow = page.locator(`tr[data-sync="${syncName}"]`);
  await w.see(syncRow, syncName, "Entire organization", "us-east-1", "us-west-2");
  for (let deadline = Date.now() + 15_000; !(await syncRow.innerText()).includes("Successful"); ) {
    assert.ok(Date.now() < deadline, `the sync's status: ${await syncRow.innerText()}`);
    await page.waitForTimeout(300);
    await page.reload();
  }
  await w.see(page.locator("#ssm-access"), "Trusted access for Systems Manager is enabled");
  // The summary of the organization sync has every account, with the
  // members' managed nodes.
  const opsRows = await page.locator("#summary tr[data-ops-account]").evaluateAll((trs) => trs.map((tr) => tr.dataset.opsAccount).sort());
  assert.deepEqual(opsRows, accounts, "the organization sync's summary lists every account");
  await w.see(page.locator("#stat-instances"), "3");
  await w.shot("explorer-sync-created");
  assert.equal(accessEnabled(ssm), true, "the API says trusted access for Systems Manager is enabled");
  const sync = api("ssm", "list-resource-data-sync", "--sync-type", "SyncFromSource").ResourceDataSyncItems.find((s) => s.SyncName === syncName);
  assert.ok(sync, "the API lists the sync");
  assert.equal(sync.SyncSource.SourceType, "AwsOrganizations");
  assert.equal(sync.SyncSource.AwsOrganizationsSource.OrganizationSourceType, "EntireOrganization");
  assert.equal(sync.LastStatus, "Successful");

  w.step("the Services page shows trusted access for Systems Manager");
  await openNav("Services", /\/organizations\/services$/);
  await w.see(serviceRow(ssm), "AWS Systems Manager", "Access enabled");
  await w.see(serviceRow(am), "Access disabled");
  await w.shot("services-ssm-enabled");

  // ---- Audit Manager: set up, delegate, remove ----

  w.step("open Audit Manager's settings: not set up");
  await openNav("Settings", /\/audit-manager\/settings$/);
  await w.see(h1(), "Audit Manager settings");
  await w.see(page.locator("#am-status"), "Not set up");
  await w.see(page.locator("#am-access"), "Disabled");
  await w.shot("audit-manager-not-set-up");

  w.step("choose Set up Audit Manager");
  await page.getByRole("button", { name: "Set up Audit Manager" }).click();
  await page.waitForURL(/\/audit-manager\/settings$/);
  await w.see(w.flash(), "Audit Manager is set up", mgmt);
  await w.see(page.locator("#am-status"), "Enabled");
  await w.see(page.locator("#am-admin"), "None");
  assert.equal(api("auditmanager", "get-account-status").status, "ACTIVE", "the API says Audit Manager is active");

  w.step("designate a member as the delegated administrator");
  await page.locator("#am-admin-account").selectOption(auditAdmin);
  await w.shot("audit-manager-set-up");
  await page.getByRole("button", { name: "Delegate" }).click();
  await page.waitForURL(/\/audit-manager\/settings$/);
  await w.see(w.flash(), "Delegated administrator registered", auditAdmin);
  await w.see(page.locator("#am-admin"), auditAdmin, "Operations");
  await w.see(page.locator("#am-access"), "Enabled");
  await w.shot("audit-manager-delegated");
  assert.equal(api("auditmanager", "get-organization-admin-account").adminAccountId, auditAdmin, "Audit Manager's API names the administrator");
  assert.equal(accessEnabled(am), true, "designating the administrator enabled trusted access for Audit Manager");
  assert.deepEqual(admins(am), [auditAdmin], "Organizations lists the delegated administrator");

  w.step("the Services page and the Delegated administrators page show it");
  await openNav("Services", /\/organizations\/services$/);
  await w.see(serviceRow(am), "AWS Audit Manager", "Access enabled", auditAdmin);
  await openNav("Delegated administrators", /\/organizations\/delegated-administrators/);
  await w.see(page.locator("main table"), auditAdmin, "AWS Audit Manager");
  await w.shot("delegated-administrators-audit-manager");

  w.step("remove the delegated administrator: the typed account ID confirms");
  await openNav("Settings", /\/audit-manager\/settings$/);
  await page.getByRole("button", { name: "Remove delegated administrator" }).click();
  const remove = page.getByRole("dialog");
  await w.see(remove, "Remove the delegated administrator", auditAdmin);
  const removeButton = remove.getByRole("button", { name: "Remove" });
  const typed = remove.getByLabel("Confirmation");
  assert.ok(await removeButton.isDisabled(), "disabled before the account ID is typed");
  await typed.fill(auditAdmin.slice(0, 11));
  assert.ok(await removeButton.isDisabled(), "disabled with part of the account ID");
  await typed.fill(auditAdmin);
  assert.ok(await removeButton.isEnabled(), "enabled with the account ID");
  await w.shot("audit-manager-remove-dialog");
  await removeButton.click();
  await page.waitForURL(/\/audit-manager\/settings$/);
  await w.see(w.flash(), "Delegated administrator removed", auditAdmin);
  await w.see(page.locator("#am-admin"), "None");
  await w.see(page.locator("#am-access"), "Enabled");
  await w.shot("audit-manager-removed");
  assert.deepEqual(admins(am), [], "Organizations lists no delegated administrator for Audit Manager");
  assert.equal(accessEnabled(am), true, "trusted access stays enabled");

  // ---- AMS Self-Service Reporting ----

  w.step("enable trusted access for Self-Service Reporting on the Services page");
  await openNav("Services", /\/organizations\/services$/);
  await w.see(serviceRow(ssr), "Access disabled");
  await serviceRow(ssr).getByRole("link").first().click();
  await page.waitForURL(`**/organizations/services/${ssr}`);
  await w.see(h1(), "Self-Service Reporting");
  await page.getByRole("button", { name: "Enable trusted access" }).click();
  const enable = page.getByRole("dialog");
  await enable.getByLabel("Show the option to enable trusted access").check();
  await enable.getByLabel("Confirmation").fill("enable");
  await w.shot("ssr-enable-dialog");
  await enable.getByRole("button", { name: "Enable trusted access" }).click();
  await page.waitForURL(/\?enabled=1/);
  await w.see(w.flash(), "Trusted access enabled", ssr);
  await w.see(page.locator("#access-status"), "Access enabled");
  assert.equal(accessEnabled(ssr), true, "the API says trusted access for Self-Service Reporting is enabled");

  w.step("register a member as Self-Service Reporting's delegated administrator");
  await page.locator("#delegated-account").selectOption(reportsAdmin);
  await page.getByRole("button", { name: "Register delegated administrator" }).click();
  await page.waitForLoadState("load");
  await w.see(w.flash(), "Delegated administrator registered", reportsAdmin);
  await page.locator(`#delegated tr[data-admin="${reportsAdmin}"]`).waitFor();
  await w.shot("ssr-delegated");
  assert.deepEqual(admins(ssr), [reportsAdmin], "Organizations lists the delegated administrator");

  w.step("sign out, and sign in as the delegated administrator");
  await w.signOut();
  await w.signInAccount(reportsAdmin);

  w.step("open Reports: the organization view");
  await openNav("Reports", /\/managed-services\/reports/);
  await w.see(h1(), "Reports");
  await w.see(page.locator("#scope-organization"), "Organization");
  assert.equal(await page.locator("#scope-organization").getAttribute("aria-current"), "true", "the delegated administrator sees the organization view");
  await w.see(page.locator("#ssr-admin"), "Access enabled", reportsAdmin, "The delegated administrator");
  if (await page.locator("#no-reports").count()) {
    await w.shot("reports-none-yet");
    w.step("choose Generate report now");
    await page.locator("#no-reports").getByRole("button", { name: "Generate report now" }).click();
    await page.waitForLoadState("load");
    await w.see(w.flash(), "Report generated");
  }

  w.step("the chart has a bar per account of the organization");
  const bars = page.locator("#accounts-chart [data-account]");
  await bars.first().waitFor();
  const charted = (await bars.evaluateAll((gs) => gs.map((g) => g.dataset.account))).sort();
  assert.deepEqual(charted, accounts, "a bar per account of the organization");
  await w.see(page.locator("#report-meta"), "3 accounts");
  await w.shot("reports-organization");

  const report = apiAs(reportsAdmin, "selfservicereporting", "get-report", "--report-type", "PATCH", "--scope", "ORGANIZATION");
  const summarized = report.AccountSummaries.map((a) => a.AccountId).sort();
  assert.deepEqual(summarized, accounts, "the API's organization report summarizes every account");
  // Each account's bar adds up to its instances in the API's report.
  const shown = Object.fromEntries(
    await bars.evaluateAll((gs) => gs.map((g) => [g.dataset.account, [...g.querySelectorAll("[data-value]")].reduce((n, r) => n + Number(r.dataset.value), 0)])),
  );
  const reported = Object.fromEntries(report.AccountSummaries.map((a) => [a.AccountId, a.Summary.Patch.Instances]));
  assert.deepEqual(shown, reported, "each bar adds up to the account's instances in the report");
  assert.equal(reported[reportsAdmin] + reported[auditAdmin], 3, `the members' instances: ${JSON.stringify(reported)}`);
});
