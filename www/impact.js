// The impact of the definitions edits (SPEC §12, what `release-policy diff` answers): the engine's
// `Policy.diff` between the pack before the edits and after, over the workspace's seed cases and a
// sample history. It runs in the package's authoring module, loaded on the first edit, so that the
// preview itself starts with the lean module. Computes nothing itself: the changes are the engine's.
import { releaseFromSeed } from "./state.js";
import { sampleInput, SAMPLE_DIRECTORY } from "./sample-history.mjs";

const SAMPLE_SIZE = 40;
let authoring = null;
/** The authoring module's policy for the pack the edits are made over, by its files. */
let before = { files: null, policy: null };

async function module() {
  if (!authoring) {
    authoring = await import("/pkg/authoring/web/release_policy.js");
    await authoring.default();
  }
  return authoring;
}

/**
 * What the edits change.
 * @param {{baseFiles: Record<string,string>, builtinBase: boolean, files: Record<string,string>, request: object}} input
 * @returns {Promise<{report: object, seeds: number, sample: number, titles: Map<string, string>}>}
 */
export async function impactOf({ baseFiles, builtinBase, files, request }) {
  const { Policy } = await module();
  if (before.files !== baseFiles) {
    before.policy?.free();
    before = { files: baseFiles, policy: builtinBase ? Policy.builtin() : Policy.fromPack(baseFiles) };
  }
  const outline = before.policy.outline();
  const seeds = outline.seed_cases.map((seed, i) => ({
    ...request,
    release: { ...releaseFromSeed(seed, outline, request.release.status_since), id: `SEED-${i + 1}` },
  }));
  // The sample history follows the built-in pack's states and people.
  const sample = builtinBase
    ? sampleInput({ count: SAMPLE_SIZE, now: request.now }).releases.map((release) => ({ now: request.now, directory: SAMPLE_DIRECTORY, release }))
    : [];
  const after = Policy.fromPack(files);
  try {
    const report = Policy.diff(before.policy, after, [...seeds, ...sample]);
    const titles = new Map(seeds.map((s) => [s.release.id, s.release.title]));
    return { report, seeds: seeds.length, sample: sample.length, titles };
  } finally {
    after.free();
  }
}

/** One change, for people: `level 3 Manager Sign-off now required`, `deadline of level 4: … → …`. */
export function changeText(change, names) {
  const level = change.level === undefined ? "" : `level ${change.level}${names.get(change.level) ? ` ${names.get(change.level)}` : ""}`;
  const value = (v) => (v === null ? "none" : Array.isArray(v) ? v.join(", ") || "nobody" : typeof v === "object" ? JSON.stringify(v) : String(v));
  switch (change.what) {
    case "level_required": return `${level} ${change.after ? "now required" : "no longer required"}`;
    case "transition": return `transition to ${change.to}: ${value(change.before)} → ${value(change.after)}`;
    case "error": return `refused: ${value(change.before)} → ${value(change.after)}`;
    default: return `${change.what.replace(/_/g, " ")}${level ? ` of ${level}` : ""}: ${value(change.before)} → ${value(change.after)}`;
  }
}
