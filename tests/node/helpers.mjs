// Shared by the Node.js tests: paths, the scenario corpus, the native CLI, and the plugin module
// driven through the raw WebAssembly API with no glue code.
import { readFileSync, readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import path from "node:path";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const nativeBin = process.env.RELEASE_POLICY_BIN ?? path.join(root, "target/debug/release-policy");

function mergePatch(target, patch) {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const out = target !== null && typeof target === "object" && !Array.isArray(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** The scenarios without pack edits (those run on the built-in pack), as request JSON text. */
export function scenarios() {
  const dir = path.join(root, "tests/scenarios");
  const base = JSON.parse(readFileSync(path.join(dir, "_base.json"), "utf8")).request;
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json") && !f.startsWith("_"))
    .sort()
    .map((f) => ({ name: f, ...JSON.parse(readFileSync(path.join(dir, f), "utf8")) }))
    .filter((s) => !s.pack_edits)
    .map((s) => ({ name: s.name, operation: s.operation ?? "evaluate", request: JSON.stringify(mergePatch(base, s.request ?? {})) }));
}

/** The native engine's answer bytes (the CLI with --compact), and its exit code. */
export function native(operation, requestText) {
  const run = spawnSync(nativeBin, [operation, "-", "--compact"], { input: requestText, encoding: "utf8" });
  if (run.error) throw run.error;
  return { status: run.status, json: run.stdout.trimEnd() };
}

/** The plugin module, instantiated with no imports at all. */
export async function plugin() {
  const bytes = readFileSync(path.join(root, "pkg/release-policy-plugin.wasm"));
  const { instance } = await WebAssembly.instantiate(bytes, {});
  const x = instance.exports;
  const call = (op, handle, text) => {
    const input = new TextEncoder().encode(text);
    const ptr = x.release_policy_alloc(input.length);
    new Uint8Array(x.memory.buffer, ptr, input.length).set(input);
    const result = op === "load" ? x.release_policy_load(ptr, input.length) : x[`release_policy_${op}`](handle, ptr, input.length);
    x.release_policy_free(ptr, input.length);
    const view = new DataView(x.memory.buffer, result, 8);
    const status = view.getUint32(0, true);
    const length = view.getUint32(4, true);
    const json = new TextDecoder().decode(new Uint8Array(x.memory.buffer, result + 8, length));
    x.release_policy_result_free(result);
    return { status, json };
  };
  return { exports: x, call };
}
