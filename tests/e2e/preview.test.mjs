// End-to-end tests of the approval-chain preview: www/ served by www/serve.py, driven in Debian's
// headless Chromium by playwright-core. Each test saves a screenshot under tests/e2e/screenshots/.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { inflateRawSync } from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "../..");
const shots = path.join(here, "screenshots");
mkdirSync(shots, { recursive: true });

let server;
let base;
let browser;

before(async () => {
  server = spawn("python3", [path.join(repo, "www/serve.py")], { env: { ...process.env, PORT: "0", QUIET: "1" } });
  base = await new Promise((resolve, reject) => {
    let out = "";
    server.stdout.on("data", (chunk) => {
      out += chunk;
      const match = /Preview: (http:\/\/\S+)/.exec(out);
      if (match) resolve(match[1]);
    });
    server.stderr.on("data", (chunk) => (out += chunk));
    server.on("exit", (code) => reject(new Error(`the preview server exited (${code}): ${out}`)));
  });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

/** A fresh page on the preview (or `url`), with every console error and page error collected. */
async function open(t, url = base, suffix = "") {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = [];
  page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
  page.on("pageerror", (e) => errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
  t.after(async () => {
    await page.screenshot({ path: path.join(shots, `${t.name.replace(/[^a-z0-9]+/gi, "-").toLowerCase()}${suffix}.png`), fullPage: true });
    // axe-core on the state the test left the page in: nothing serious or critical.
    const violations = await seriousViolations(page);
    await page.close();
    assert.deepEqual(errors, [], "the page logged errors");
    assert.deepEqual(violations, [], "axe-core found serious or critical violations");
  });
  return page;
}

/** axe-core's violations of serious or critical impact on the page as it is. */
async function seriousViolations(page) {
  await page.addScriptTag({ path: path.join(here, "node_modules/axe-core/axe.min.js") });
  return page.evaluate(async () =>
    (await globalThis.axe.run()).violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`));
}

/** A level's card. */
const level = (page, n) => page.locator(`#levels li.level[data-level="${n}"]`);

/** Sets the release's start to a fixed Monday 09:00 UTC, so times in assertions are exact. */
async function fixStart(page) {
  await page.fill("#status-since", "2026-11-23T09:00");
  await page.dispatchEvent("#status-since", "change");
}

async function scrubTo(page, minutes) {
  await page.locator("#now").evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event("input", { bubbles: true }));
  }, minutes);
}

/** The preview state a `#z=` hash carries (raw DEFLATE in base64url). */
function stateOfHash(hash) {
  assert.match(hash, /^#z=[A-Za-z0-9_-]+$/);
  return JSON.parse(inflateRawSync(Buffer.from(hash.slice(3), "base64url")).toString("utf8"));
}

test("the page loads with the built-in pack and shows its four levels, with no console errors", async (t) => {
  const page = await open(t);
  assert.match(await page.textContent("#pack-name"), /Release Management — built-in pack/);
  assert.equal(await page.locator("#levels li.level").count(), 4);
  assert.equal(await page.textContent("#chain-state"), "in progress");
  assert.match(await level(page, 1).textContent(), /QA Verification.*active/);
  assert.equal(await page.locator("#timeline svg .lane").count(), 4);
});

test("priority critical makes Manager Sign-off required, with the condition and its actual value", async (t) => {
  const page = await open(t);
  assert.match(await level(page, 3).locator(".requirement").textContent(), /skipped/);
  await page.selectOption("#priority", "critical");
  const card = level(page, 3);
  assert.equal(await card.locator(".requirement").textContent(), "required");
  assert.match(await card.locator(".why").textContent(), /Required because its conditions hold/);
  assert.match(await card.locator(".leaves li.true").first().textContent(), /✓ priority = critical — actual: critical/);
});

test("release type major adds Director Approval; minor skips it and says why", async (t) => {
  const page = await open(t);
  const field = page.locator('#custom-fields select[data-field="release_type"]');
  await field.selectOption("minor");
  assert.match(await level(page, 4).textContent(), /Director Approval.*skipped/);
  assert.match(await level(page, 4).locator(".leaves").textContent(), /✗ custom_fields.release_type = major — actual: minor/);
  await field.selectOption("major");
  assert.equal(await level(page, 4).locator(".requirement").textContent(), "required");
  assert.match(await level(page, 4).locator(".leaves").textContent(), /✓ custom_fields.release_type = major — actual: major/);
});

test("a critical Hotfix gets the fast track: levels 3–4 skipped, 1h timeouts, the on-call SRE", async (t) => {
  const page = await open(t);
  await page.selectOption("#case-type", "Hotfix");
  await page.selectOption("#status", "pending_approval");
  await page.selectOption("#priority", "critical");
  await page.locator('#custom-fields select[data-field="severity"]').selectOption("critical");
  assert.match(
    await page.textContent("#chain-summary"),
    /Hotfix Fast Track \(hotfix_fast_track\) changed the chain: levels 3, 4 skipped; timeouts cut to 1h \(levels 1–4\); role sre_oncall added to level 1\./,
  );
  for (const n of [3, 4]) {
    assert.equal(await level(page, n).locator(".requirement").textContent(), "skipped");
    assert.match(await level(page, n).textContent(), /Skipped by recipe hotfix_fast_track/);
  }
  for (const n of [1, 2]) assert.equal(await level(page, n).locator(".timeout").textContent(), "timeout 1h");
  // Level 2's times are a projection: said as what they depend on, not as a deadline two days out.
  const times = await level(page, 2).locator(".times").textContent();
  assert.match(times, /activatedwhen level 1 completes \(if nobody acts: [^)]+\)/);
  assert.match(times, /deadline1h after it activates \(if nobody acts: [^)]+\)/);
  assert.match(await level(page, 1).locator(".eligible").textContent(), /otto added by Hotfix Fast Track/);
  assert.doesNotMatch(await level(page, 1).locator(".eligible").textContent(), /quinn added/, "only the added approver is marked");
  assert.match(await page.locator("#recipes li.matched").first().textContent(), /Hotfix Fast Track/);
  // The Release's own fields went with the case type: no warning about them.
  assert.equal(await page.locator("#warnings li").count(), 0);
});

test("moving the scrubber past 48h shows the auto-approval of level 1 and its audit entry", async (t) => {
  const page = await open(t);
  await fixStart(page);
  await scrubTo(page, 47 * 60);
  assert.match(await level(page, 1).locator(".pill").textContent(), /active/);
  assert.match(await page.textContent("#escalation .next"), /auto approve at 2026-11-25 09:00 UTC/);
  // The slider follows the keyboard: each arrow press is 15 minutes.
  await page.focus("#now");
  await page.keyboard.press("ArrowRight");
  assert.match(await page.textContent("#now-text"), /\(request \+1d 23h 15m\)/);
  await scrubTo(page, 48 * 60 + 15);
  assert.match(await page.textContent("#now-text"), /2026-11-25 09:15 UTC \(request \+2d 15m\)/);
  assert.equal(await level(page, 1).locator(".pill").textContent(), "auto approved");
  assert.match(await page.textContent("#audit"), /auto approve level 1 — Auto-approved due to timeout/);
  assert.equal(await page.locator("#timeline .lane[data-level='1'] path.auto:not(.projected)").count(), 1);
  assert.match(await level(page, 2).locator(".pill").textContent(), /active/);
});

test("recording approvals completes the chain and the guard for production answers allow", async (t) => {
  const page = await open(t);
  await fixStart(page);
  await scrubTo(page, 60);
  assert.match(await page.locator('#guards li[data-to="production"]').textContent(), /pending/);
  for (let i = 0; i < 10; i += 1) {
    const button = page.locator("#levels li.level.active button.approve").first();
    if ((await button.count()) === 0) break;
    await button.click();
  }
  assert.equal(await page.textContent("#chain-state"), "approved");
  assert.equal(await page.locator("#approvals tr").count(), 5); // quinn; erin, sam, sasha; dana
  const production = page.locator('#guards li[data-to="production"]');
  assert.equal(await production.locator(".pill").textContent(), "allow");
  // The axis fits the events: with the chain done an hour in, it runs to the state's SLA breach
  // (8 business hours), not to the ladder's auto-approvals days out.
  const max = Number(await page.getAttribute("#now", "max"));
  assert.ok(max < 24 * 60, `the axis spans ${max} minutes`);
});

/** Selects `from` on line `line` of the editor and types `to` over it, as a user would. */
async function retype(page, line, from, to) {
  await page.locator("#def-text").evaluate((el, [line, from]) => {
    const start = el.value.split("\n").slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
    const column = el.value.split("\n")[line - 1].indexOf(from);
    el.focus();
    el.setSelectionRange(start + column, start + column + from.length);
  }, [line, from]);
  await page.keyboard.type(to);
}

test("a broken YAML edit shows the error at its line and keeps the last good chain", async (t) => {
  const page = await open(t);
  await page.selectOption("#def-file", "workflows/release.yaml");
  const lines = (await page.inputValue("#def-text")).split("\n");
  const at = lines.findIndex((l) => l.trim() === "timeout: 4h") + 1;
  assert.ok(at > 0);
  await retype(page, at, "4h", "4 hours");
  await page.waitForSelector("#def-errors li");
  assert.match(await page.textContent("#def-errors"), new RegExp(`workflows/release.yaml:${at}:\\d+ .*4 hours`));
  assert.equal(await page.locator("#gutter span.err").first().textContent(), String(at));
  assert.equal(await page.isVisible("#defs-banner"), true);
  assert.equal(await page.textContent("#defs-state"), "invalid");
  assert.match(await page.textContent("#pack-name"), /edits invalid: showing the last valid pack/);
  assert.match(await page.textContent("#defs-banner"), /the answers above still follow the last valid pack/);
  assert.equal(await page.locator("#levels li.level").count(), 4);
  assert.equal(await level(page, 1).locator(".timeout").textContent(), "timeout 4h");
  await page.screenshot({ path: path.join(shots, "a-broken-yaml-edit-error-state.png"), fullPage: true });

  // Fixed differently, the chain follows the edited pack.
  await retype(page, at, "4 hours", "90m");
  await page.waitForFunction(() => document.querySelector('#levels li[data-level="1"] .timeout')?.textContent === "timeout 90m");
  assert.equal(await page.isVisible("#defs-banner"), false);
  assert.match(await page.textContent("#pack-name"), /edited pack/);
});

test("a copied URL restores the whole preview", async (t) => {
  const page = await open(t);
  await fixStart(page);
  await page.selectOption("#priority", "critical");
  await page.fill('#roles input[data-role="qa_lead"]', "quinn, quincy");
  await page.locator("#levels li.level.active button.approve").first().click();
  await scrubTo(page, 9 * 60);
  await page.selectOption("#def-file", "workflows/release.yaml");
  const line = (await page.inputValue("#def-text")).split("\n").findIndex((l) => l.includes("name: Director Approval")) + 1;
  await retype(page, line, "Director Approval", "VP Approval");
  await page.waitForFunction(() => document.querySelector('#levels li[data-level="4"] .level-name')?.textContent === "VP Approval");
  await page.click("#copy-link");
  // The link is written (deflated, asynchronously) before it is copied: the status says when.
  await page.waitForFunction(() => document.getElementById("copy-status").textContent !== "");
  const url = page.url();
  // The link is compressed: an edited pack travels in a fraction of its JSON's length.
  const shared = stateOfHash(new URL(url).hash);
  const plain = "#s=" + Buffer.from(JSON.stringify(shared)).toString("base64url");
  assert.ok(new URL(url).hash.length < plain.length / 3, `a ${new URL(url).hash.length}-character hash against ${plain.length} uncompressed`);
  t.diagnostic(`shared link: a ${new URL(url).hash.length}-character hash (${plain.length} uncompressed)`);

  const copy = await open(t, url, "-restored");
  for (const selector of ["#levels", "#now-text", "#escalation", "#guards", "#approvals"]) {
    assert.equal(await copy.locator(selector).innerText(), await page.locator(selector).innerText(), selector);
  }
  assert.equal(await copy.inputValue('#roles input[data-role="qa_lead"]'), "quinn, quincy");
  assert.equal(await copy.inputValue("#priority"), "critical");
  assert.match(await copy.textContent("#pack-name"), /edited pack/);
  assert.match(await copy.inputValue("#def-text"), /name: VP Approval/);
  // Links shared before compression (`#s=`, plain JSON) still open.
  const old = await open(t, `${base}${plain}`, "-old-link");
  assert.equal(await old.locator("#levels").innerText(), await page.locator("#levels").innerText());
});

test("the dashboard draws the pack's widgets from analyze and shows the firing alerts as banners", async (t) => {
  const page = await open(t, `${base}dashboard.html`);
  assert.equal(await page.textContent("#dashboard-name"), "Deployment Health");
  assert.match(await page.textContent("#dashboard-status"), /^300 releases: generated in \d+ ms, analysed in \d+ ms$/);
  // The eight widgets in the dashboard's order: six charts and two lists.
  const ids = await page.locator("#widgets section").evaluateAll((s) => s.map((e) => e.dataset.widget));
  assert.deepEqual(ids, ["release_velocity", "approval_time", "rollback_rate", "release_lead_time", "pending_approvals", "recent_rollbacks", "approval_bottlenecks", "release_by_type"]);
  assert.equal(await page.locator("#widgets canvas").count(), 6);
  // Now is Friday 2026-11-27: the last week has five days in the window, and says so.
  assert.match(await page.locator('[data-widget="release_velocity"] canvas').getAttribute("aria-label"), /2026-W48 \(5 of 7 days\): \d+$/);
  assert.match(await page.textContent('[data-widget="release_velocity"] .partial-note'), /Partial weeks, .*: 2026-W35 \(2 of 7 days\), 2026-W48 \(5 of 7 days\)\.$/);
  assert.match(await page.textContent('[data-widget="rollback_rate"] .gauge-value'), /^\d+(\.\d+)? %$/);
  assert.ok((await page.locator('[data-widget="pending_approvals"] tbody tr').count()) >= 1);
  // The seeded history has a release stuck in pending_approval for longer than a day.
  const stale = page.locator('#alerts [data-alert="stale_pending_approval"]');
  assert.match(await stale.getAttribute("class"), /firing/);
  // With its unit and the release behind the value.
  assert.match(await stale.textContent(), /Stale Pending Approval: \d+(\.\d+)? hours \(REL-\d+, pending longest\) > 8 hours — firing/);
  assert.match(await page.locator(`#alerts [data-alert="high_rollback_rate"]`).textContent(), /^✓ High Rollback Rate: \d+(\.\d+)? % — quiet \(fires when > 10 %\)$/);

  await page.screenshot({ path: path.join(shots, "the-dashboard-with-the-sample-history.png"), fullPage: true });

  // Another history: no releases at all — every alert quiet, the lists empty.
  await page.fill("#count", "0");
  await page.click("#controls button[type=submit]");
  await page.waitForFunction(() => document.getElementById("dashboard-status").textContent.startsWith("0 releases"));
  assert.equal(await page.locator("#alerts .firing").count(), 0);
  assert.equal(await page.locator('[data-widget="pending_approvals"] table').count(), 0);

  // Now is typed as ISO 8601, 24 h, like every time in the preview; anything else says how to write it.
  await page.fill("#now", "11/27/2026 12:00 PM");
  await page.click("#controls button[type=submit]");
  assert.match(await page.textContent("#dashboard-status"), /is not a time: write it as YYYY-MM-DD HH:MM \(UTC\)/);
  await page.fill("#now", "2026-12-04 16:00");
  await page.fill("#count", "300");
  await page.click("#controls button[type=submit]");
  await page.waitForFunction(() => document.getElementById("dashboard-status").textContent.startsWith("300 releases"));
  assert.match(await page.locator('[data-widget="release_velocity"] canvas').getAttribute("aria-label"), /2026-W49 \(5 of 7 days\): \d+$/);
});

test("20,000 releases are analysed off the page's thread: progress shows, the page keeps answering", async (t) => {
  const page = await open(t, `${base}dashboard.html`);
  await page.fill("#count", "20000");
  await page.click("#controls button[type=submit]");
  await page.waitForSelector("#progress:not([hidden])");
  // While it works, the page's own thread stays free: frames keep coming, the status moves on.
  const seen = new Set();
  const gaps = [];
  while (await page.evaluate(() => document.body.dataset.busy === "true")) {
    seen.add((await page.textContent("#dashboard-status")).replace(/[\d,.]+/g, "N"));
    gaps.push(await page.evaluate(() => new Promise((resolve) => {
      const asked = performance.now();
      requestAnimationFrame(() => resolve(performance.now() - asked));
    })));
    await page.waitForTimeout(50);
  }
  assert.ok(seen.has("Generating the sample history: N of N releases…"), [...seen].join(" | "));
  assert.ok(seen.has("Analysing N releases… N s"), [...seen].join(" | "));
  assert.ok(Math.max(...gaps) < 250, `the longest wait for a frame while analysing: ${Math.round(Math.max(...gaps))} ms`);
  assert.match(await page.textContent("#dashboard-status"), /^20000 releases: generated in \d+ ms, analysed in \d+ ms$/);
  t.diagnostic(`${await page.textContent("#dashboard-status")}; the longest wait for a frame meanwhile ${Math.round(Math.max(...gaps))} ms over ${gaps.length} probes`);
  assert.equal(await page.isHidden("#progress"), true);
});

test("a public pack loaded from its folder: pick a workflow, its state approval decides, its checklist gates", async (t) => {
  const roots = [process.env.KIKET_UPSTREAM_ROOT, path.resolve(repo, "../shared/upstream"), "/work/shared/upstream"];
  const root = roots.find((p) => p && existsSync(path.join(p, "kiket-definitions-legal")));
  assert.ok(root, "the public packs (../shared/upstream) are missing");
  const page = await open(t);
  await page.setInputFiles("#pack-folder", path.join(root, "kiket-definitions-legal"));
  await page.waitForFunction(() => document.getElementById("pack-name").textContent.includes("loaded pack"));
  assert.equal(await page.isVisible("#workflow-row"), true, "two workflows: the form offers the choice");
  assert.deepEqual(await page.$$eval("#workflow option", (os) => os.map((o) => o.value)), ["contract", "gdpr"]);

  // contract: legal_review's approval gates every exit until legal decides.
  await page.selectOption("#workflow", "contract");
  await page.selectOption("#status", "legal_review");
  await page.waitForFunction(() => document.getElementById("chain-state").textContent === "state approval active");
  assert.match(await page.textContent("#guards li[data-to=pending_signature]"), /pending/);
  await page.fill("input[data-role=legal]", "lex");
  await page.click("#add-approval");
  await page.fill("#approvals tr:last-child input[aria-label$='approver']", "lex");
  await page.waitForFunction(() => document.getElementById("chain-state").textContent === "state approval approved");
  assert.match(await page.textContent("#guards li[data-to=pending_signature] .pill"), /allow/);
  assert.match(await page.textContent("#guards li[data-to=cancelled] .pill"), /deny/);

  // gdpr: the identity checklist no condition reads gates its state's forward exit until ticked.
  await page.selectOption("#workflow", "gdpr");
  await page.selectOption("#status", "verifying_identity");
  await page.waitForSelector("#guards li[data-to=processing]");
  assert.match(await page.textContent("#guards li[data-to=processing] .pill"), /deny/);
  for (const item of ["email_verified", "id_document", "account_match"]) {
    await page.check(`#checklists [data-checklist=identity_verification] input[data-item=${item}]`);
  }
  await page.waitForFunction(() => document.querySelector("#guards li[data-to=processing] .pill")?.textContent === "allow");
  assert.match(await page.textContent("#guards li[data-to=rejected] .pill"), /allow/);
});

test("an edit shows its impact on the seed cases and a sample history, as diff computes it", async (t) => {
  const page = await open(t);
  await page.selectOption("#def-file", "workflows/release.yaml");
  assert.equal(await page.isVisible("#impact"), false, "no edit, no impact");
  const lines = (await page.inputValue("#def-text")).split("\n");
  const at = lines.findIndex((l) => l.includes('{ field: priority, operator: "=", value: critical }')) + 1;
  assert.ok(at > 0);
  await retype(page, at, 'operator: "=", value: critical', "operator: in, value: [critical, high]");
  await page.waitForSelector("#impact:not([hidden])", { timeout: 15_000 });
  const headline = await page.textContent("#impact-headline");
  const match = /This edit: (\d+) of (\d+) releases change \(the (\d+) seed cases? of the workspace and a sample history of 40\)/.exec(headline);
  assert.ok(match, headline);
  assert.equal(Number(match[2]), Number(match[3]) + 40);
  assert.ok(Number(match[1]) > 0);
  const summary = await page.locator("#impact-summary li").allTextContents();
  assert.ok(summary.includes(`level 3 Manager Sign-off: ${match[1]} releases now required`), summary.join(" | "));
  const first = await page.locator("#impact-releases li").first().textContent();
  assert.match(first, /^SEED-\d+ \(Release [^)]*\): level 3 Manager Sign-off now required/, "a seed case names its title");
  await page.locator("#impact-details summary").click();
  await page.locator("#impact").screenshot({ path: path.join(shots, "an-edit-shows-its-impact-panel.png") });

  // Undone, the impact goes away.
  await retype(page, at, "operator: in, value: [critical, high]", 'operator: "=", value: critical');
  await page.waitForSelector("#impact[hidden]", { state: "attached" });
});

