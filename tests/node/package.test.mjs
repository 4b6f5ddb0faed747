// The npm package as a user installs it: `npm install <tarball>`, then a plain import, no init call.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync, mkdtempSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { Policy } from "kiket-release-policy";
import { root, scenarios, native, plugin, nativeBin } from "./helpers.mjs";
import { sampleInput } from "../../www/sample-history.mjs";

const sample = readFileSync(path.join(root, "examples/pending-release.json"), "utf8");
const upstreamDir = process.env.KIKET_UPSTREAM_PACK ?? [path.join(root, "../shared/upstream/kiket-definitions-release-mgmt/.kiket"), "/work/shared/upstream/kiket-definitions-release-mgmt/.kiket"].find((d) => { try { return statSync(d).isDirectory(); } catch { return false; } });

function packFiles(dir) {
  const files = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (name.endsWith(".yaml")) files[path.relative(dir, full)] = readFileSync(full, "utf8");
    }
  };
  walk(dir);
  return files;
}

test("evaluate takes an object or JSON text and answers SPEC §5's shape", () => {
  const policy = Policy.builtin();
  const fromText = policy.evaluate(sample);
  const fromObject = policy.evaluate(JSON.parse(sample));
  assert.deepEqual(fromObject, fromText);
  assert.deepEqual(Object.keys(fromText), ["release_id", "status", "chain", "escalation", "sla", "recipes", "transitions", "audit", "warnings", "wake_at"]);
  assert.equal(fromText.chain.state, "in_progress");
  assert.equal(fromText.chain.current_level, 2);
  assert.equal(fromText.wake_at, "2026-11-27T18:00:00Z");
});

test("a bad request throws an Error carrying the structured error", () => {
  const policy = Policy.builtin();
  const bad = JSON.parse(sample);
  bad.release.approvals[0].at = "2026-11-27T10:00:00";
  assert.throws(() => policy.evaluate(bad), (e) => e instanceof Error && e.kind === "request" && e.path === "release.approvals[0].at" && /RFC 3339/.test(e.message));
});

test("every mistake is a PolicyError with a clear message and path, and survives JSON.stringify", () => {
  const policy = Policy.builtin();
  const error = (f) => {
    try {
      f();
    } catch (e) {
      return e;
    }
    assert.fail("it should have thrown");
  };
  for (const [input, message] of [[undefined, /must be an object or its JSON text, not undefined/], [null, /not null/], [42, /not a number/], [[], /not a list/]]) {
    const e = error(() => policy.evaluate(input));
    assert.equal(e.name, "PolicyError");
    assert.equal(e.kind, "request");
    assert.match(e.message, message);
  }
  assert.match(error(() => policy.evaluate("[]")).message, /a request is a JSON object .*not a list/);
  // A missing field is named; an object's error does not point into JSON the caller never wrote.
  const { now, ...withoutNow } = JSON.parse(sample);
  const missing = error(() => policy.evaluate(withoutNow));
  assert.equal(missing.path, "now");
  assert.doesNotMatch(missing.message, /at line \d+ column/);
  assert.match(error(() => policy.evaluate(JSON.stringify(withoutNow))).message, /missing field `now` at line 1 column/);
  const round = JSON.parse(JSON.stringify(missing));
  assert.deepEqual([round.name, round.kind, round.path, round.message], ["PolicyError", "request", "now", missing.message]);
  // A freed policy says so, instead of the module's "null pointer passed to rust".
  const freed = Policy.fromPack(Policy.builtinFiles());
  freed.free();
  const gone = error(() => freed.evaluate(sample));
  assert.equal(gone.name, "PolicyError");
  assert.match(gone.message, /this Policy was freed/);
  // The guard never throws: the same mistakes deny, saying why.
  const deny = policy.guard(undefined);
  assert.equal(deny.status, "deny");
  assert.match(deny.message, /not undefined/);
});

