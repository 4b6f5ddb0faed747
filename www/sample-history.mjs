// A realistic, reproducible release history for the built-in pack: releases move development →
// staging → pending_approval → production → completed (some roll back or fail), with the approvals
// the chain asks for, recorded by the people of the sample directory. Seeded: the same seed, count
// and `now` give the same history, in Node.js and in the browser.
//
//   node www/sample-history.mjs [--count N] [--seed S] [--now ISO] [--days D] [--jsonl]
//
// prints the analyze input (object form), or with --jsonl one release per line.

export const SAMPLE_DIRECTORY = {
  roles: {
    release_manager: ["rita"], qa_lead: ["quinn", "quincy"], engineering_lead: ["erin", "eli"], sre: ["sam", "sasha"],
    engineering_manager: ["mia"], director: ["dana"], sre_oncall: ["otto"],
  },
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** mulberry32: a tiny seeded generator, enough for sample data. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const iso = (ms) => new Date(Math.floor(ms / 60_000) * 60_000).toISOString().replace(".000Z", "Z");

/**
 * One release per call, oldest first in creation time.
 * @param {{count?: number, seed?: number, now?: string, days?: number}} options
 */
export function* releases({ count = 300, seed = 7, now = "2026-11-27T12:00:00Z", days = 120 } = {}) {
  const random = generator(seed);
  const pick = (items) => items[Math.floor(random() * items.length)];
  const between = (lo, hi) => lo + random() * (hi - lo);
  const end = Date.parse(now);
  for (let i = 0; i < count; i += 1) {
    const hotfix = random() < 0.15;
    const created = end - days * DAY + (i + random()) * ((days * DAY) / count);
    const priority = hotfix ? pick(["high", "critical", "critical"]) : pick(["low", "medium", "medium", "high", "high", "critical"]);
    const releaseType = hotfix ? null : pick(["major", "minor", "minor", "minor", "patch", "patch", "patch", "patch"]);
    const breaking = !hotfix && releaseType === "major" && random() < 0.5;
    const version = `v${3 + Math.floor(i / 400)}.${Math.floor(i / 20) % 20}.${i % 20}`;
    const history = [];
    const approvals = [];
    let t = created;
    const enter = (state) => history.push({ to: state, at: t });
    enter("development");
    t += hotfix ? between(1, 8) * HOUR : between(0.3, 6) * DAY;
    enter("staging");
    t += hotfix ? between(0.3, 2) * HOUR : between(0.2, 3) * DAY;
    enter("pending_approval");
    // The chain: level 1, level 2 (engineering and every SRE), 3 for critical or breaking, 4 for major.
    const fast = hotfix && priority === "critical" && random() < 0.8;
    const levels = [1, 2];
    if (!fast && (priority === "critical" || breaking)) levels.push(3);
    if (!fast && releaseType === "major") levels.push(4);
    // Now and then a release stalls in pending_approval: approved by QA, then nobody moves it on.
    const stalled = created > end - 20 * DAY && random() < 0.04;
    if (stalled) levels.length = 1;
    for (const level of levels) {
      const slow = random() < 0.06; // nobody answers: the ladder auto-approves at 48h
      const wait = () => (fast ? between(0.1, 0.9) : between(0.3, level >= 3 ? 20 : 9)) * HOUR;
      if (slow) {
        t += 48 * HOUR;
        continue;
      }
      const voters = level === 1 ? [pick(fast ? ["quinn", "otto"] : ["quinn", "quincy"])]
        : level === 2 ? [pick(["erin", "eli"]), "sam", "sasha"]
        : level === 3 ? ["mia"] : ["dana"];
      let done = t;
      for (const approver of voters) {
        const at = t + wait();
        approvals.push({ level, approver, decision: "approve", at });
        done = Math.max(done, at);
      }
      t = done;
    }
    if (stalled) t = Infinity;
    t += between(0.1, 2) * HOUR;
    enter("production");
    const outcome = random();
    t += between(0.5, 3) * DAY;
    enter(outcome < 0.07 ? "rollback" : outcome < 0.09 ? "failed" : "completed");

    // The release as it stands at `now`: only what has happened.
    const past = history.filter((h) => h.at <= end);
    const last = past[past.length - 1];
    const release = {
      id: `REL-${1000 + i}`,
      case_type: hotfix ? "Hotfix" : "Release",
      status: last.to,
      status_since: iso(last.at),
      priority,
      assignee: pick(["alice", "bob", "carol", "dave"]),
      requested_by: pick(["alice", "bob", "carol", "dave"]),
      custom_fields: hotfix ? { version_tag: version, severity: priority === "critical" ? "critical" : "high" } : { version_tag: version, release_type: releaseType },
      ...(last.to === "rollback" || last.to === "failed"
        ? { rollback: pick(["error rate above 5% after deploy", "migration locked a table", "p99 latency doubled", "feature flag misconfigured"]) }
        : {}),
      labels: breaking ? ["breaking-change"] : [],
      history: past.map((h) => ({ to: h.to, at: iso(h.at) })),
      approvals: approvals.filter((a) => a.at <= end).map((a) => ({ ...a, at: iso(a.at) })),
    };
    if (release.rollback) {
      if (!hotfix) release.custom_fields.rollback_reason = release.rollback;
      delete release.rollback;
    }
    yield release;
  }
}

/** The analyze input in object form. */
export function sampleInput(options = {}) {
  const now = options.now ?? "2026-11-27T12:00:00Z";
  return { now, directory: SAMPLE_DIRECTORY, releases: [...releases({ ...options, now })] };
}

// As a script: print the history.
if (typeof process !== "undefined" && import.meta.url === `file://${process.argv[1]}`) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const options = { count: Number(arg("--count", "300")), seed: Number(arg("--seed", "7")), now: arg("--now", "2026-11-27T12:00:00Z"), days: Number(arg("--days", "120")) };
  const out = process.stdout;
  const write = (text) => (out.write(text) ? Promise.resolve() : new Promise((r) => out.once("drain", r)));
  if (process.argv.includes("--jsonl")) {
    for (const release of releases(options)) await write(JSON.stringify(release) + "\n");
  } else {
    await write(`{"now":${JSON.stringify(options.now)},"directory":${JSON.stringify(SAMPLE_DIRECTORY)},"releases":[`);
    let first = true;
    for (const release of releases(options)) {
      await write((first ? "" : ",") + JSON.stringify(release));
      first = false;
    }
    await write("]}\n");
  }
}
