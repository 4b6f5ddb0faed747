// Differential test: generated requests through the native engine, the npm package and the plugin
// module give the same bytes. Seeded, so a failure reproduces.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Policy } from "kiket-release-policy";
import { native, plugin } from "./helpers.mjs";

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const USERS = ["quinn", "qiana", "erin", "sam", "sasha", "mia", "dana", "otto", "alice", "zed"];
const iso = (s) => new Date(s * 1000).toISOString().replace(".000Z", "Z");

function request(r) {
  const pick = (xs) => xs[Math.floor(r() * xs.length)];
  const since = 1_795_000_000 + Math.floor(r() * 7 * 86400);
  const now = since + Math.floor(r() * 8 * 86400);
  const approvals = Array.from({ length: Math.floor(r() * 8) }, () => ({
    level: 1 + Math.floor(r() * 4),
    approver: pick(USERS),
    decision: r() < 0.1 ? "reject" : "approve",
    at: iso(since + Math.floor((r() * 7 - 0.05) * 86400)),
  }));
  const req = {
    now: iso(now),
    release: {
      id: `REL-${Math.floor(r() * 1000)}`, case_type: r() < 0.2 ? "Hotfix" : "Release",
      status: pick(["pending_approval", "pending_approval", "pending_approval", "staging", "production", "development"]),
      status_since: iso(since), priority: pick(["low", "medium", "high", "critical"]),
      labels: r() < 0.3 ? ["breaking-change"] : [], requested_by: pick(USERS), approvals,
      custom_fields: {},
    },
    directory: { roles: { qa_lead: ["quinn", "qiana"], engineering_lead: ["erin"], sre: ["sam", "sasha"], engineering_manager: ["mia"], director: ["dana"], sre_oncall: ["otto"] },
      delegations: r() < 0.3 ? [{ from: "dana", to: "mia", start: iso(since), end: iso(since + Math.floor(r() * 4 * 86400) + 3600) }] : [] },
    transition: { from: "pending_approval", to: "production" },
  };
  if (req.release.case_type === "Hotfix") req.release.custom_fields = { severity: pick(["critical", "high"]), version_tag: "v1.0.1" };
  else req.release.custom_fields = { release_type: pick(["major", "minor", "patch"]), version_tag: "v1.0.0" };
  if (r() < 0.3) req.calendar = { timezone: "Europe/Berlin", holidays: ["2026-12-25"] };
  if (r() < 0.05) req.release.status = "shipped"; // an invalid request now and then
  return JSON.stringify(req);
}

test("300 generated requests: native, npm package and plugin module agree byte for byte", async () => {
  const policy = Policy.builtin();
  const { call } = await plugin();
  const r = rng(20261127);
  let errors = 0;
  for (let i = 0; i < 300; i++) {
    const text = request(r);
    for (const op of ["evaluate", "guard", "timeline"]) {
      const mine = native(op, text);
      assert.equal(call(op, 0, text).json, mine.json, `request ${i} ${op}: ${text}`);
      if (mine.status === 0 || op === "guard") {
        assert.equal(JSON.stringify(policy[op](text)), mine.json, `request ${i} ${op}`);
      } else {
        errors++;
        assert.throws(() => policy[op](text), (e) => e.message === JSON.parse(mine.json).error.message);
      }
    }
  }
  assert.ok(errors > 0 && errors < 300, `some invalid requests were exercised (${errors})`);
});