test("the browser build used before init() says to call it; after initSync it answers as Node does", async () => {
  const web = await import("kiket-release-policy/web");
  assert.throws(() => web.Policy.builtin(), /call `await init\(\)` \(the module's default export\) before using Policy/);
  web.initSync({ module: readFileSync(path.join(root, "pkg/web/release_policy_bg.wasm")) });
  assert.deepEqual(web.Policy.builtin().evaluate(sample), Policy.builtin().evaluate(sample));
});

test("evaluateMany answers each request in place, a bad one as { error }", () => {
  const policy = Policy.builtin();
  const answers = policy.evaluateMany([sample, { now: "nope" }, JSON.parse(sample)]);
  assert.equal(answers.length, 3);
  assert.equal(answers[0].release_id, "REL-42");
  assert.equal(answers[1].error.kind, "request");
  assert.deepEqual(answers[2], answers[0]);
});

test("evaluateMany keeps order and errors in place across its internal chunks of 256", () => {
  const policy = Policy.builtin();
  const base = JSON.parse(sample);
  const batch = Array.from({ length: 600 }, (_, i) => ({ ...base, release: { ...base.release, id: `REL-${i}` } }));
  batch[300] = { now: "nope" };
  const cyclic = { ...base };
  cyclic.self = cyclic;
  batch[520] = cyclic;
  const answers = policy.evaluateMany(batch);
  assert.equal(answers.length, 600);
  assert.deepEqual(answers.map((a) => a.release_id ?? null), batch.map((r, i) => (i === 300 || i === 520 ? null : `REL-${i}`)));
  assert.equal(answers[300].error.kind, "request");
  assert.ok(answers[520] instanceof Error && answers[520].kind === "request", "a request JSON cannot hold is its own error; the rest of its chunk answers");
  assert.deepEqual(answers[599], policy.evaluate(batch[599]));
  assert.deepEqual(policy.evaluateMany([]), []);
});

test("guard never throws; timeline is in time order", () => {
  const policy = Policy.builtin();
  assert.equal(policy.guard(sample).status, "pending");
  assert.equal(policy.guard("{ not json").status, "deny");
  const { events } = policy.timeline(sample);
  const times = events.map((e) => e.at);
  assert.deepEqual(times, [...times].sort());
  assert.equal(events.at(-1).kind, "chain_complete");
  const history = { now: "2026-11-27T12:00:00Z", releases: [
    { id: "A", case_type: "Release", status: "rollback", status_since: "2026-11-22T10:00:00Z", custom_fields: { release_type: "patch" } },
    { id: "B", case_type: "Release", status: "completed", status_since: "2026-11-22T10:00:00Z", custom_fields: { release_type: "patch" } }] };
  assert.equal(policy.analyze(history).rollback_rate, 50);
  assert.deepEqual(policy.analyze(JSON.stringify(history)), policy.analyze(history));
  history.releases[1].status = "shipped";
  assert.throws(() => policy.analyze(history), (e) => e.kind === "request" && e.path === "releases[1].status");
});

test("fromPack loads the upstream pack (text or parsed objects) and reports broken packs", () => {
  assert.ok(upstreamDir, "the upstream pack is needed (KIKET_UPSTREAM_PACK)");
  const files = packFiles(upstreamDir);
  const upstream = Policy.fromPack(files);
  assert.equal(upstream.warnings().length, 3);
  assert.deepEqual(upstream.evaluate(sample), Policy.builtin().evaluate(sample));
  // A file may be given as a parsed object instead of YAML text.
  const workspace = { workspace: { key: "RELEASE", name: "Release Management", team: { roles: ["release_manager", "qa_lead", "sre", "engineering_lead"].map((name) => ({ name })) } } };
  const withObject = Policy.fromPack({ ...files, "workspace.yaml": workspace });
  assert.equal(withObject.warnings().length, 3);
  assert.deepEqual(withObject.evaluate(sample), upstream.evaluate(sample));
  const broken = { ...files, "workflows/release.yaml": files["workflows/release.yaml"].replace("operator: contains", "operator: containz") };
  assert.throws(() => Policy.fromPack(broken), (e) => e.kind === "definitions" && e.file === "workflows/release.yaml" && e.line === 161 && /unknown operator `containz`/.test(e.message));
  const report = Policy.validate(broken);
  assert.equal(report.error.kind, "definitions");
  assert.equal(Policy.validate(files).ok, true);
});

test("outline and builtinFiles give a form what it needs without parsing YAML", () => {
  const files = Policy.builtinFiles();
  assert.ok(files["workflows/release.yaml"].includes("approval_chain:"));
  assert.deepEqual(Policy.fromPack(files).evaluate(sample), Policy.builtin().evaluate(sample));
  const outline = Policy.builtin().outline();
  assert.deepEqual(outline.chain_levels.map((l) => l.name), ["QA Verification", "Technical Approval", "Manager Sign-off", "Director Approval"]);
  assert.ok(outline.roles.includes("sre_oncall"), "roles assigned by recipes are listed");
  assert.deepEqual(outline.case_types.find((c) => c.key === "Hotfix").fields.find((f) => f.key === "severity").options, ["critical", "high", "medium"]);
  assert.equal(outline.seed_cases.length, 6);
  assert.deepEqual(outline.calendar, { timezone: "UTC", working_days: ["mon", "tue", "wed", "thu", "fri"], hours: "09:00-17:00", holidays: [] });
});

test("the bin evaluates a request file with the Wasm module", () => {
  const bin = path.join(path.dirname(new URL(import.meta.resolve("kiket-release-policy")).pathname), "../bin/release-policy.mjs");
  const ok = spawnSync(process.execPath, [bin, "evaluate", path.join(root, "examples/pending-release.json")], { encoding: "utf8" });
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.equal(JSON.parse(ok.stdout).release_id, "REL-42");
  const bad = spawnSync(process.execPath, [bin, "evaluate", "-"], { input: "{}", encoding: "utf8" });
  assert.equal(bad.status, 2);
  assert.equal(JSON.parse(bad.stdout).error.kind, "request");
});

test("the bin has the native CLI's commands and options: --help, --version, --definitions, validate, analyze", () => {
  const bin = path.join(path.dirname(new URL(import.meta.resolve("kiket-release-policy")).pathname), "../bin/release-policy.mjs");
  const run = (args, input) => spawnSync(process.execPath, [bin, ...args], { encoding: "utf8", input });
  const help = run(["--help"]);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--definitions DIR/);
  const version = JSON.parse(readFileSync(path.join(root, "pkg/package.json"), "utf8")).version;
  assert.equal(run(["--version"]).stdout.trim(), `release-policy-wasm ${version}`);
  assert.equal(run(["frobnicate"]).status, 2);

  // validate: a pack folder (its .kiket/), exit 0; a broken one, exit 2 with the positioned error.
  assert.equal(run(["validate", path.dirname(upstreamDir)]).status, 0);
  const work = mkdtempSync(path.join(tmpdir(), "bin-"));
  const files = Policy.builtinFiles();
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    writeFileSync(path.join(work, file), text.replace("timeout: 4h", "timeout: 4 hours"));
  }
  const broken = run(["validate", work]);
  assert.equal(broken.status, 2);
  assert.equal(JSON.parse(broken.stdout).error.file, "workflows/release.yaml");

  // --definitions: the answer the native CLI gives for the same pack.
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(work, file), text.replace("timeout: 4h", "timeout: 90m"));
  const request = path.join(root, "examples/pending-release.json");
  const wasm = run(["evaluate", request, "--definitions", work, "--compact"]);
  assert.equal(wasm.status, 0, wasm.stdout);
  const nativeRun = spawnSync(nativeBin, ["evaluate", request, "--definitions", work, "--compact"], { encoding: "utf8" });
  assert.equal(wasm.stdout, nativeRun.stdout);
  assert.equal(JSON.parse(wasm.stdout).chain.levels[0].timeout, "90m");

  // analyze: JSON Lines with --now, as the native CLI reads them.
  const history = sampleInput({ count: 30 });
  const lines = history.releases.map((r) => JSON.stringify(r)).join("\n");
  const analyzed = run(["analyze", "--jsonl", "--now", history.now, "--compact"], lines);
  const nativeAnalyzed = spawnSync(nativeBin, ["analyze", "--jsonl", "--now", history.now, "--compact"], { encoding: "utf8", input: lines });
  assert.equal(analyzed.status, 0, analyzed.stdout);
  assert.deepEqual(JSON.parse(analyzed.stdout), JSON.parse(nativeAnalyzed.stdout));
});

