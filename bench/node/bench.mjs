// make bench (Node.js part): the npm package on a typical pending release, beside peers measured in
// the same run. Prints medians and ratios; asserts nothing (performance lives here, not in tests).
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { Engine } from "json-rules-engine";
import { Policy } from "kiket-release-policy";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");

// The typical pending release of the native benchmark: 2 approvals, a directory of 6 roles.
const request = {
  now: "2026-11-30T15:00:00Z",
  release: {
    id: "REL-42", title: "Release v3.0.0", case_type: "Release", status: "pending_approval", status_since: "2026-11-30T09:00:00Z",
    priority: "high", labels: ["breaking-change"], assignee: "alice", reporter: "alice", requested_by: "alice",
    custom_fields: { release_type: "minor", version_tag: "v3.0.0", changelog: "Fixes" },
    approvals: [
      { level: 1, approver: "quinn", decision: "approve", at: "2026-11-30T10:00:00Z" },
      { level: 2, group: "sre", approver: "sam", decision: "approve", at: "2026-11-30T11:00:00Z" },
    ],
  },
  directory: { roles: { qa_lead: ["quinn"], engineering_lead: ["erin"], sre: ["sam", "sasha"], engineering_manager: ["mia"], director: ["dana"], sre_oncall: ["otto"] } },
};

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function time(label, runs, fn) {
  for (let i = 0; i < Math.min(200, runs); i++) await fn();
  const samples = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    samples.push((performance.now() - t) * 1000);
  }
  const m = median(samples);
  console.log(`${label.padEnd(62)} ${m.toFixed(2).padStart(9)} µs (median of ${runs})`);
  return m;
}

function coldStart(code) {
  const runs = [];
  for (let i = 0; i < 7; i++) {
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", code], { cwd: here, encoding: "utf8" });
    if (out.status !== 0) throw new Error(out.stderr);
    runs.push(Number(out.stdout.trim()));
  }
  return median(runs);
}

const policy = Policy.builtin();
console.log("Node.js", process.version, "— kiket-release-policy (WebAssembly) vs peers, same run\n");
const evaluate = await time("policy.evaluate(object) — typical pending release", 5000, () => policy.evaluate(request));
const evaluateText = await time("policy.evaluate(JSON text)", 5000, () => policy.evaluate(JSON.stringify(request)));
const batch = Array.from({ length: 2000 }, (_, i) => ({ ...request, release: { ...request.release, id: `REL-${i}` } }));
const many = await time("policy.evaluateMany(2,000 requests), total", 20, () => policy.evaluateMany(batch));

// The floor of any API that answers SPEC §5's plain object: V8 building that object from its JSON
// text (JSON.parse is V8's fastest way to build a large object graph).
const answerText = JSON.stringify(policy.evaluate(request));
const floor = await time(`floor: JSON.parse of the answer alone (${answerText.length} bytes)`, 5000, () => JSON.parse(answerText));

// json-rules-engine: only the three condition rules of the same release (levels 3 and 4, fast track).
const engine = new Engine([
  { name: "manager sign-off", conditions: { any: [{ fact: "priority", operator: "equal", value: "critical" }, { fact: "labels", operator: "contains", value: "breaking-change" }] }, event: { type: "level-3" } },
  { name: "director approval", conditions: { all: [{ fact: "release_type", operator: "equal", value: "major" }] }, event: { type: "level-4" } },
  { name: "hotfix fast track", conditions: { all: [{ fact: "case_type", operator: "equal", value: "Hotfix" }, { fact: "severity", operator: "equal", value: "critical" }, { fact: "status", operator: "equal", value: "pending_approval" }] }, event: { type: "fast-track" } },
], { allowUndefinedFacts: true });
const facts = { priority: "high", labels: ["breaking-change"], release_type: "minor", case_type: "Release", severity: null, status: "pending_approval" };
const rules = await time("peer: json-rules-engine, the 3 condition rules only", 5000, () => engine.run(facts));

const ours = coldStart(`const t=performance.now(); const { Policy } = await import("kiket-release-policy"); Policy.builtin(); console.log(performance.now()-t);`);
const importOnly = coldStart(`const t=performance.now(); const { Policy } = await import("kiket-release-policy"); console.log(performance.now()-t);`);
const cedar = coldStart(`const t=performance.now(); const cedar = await import("@cedar-policy/cedar-wasm/nodejs"); cedar.getCedarVersion(); console.log(performance.now()-t);`);
// Floors of any cold start here: Node's first ES module import (of an empty module), and V8
// compiling (validating) our module's bytes with nothing else.
const emptyModule = path.join(tmpdir(), "kiket-bench-empty-module.mjs");
writeFileSync(emptyModule, "export default 1;\n");
const emptyImport = coldStart(`const t=performance.now(); await import(${JSON.stringify(pathToFileURL(emptyModule).href)}); console.log(performance.now()-t);`);
const wasmFile = JSON.stringify(path.join(root, "pkg/web/release_policy_bg.wasm"));
const compileOnly = coldStart(`import { readFileSync } from "node:fs"; const t=performance.now(); new WebAssembly.Module(readFileSync(${wasmFile})); console.log(performance.now()-t);`);
console.log(`${"cold start: import + Policy.builtin()".padEnd(62)} ${ours.toFixed(2).padStart(9)} ms (median of 7 processes)`);
console.log(`${"  of which import (compiling the module)".padEnd(62)} ${importOnly.toFixed(2).padStart(9)} ms (median of 7 processes)`);
console.log(`${"floor: Node's first import of an empty ES module file".padEnd(62)} ${emptyImport.toFixed(2).padStart(9)} ms (median of 7 processes)`);
console.log(`${"floor: reading and compiling the module alone".padEnd(62)} ${compileOnly.toFixed(2).padStart(9)} ms (median of 7 processes)`);
console.log(`${"peer: @cedar-policy/cedar-wasm cold start (import)".padEnd(62)} ${cedar.toFixed(2).padStart(9)} ms (median of 7 processes)`);

console.log("\nRatios (same run):");
console.log(`  json-rules-engine (3 rules) / policy.evaluate (the whole answer): ${(rules / evaluate).toFixed(2)}×`);
console.log(`  policy.evaluate(JSON text) / policy.evaluate(object): ${(evaluateText / evaluate).toFixed(2)}×`);
console.log(`  JSON.parse of the answer alone / policy.evaluate: ${(floor / evaluate).toFixed(2)}× (the part no engine can avoid)`);
console.log(`  evaluateMany per request: ${(many / 2000).toFixed(2)} µs = ${((many / 2000) / evaluate).toFixed(2)}× a single evaluate`);
console.log(`  cold start ours / cedar-wasm: ${(ours / cedar).toFixed(2)}×`);
console.log(`  the two floors / our cold start: ${((emptyImport + compileOnly) / ours).toFixed(2)}× (${(emptyImport + compileOnly).toFixed(1)} ms before any of our code runs)`);

console.log("\nSizes:");
// Budgets of the WebAssembly issue: plugin ≤ 250 KiB gzipped, JS module ≤ 300 KiB gzipped.
for (const [file, budget] of [["pkg/release-policy-plugin.wasm", 250 * 1024], ["pkg/web/release_policy_bg.wasm", 300 * 1024]]) {
  const bytes = readFileSync(path.join(root, file));
  const gzipped = gzipSync(bytes, { level: 9 }).length;
  console.log(`  ${file.padEnd(36)} ${String(statSync(path.join(root, file)).size).padStart(9)} bytes, ${String(gzipped).padStart(7)} gzipped (budget ${budget}: ${(gzipped / budget).toFixed(2)}×)`);
}