test("keyboard: a skip link reaches the scrubber, and a ✓ keeps focus in the chain and announces the change", async (t) => {
  const page = await open(t);
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), "Skip to the time scrubber");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Shift+Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.id), "now", "the scrubber is one Tab from the top");

  const approve = page.locator("#levels li.level[data-level='1'] button.approve").first();
  const who = await approve.getAttribute("data-approver");
  await approve.focus();
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("announce").textContent.length > 0);
  assert.match(await page.textContent("#announce"), new RegExp(`Recorded ${who}'s approval of level 1; the level is now approved`));
  assert.notEqual(await page.evaluate(() => document.activeElement?.tagName), "BODY", "focus stays in the chain");
  assert.ok(await page.evaluate(() => document.activeElement?.closest("#levels, #h-chain") !== null));
  // The editor's highlight layer and line numbers are not Tab stops.
  assert.deepEqual(await page.evaluate(() => ["backdrop", "gutter"].map((id) => document.getElementById(id).tabIndex)), [-1, -1]);
});

test("a time zone typed wrong is marked at its field; a link cut short says so", async (t) => {
  const page = await open(t);
  await page.fill("#timezone", "Europe/Berln");
  await page.dispatchEvent("#timezone", "change");
  await page.waitForSelector("#timezone[aria-invalid=true]");
  assert.match(await page.textContent("#timezone-error"), /Europe\/Berln/);
  await page.fill("#timezone", "Europe/Berlin");
  await page.dispatchEvent("#timezone", "change");
  await page.waitForSelector("#timezone:not([aria-invalid])");
  assert.equal(await page.locator("#timezone-error").count(), 0);

  const cut = await open(t, `${base}#s=eyJyZWxlYXNlIjp7InRpdGxl`, "-cut-link");
  assert.equal(await cut.isVisible("#link-error"), true);
  assert.match(await cut.textContent("#link-error"), /could not be read .*cut short.*defaults/);
  assert.equal(await cut.locator("#levels li.level").count(), 4, "the defaults are shown");
});

