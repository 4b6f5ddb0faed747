#!/usr/bin/env node
// release-policy-wasm: the engine's WebAssembly build on the command line, for JS tooling and CI.
// Usage: release-policy-wasm <evaluate|guard|timeline> [FILE|-]
// Prints the JSON answer; exits 0, or 2 with the error JSON on bad input, 1 on internal failure.
import { readFileSync } from "node:fs";
import { Policy } from "../node/release_policy.js";

const [command, file = "-"] = process.argv.slice(2);
const usage = "usage: release-policy-wasm <evaluate|guard|timeline> [FILE|-]";
if (!["evaluate", "guard", "timeline"].includes(command)) {
  console.log(JSON.stringify({ error: { kind: "request", message: usage } }, null, 2));
  process.exit(2);
}
let text;
try {
  text = readFileSync(file === "-" ? 0 : file, "utf8");
} catch (e) {
  console.log(JSON.stringify({ error: { kind: "request", message: `cannot read ${file}: ${e.message}` } }, null, 2));
  process.exit(2);
}
const policy = Policy.builtin();
try {
  const answer = policy[command](text);
  console.log(JSON.stringify(answer, null, 2));
  // A guard answers deny for a bad request; like the native CLI, that is exit 2.
  process.exit(command === "guard" && answer?.metadata?.error ? 2 : 0);
} catch (e) {
  const { message, ...fields } = e;
  console.log(JSON.stringify({ error: { message, ...fields } }, null, 2));
  process.exit(e.kind === "internal" ? 1 : 2);
}
