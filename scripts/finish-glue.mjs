// Finishes wasm-bindgen's glue for the npm package (make pkg-web, pkg-authoring): the few edits the
// generator has no option for. Each edit checks that the generated code still has the shape it
// expects, and fails the build otherwise, so a wasm-bindgen upgrade cannot silently undo one.
//
//   node scripts/finish-glue.mjs <dir>   (a folder holding node/ and web/: pkg or pkg/authoring)
import { readFileSync, writeFileSync, readdirSync, rmSync, statSync } from "node:fs";
import path from "node:path";

const [dir] = process.argv.slice(2);
if (!dir) throw new Error("usage: node scripts/finish-glue.mjs <dir holding node/ and web/>");

function edit(file, from, to) {
  const text = readFileSync(file, "utf8");
  const count = text.split(from).length - 1;
  if (count === 0) throw new Error(`${file}: the generated code no longer contains ${JSON.stringify(from)}; update scripts/finish-glue.mjs`);
  writeFileSync(file, text.split(from).join(to));
}

function files(root) {
  return readdirSync(root).flatMap((name) => {
    const full = path.join(root, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

// 1. The inline JavaScript of src/js.rs is copied as ES modules; the Node.js glue is CommonJS and
//    `require`s them: there, each `export function f` becomes `exports.f = function f`.
for (const file of files(path.join(dir, "node", "snippets")).filter((f) => f.endsWith(".js"))) {
  edit(file, "\nexport function ", "\nexports.__EXPORT__");
  writeFileSync(file, readFileSync(file, "utf8").replace(/exports\.__EXPORT__([A-Za-z_]+)/g, "exports.$1 = function $1"));
}

// 2. One copy of the module: the Node.js glue reads the browser folder's.
edit(path.join(dir, "node", "release_policy.js"), "${__dirname}/release_policy_bg.wasm", "${__dirname}/../web/release_policy_bg.wasm");
rmSync(path.join(dir, "node", "release_policy_bg.wasm"));

// 3. In browsers, using `Policy` before `await init()` read a property of `undefined`
//    ("reading 'policy_builtin'"): until init, the module's exports are a stand-in that says so.
const web = path.join(dir, "web", "release_policy.js");
edit(
  web,
  "let wasmModule, wasmInstance, wasm;",
  'const NOT_READY = new Proxy({}, { get() { throw new Error("kiket-release-policy: call `await init()` (the module\'s default export) before using Policy"); } });\nlet wasmModule, wasmInstance, wasm = NOT_READY;',
);
edit(web, "if (wasm !== undefined) return wasm;", "if (wasm !== NOT_READY) return wasm;");

// 4. A freed `Policy` (after `free()`, or a `using` block) reached the module as a null pointer,
//    whose message ("null pointer passed to rust") says nothing to a JS user: each method checks
//    first, and throws a PolicyError that says what happened.
const FREED = `
function livePolicy(policy) {
  if (policy.__wbg_ptr !== 0) return policy.__wbg_ptr;
  const error = new Error("this Policy was freed (free() was called, or its \`using\` block ended); load the pack again");
  for (const [key, value] of Object.entries({ name: "PolicyError", kind: "request", message: error.message })) {
    Object.defineProperty(error, key, { value, enumerable: true, writable: true, configurable: true });
  }
  throw error;
}
`;
for (const glue of [path.join(dir, "node", "release_policy.js"), web]) {
  edit(glue, "(this.__wbg_ptr", "(livePolicy(this)");
  writeFileSync(glue, readFileSync(glue, "utf8") + FREED);
}