test("on a phone (390 px) nothing scrolls sideways, Copy link is on screen, and the answer comes before the form", async (t) => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  t.after(() => page.close());
  for (const url of [base, `${base}dashboard.html`]) {
    await page.goto(url);
    await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
    const name = url.endsWith("dashboard.html") ? "dashboard" : "preview";
    await page.screenshot({ path: path.join(shots, `phone-390-${name}.png`), fullPage: true });
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 390, `${name}: the page is ${wide} px wide on a 390 px screen`);
    assert.deepEqual(await seriousViolations(page), [], `${name}: axe-core at 390 px`);
  }
  await page.goto(base);
  await page.waitForSelector("body[data-ready=true]");
  const copy = await page.locator("#copy-link").boundingBox();
  assert.ok(copy && copy.x >= 0 && copy.x + copy.width <= 390, `Copy link at ${JSON.stringify(copy)}`);
  let chain = await page.locator("#h-chain").boundingBox();
  assert.ok(chain.y < 844 * 1.5, `the chain starts ${Math.round(chain.y)} px down`);
  // The form comes after the answers, folded away: one button opens it.
  assert.equal(await page.isHidden("#h-release"), true, "the form starts folded on a phone");
  assert.equal(await page.getAttribute("#form-toggle", "aria-expanded"), "false");
  await page.click("#form-toggle");
  assert.equal(await page.getAttribute("#form-toggle", "aria-expanded"), "true");
  chain = await page.locator("#h-chain").boundingBox();
  const form = await page.locator("#h-release").boundingBox();
  assert.ok(chain.y < form.y, "the approval chain comes before the form");
  // The timeline's labels keep a readable size: it scrolls in its own box instead of shrinking.
  const label = await page.evaluate(() => document.querySelector("#timeline svg text")?.getBoundingClientRect().height ?? 0);
  assert.ok(label >= 8.5, `timeline text is ${label} px high`);
  assert.deepEqual(errors, []);
});