test("the plugin module runs through the raw WebAssembly API with no imports", async () => {
  const { exports, call } = await plugin();
  assert.equal(exports.release_policy_abi_version(), 1);
  const answer = call("evaluate", 0, sample);
  assert.equal(answer.status, 0);
  assert.equal(answer.json, native("evaluate", sample).json);
  const bad = call("evaluate", 0, "{}");
  assert.equal(bad.status, 1);
  assert.equal(JSON.parse(bad.json).error.kind, "request");
});

test("every built-in-pack scenario: JS package, plugin and native answer the same bytes", async () => {
  const policy = Policy.builtin();
  const { call } = await plugin();
  const cases = scenarios();
  assert.ok(cases.length >= 30);
  for (const s of cases) {
    const mine = native(s.operation, s.request);
    const viaPlugin = call(s.operation, 0, s.request);
    assert.equal(viaPlugin.json, mine.json, s.name);
    if (mine.status === 0 || s.operation === "guard") {
      assert.equal(JSON.stringify(policy[s.operation](s.request)), mine.json, s.name);
    } else {
      assert.throws(() => policy[s.operation](s.request), (e) => JSON.parse(mine.json).error.message === e.message, s.name);
    }
  }
});

// ---------------------------------------------------------------------------------------------
// The authoring module (`kiket-release-policy/authoring`): policy tests, change impact, schemas.

