// The dashboard's analysis off the page's thread: generates the seeded sample history and runs
// `policy.analyze` on it, reporting progress, so that a history of 20,000 releases never freezes
// the page. One message in (the sample's options), progress messages out, then the answer.
import init, { Policy } from "/pkg/web/release_policy.js";
import { releases, SAMPLE_DIRECTORY } from "./sample-history.mjs";

const policy = init().then(() => Policy.builtin());

self.onmessage = async ({ data: options }) => {
  const engine = await policy;
  const started = performance.now();
  const history = [];
  // About fifty progress messages while generating, whatever the count.
  const every = Math.max(1, Math.ceil(options.count / 50));
  for (const release of releases(options)) {
    history.push(release);
    if (history.length % every === 0) postMessage({ phase: "generating", done: history.length, total: options.count });
  }
  const generated = performance.now();
  postMessage({ phase: "analysing", total: history.length });
  try {
    const answer = engine.analyze({ now: options.now, directory: SAMPLE_DIRECTORY, releases: history });
    postMessage({ phase: "done", answer, generatedMs: generated - started, analysedMs: performance.now() - generated });
  } catch (error) {
    postMessage({ phase: "failed", error: { message: error.message, path: error.path } });
  }
};