test("times are entered and shown in the calendar's zone, with UTC beside them", async (t) => {
  const page = await open(t);
  await page.fill("#timezone", "Europe/Berlin");
  await page.dispatchEvent("#timezone", "input");
  assert.equal(await page.textContent("label:has(#status-since) .zone-name"), "Europe/Berlin");
  // Friday 16:00 in Berlin is 15:00 UTC in the request.
  await page.fill("#status-since", "2026-12-04 16:00");
  await page.dispatchEvent("#status-since", "change");
  await page.waitForFunction(() => document.getElementById("chain-summary").textContent.includes("2026-12-04 16:00"));
  assert.match(await page.textContent("#chain-summary"), /Started 2026-12-04 16:00 \(15:00 UTC\)\./);
  assert.match(await page.textContent("#now-text"), /^Friday 2026-12-04 16:00 \(15:00 UTC\), Europe\/Berlin \(request \+0m\)/);
  const deadline = await level(page, 1).locator(".times dd").nth(1).textContent();
  assert.match(deadline, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2} \(\d{2}:\d{2} UTC/, "a deadline in Berlin time, UTC beside it");
  // The URL follows the state 150 ms after a change (deflated asynchronously): poll for it.
  let state;
  for (let tries = 0; tries < 50 && state?.release.status_since !== "2026-12-04T15:00:00Z"; tries += 1) {
    await page.waitForTimeout(100);
    const hash = await page.evaluate(() => location.hash);
    if (hash) state = stateOfHash(hash);
  }
  assert.equal(state.release.status_since, "2026-12-04T15:00:00Z");
});