const authoring = await import("kiket-release-policy/authoring");

function builtinTestFiles() {
  const dir = path.join(root, "definitions/tests");
  return Object.fromEntries(readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort().map((f) => [`tests/${f}`, readFileSync(path.join(dir, f), "utf8")]));
}

test("authoring: the built-in pack's own tests pass, with the CLI's counts and coverage", () => {
  const report = authoring.Policy.builtin().test(builtinTestFiles(), { coverage: true });
  const cli = spawnSync(nativeBin, ["test", "--format", "json", "--coverage"], { encoding: "utf8" });
  const native = JSON.parse(cli.stdout);
  assert.equal(report.failed, 0);
  assert.equal(report.passed, native.passed);
  assert.deepEqual(report.coverage, native.coverage);
  assert.ok(report.coverage.percent > 90);
});

test("authoring: a failing test names its first differing path; a malformed file throws at its line", () => {
  const policy = authoring.Policy.builtin();
  const failing = { "tests/x.yaml": `name: wrong\nrequest: ${sample.replace(/\n/g, " ")}\nexpect:\n  chain:\n    current_level: 4\n` };
  const report = policy.test(failing);
  assert.equal(report.failed, 1);
  assert.equal(report.tests[0].failure.path, "chain.current_level");
  assert.equal(report.tests[0].failure.expected, 4);
  assert.throws(() => policy.test({ "tests/bad.yaml": "name: x\nrequest: {}\nexpcet: {}\n" }), (e) => e.kind === "definitions" && e.line === 3 && /expect/.test(e.message));
});

test("authoring: diff answers what the CLI answers, for a list of requests and the object form", () => {
  const files = authoring.Policy.builtinFiles();
  files["workflows/release.yaml"] = files["workflows/release.yaml"].replace('- { field: priority, operator: "=", value: critical }', "- { field: priority, operator: in, value: [critical, high] }");
  const before = authoring.Policy.builtin();
  const after = authoring.Policy.fromPack(files);
  const base = JSON.parse(sample);
  const releases = ["low", "high", "critical"].map((priority, i) => ({ ...base.release, id: `REL-${i}`, priority, labels: [] }));
  const form = { now: base.now, directory: base.directory, calendar: base.calendar, releases };
  const fromForm = authoring.Policy.diff(before, after, form);
  const fromList = authoring.Policy.diff(before, after, releases.map((release) => ({ ...base, release })));
  assert.deepEqual(fromList, fromForm);
  assert.deepEqual(fromForm.changed.map((c) => c.release_id), ["REL-1"], "only the high-priority release changes");
  assert.ok(fromForm.changed[0].changes.some((c) => c.what === "level_required" && c.level === 3 && c.after === true));

  const work = mkdtempSync(path.join(tmpdir(), "diff-"));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(work, file)), { recursive: true });
    writeFileSync(path.join(work, file), text);
  }
  const cli = spawnSync(nativeBin, ["diff", "--base", path.join(root, "definitions"), "--definitions", work, "-", "--compact"], { input: JSON.stringify(form), encoding: "utf8" });
  assert.equal(cli.status, 0, cli.stdout);
  assert.deepEqual(fromForm, JSON.parse(cli.stdout));
});

test("authoring: schema() is the CLI's editor schemas", () => {
  const cli = spawnSync(nativeBin, ["schema", "--compact"], { encoding: "utf8" });
  assert.deepEqual(authoring.Policy.schema(), JSON.parse(cli.stdout));
});

test("`using policy = …` frees the policy when its block ends (TypeScript consumer, compiled by make test-node)", () => {
  const compiled = path.join(root, "tests/node/work/dispose/consumer-dispose.js");
  const run = spawnSync(process.execPath, [compiled], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^loaded\nPolicyError this Policy was freed/);
});
