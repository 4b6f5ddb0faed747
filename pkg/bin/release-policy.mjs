#!/usr/bin/env node
// release-policy-wasm: the engine's WebAssembly build on the command line, for JS tooling and CI:
// the native `release-policy`'s commands that need no native code, with its options and exit codes.
import { readFileSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { Policy } from "../node/release_policy.js";

const USAGE = `release-policy-wasm — the Kiket release policy engine (WebAssembly build)

USAGE:
    release-policy-wasm <COMMAND> [ARGS] [OPTIONS]

COMMANDS:
    evaluate [FILE|-]      Evaluate a release request (JSON, SPEC §3)
    guard [FILE|-]         Answer a transition guard: allow / pending / deny (request + \`transition\`)
    timeline [FILE|-]      The projected schedule if nobody acts
    analyze [FILE|-]       Deployment-health analytics: { now, releases: [...] }, or JSON Lines of
                           releases (a .jsonl/.ndjson file, or --jsonl) with --now
    validate [PACK_DIR]    Validate a definitions pack (default: the built-in pack)

OPTIONS:
    --definitions DIR      Use the pack in DIR (DIR holds workflows/, or a .kiket/ folder that does)
    --now INSTANT          analyze: the current time (required for JSON Lines)
    --jsonl                analyze: the input is JSON Lines
    --compact              Print answers on one line
    -h, --help             Print this help
    -V, --version          Print the version

Exit codes: 0 success, 2 bad input (error JSON on stdout), 1 internal failure.`;

function fail(message, code = 2) {
  console.log(JSON.stringify({ error: { kind: code === 2 ? "request" : "internal", message } }, null, 2));
  process.exit(code);
}

/** Arguments: the command, its positional arguments, and the options. */
function parse(argv) {
  const out = { command: null, positional: [], definitions: null, now: null, jsonl: false, compact: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => argv[++i] ?? fail(`\`${arg}\` needs a value; see --help`);
    if (arg === "-h" || arg === "--help" || arg === "help") {
      console.log(USAGE);
      process.exit(0);
    } else if (arg === "-V" || arg === "--version") {
      const { version } = createRequire(import.meta.url)("../package.json");
      console.log(`release-policy-wasm ${version}`);
      process.exit(0);
    } else if (arg === "--definitions") out.definitions = value();
    else if (arg === "--now") out.now = value();
    else if (arg === "--jsonl") out.jsonl = true;
    else if (arg === "--compact") out.compact = true;
    else if (arg.startsWith("--")) fail(`unknown option \`${arg}\`; see --help`);
    else if (out.command === null) out.command = arg;
    else out.positional.push(arg);
  }
  return out;
}

/** The YAML files of the pack in `dir` (or its `.kiket/`), by their path inside the pack. */
function packFiles(dir) {
  let root = dir;
  try {
    if (!statSync(path.join(dir, "workflows")).isDirectory()) throw new Error();
  } catch {
    try {
      if (statSync(path.join(dir, ".kiket")).isDirectory()) root = path.join(dir, ".kiket");
    } catch { /* the directory itself */ }
  }
  const files = {};
  const walk = (d) => {
    for (const name of readdirSync(d)) {
      const full = path.join(d, name);
      if (statSync(full).isDirectory()) walk(full);
      else if (/\.ya?ml$/.test(name)) files[path.relative(root, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  try {
    walk(root);
  } catch (e) {
    fail(`cannot read the pack in ${dir}: ${e.message}`);
  }
  return files;
}

function read(file) {
  try {
    return readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (e) {
    return fail(`cannot read ${file}: ${e.message}`);
  }
}

const args = parse(process.argv.slice(2));
const show = (value) => console.log(args.compact ? JSON.stringify(value) : JSON.stringify(value, null, 2));
if (args.command === null) fail("missing command; see --help");
if (args.positional.length > 1) fail(`unexpected argument \`${args.positional[1]}\`; see --help`);
const [argument] = args.positional;

if (args.command === "validate") {
  const dir = argument ?? args.definitions;
  const report = Policy.validate(dir ? packFiles(dir) : Policy.builtinFiles());
  show(report);
  process.exit(report.error ? 2 : 0);
}
if (!["evaluate", "guard", "timeline", "analyze"].includes(args.command)) fail(`unknown command \`${args.command}\`; see --help`);

let policy;
try {
  policy = args.definitions ? Policy.fromPack(packFiles(args.definitions)) : Policy.builtin();
} catch (e) {
  show({ error: { ...e, message: e.message } });
  process.exit(2);
}
const file = argument ?? "-";
let input = read(file);
if (args.command === "analyze") {
  const jsonl = args.jsonl || /\.(jsonl|ndjson)$/.test(file);
  if (jsonl) {
    if (!args.now) fail("JSON Lines need `--now INSTANT`: the history's lines do not say when now is");
    const releases = input.split("\n").filter((line) => line.trim()).map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (e) {
        return fail(`line ${i + 1} is not JSON: ${e.message}`);
      }
    });
    input = { now: args.now, releases };
  } else if (args.now) {
    try {
      input = { ...JSON.parse(input), now: args.now };
    } catch (e) {
      fail(`the input is not JSON: ${e.message}`);
    }
  }
}
try {
  const answer = policy[args.command](input);
  show(answer);
  // A guard answers deny for a bad request; like the native CLI, that is exit 2.
  process.exit(args.command === "guard" && answer?.metadata?.error ? 2 : 0);
} catch (e) {
  show({ error: { ...e, message: e.message } });
  process.exit(e.kind === "internal" ? 1 : 2);
}