test("the timeline zooms in around now and back out; a deadline's flag stays on top of a step due with it", async (t) => {
  const page = await open(t);
  await fixStart(page);
  await scrubTo(page, 26 * 60);
  const shown = async () => page.locator("#timeline svg").evaluate((svg) => ({
    start: Date.parse(svg.dataset.start), end: Date.parse(svg.dataset.end),
  }));
  const span = Number(await page.getAttribute("#now", "max")) * 60_000;
  const since = Date.parse("2026-11-23T09:00:00Z");
  const now = since + 26 * 3_600_000;
  assert.deepEqual(await shown(), { start: since, end: since + span }, "at first the axis is the whole span");
  assert.equal(await page.isDisabled("#zoom-out"), true);

  await page.click("#zoom-in");
  await page.click("#zoom-in");
  const zoomed = await shown();
  assert.equal(zoomed.end - zoomed.start, span / 4);
  assert.ok(zoomed.start <= now && now <= zoomed.end, "now stays in view");
  assert.match(await page.textContent("#zoom-text"), /^×4: .* around now$/);
  await page.locator(".scrub").screenshot({ path: path.join(shots, "timeline-zoomed-x4.png") });
  // Finer ticks when zoomed: hours, not days.
  const ticks = await page.locator("#timeline svg .tick").allTextContents();
  assert.ok(ticks.some((label) => /^\d\d:\d\d$/.test(label)), `ticks: ${ticks.join(", ")}`);

  // With the keyboard, zooming in as far as it goes leaves focus on Zoom out, not on the body.
  await page.focus("#zoom-in");
  await page.keyboard.press("Enter"); // ×8
  await page.keyboard.press("Enter"); // ×16, the most
  assert.equal(await page.isDisabled("#zoom-in"), true);
  assert.equal(await page.evaluate(() => document.activeElement?.id), "zoom-out");

  await page.click("#zoom-fit");
  assert.deepEqual(await shown(), { start: since, end: since + span });

  // Every visible deadline flag is the topmost thing where it is drawn: no R/E mark hides it.
  const hidden = await page.evaluate(() => [...document.querySelectorAll("#timeline .deadline-mark")]
    .map((mark) => {
      const box = mark.getBoundingClientRect();
      const top = document.elementFromPoint(box.x + box.width / 2, box.y + box.height / 2);
      return top?.closest(".deadline") ? null : `${mark.closest(".lane").dataset.level}: ${top?.outerHTML.slice(0, 60)}`;
    })
    .filter(Boolean));
  assert.ok((await page.locator("#timeline .deadline-mark").count()) > 0);
  assert.deepEqual(hidden, []);
});
