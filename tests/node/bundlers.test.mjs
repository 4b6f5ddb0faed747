// The npm package through a bundler, as the package README's recipes say: esbuild for a server
// (the package kept external) and for a browser (the module emitted as a file and passed to
// `init`), Vite and webpack 5 for a browser (no configuration), each bundle run for real, in
// Node.js and in Debian's Chromium.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { createServer } from "node:http";
import path from "node:path";
import { build } from "esbuild";
import { build as viteBuild } from "vite";
import webpack from "webpack";
import { chromium } from "playwright-core";
import { Policy } from "kiket-release-policy";
import { root } from "./helpers.mjs";

const here = path.dirname(new URL(import.meta.url).pathname);
const sample = readFileSync(path.join(root, "examples/pending-release.json"), "utf8");
const expected = Policy.builtin().evaluate(sample);

test("esbuild, server bundle (the package external): the bundle runs in Node.js", async () => {
  const out = mkdtempSync(path.join(here, "work", "esbuild-node-"));
  writeFileSync(path.join(out, "server.mjs"), `import { Policy } from "kiket-release-policy";\nconsole.log(JSON.stringify(Policy.builtin().evaluate(${JSON.stringify(sample)})));\n`);
  await build({ entryPoints: [path.join(out, "server.mjs")], bundle: true, platform: "node", format: "esm", external: ["kiket-release-policy"], outfile: path.join(out, "bundle.mjs"), logLevel: "silent", absWorkingDir: here });
  const run = spawnSync(process.execPath, [path.join(out, "bundle.mjs")], { encoding: "utf8", cwd: here });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), expected);
});

test("webpack 5, server bundle (target node, the package external): the bundle runs in Node.js", async () => {
  const out = mkdtempSync(path.join(here, "work", "webpack-node-"));
  writeFileSync(path.join(out, "server.js"), `const { Policy } = require("kiket-release-policy");\nconsole.log(JSON.stringify(Policy.builtin().evaluate(${JSON.stringify(sample)})));\n`);
  const stats = await new Promise((resolve, reject) => webpack({
    mode: "production", target: "node", context: out, entry: "./server.js", externals: { "kiket-release-policy": "commonjs kiket-release-policy" },
    output: { path: path.join(out, "dist"), filename: "server.cjs" },
  }, (error, result) => (error ? reject(error) : resolve(result))));
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  const run = spawnSync(process.execPath, [path.join(out, "dist", "server.cjs")], { encoding: "utf8", cwd: here });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), expected);
});

// The page each browser bundle is built from: initialise, evaluate the sample, leave the answer on
// the body.
const browserApp = (initCall) => `import init, { Policy } from "kiket-release-policy/web";
${initCall}
document.body.dataset.answer = JSON.stringify(Policy.builtin().evaluate(${JSON.stringify(sample)}));
`;

/** Serves `dist` over HTTP, opens its index.html in Chromium and returns the answer the page left. */
async function answerInChromium(t, dist) {
  const types = { ".html": "text/html", ".js": "text/javascript", ".wasm": "application/wasm" };
  const server = createServer((req, res) => {
    const file = path.join(dist, decodeURIComponent(new URL(req.url, "http://x").pathname));
    try {
      const body = readFileSync(file.endsWith("/") ? path.join(file, "index.html") : file);
      res.writeHead(200, { "content-type": types[path.extname(file)] ?? "text/html" }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", headless: true, args: ["--no-sandbox", "--disable-gpu"] });
  t.after(() => browser.close());
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("response", (r) => r.status() >= 400 && errors.push(`${r.status()} ${r.url()}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/`);
  await page.waitForFunction(() => document.body.dataset.answer, null, { timeout: 15_000 }).catch(() => {});
  assert.deepEqual(errors, []);
  return JSON.parse(await page.evaluate(() => document.body.dataset.answer ?? "null"));
}

test("esbuild, browser bundle (the module emitted as a file, its URL given to init): the page answers in Chromium", async (t) => {
  const out = mkdtempSync(path.join(here, "work", "esbuild-web-"));
  writeFileSync(path.join(out, "app.mjs"), browserApp(`import moduleUrl from "kiket-release-policy/web/release_policy_bg.wasm";
await init({ module_or_path: moduleUrl });`));
  await build({
    entryPoints: [path.join(out, "app.mjs")], bundle: true, format: "esm", platform: "browser", loader: { ".wasm": "file" },
    outdir: path.join(out, "dist"), logLevel: "silent", absWorkingDir: here,
  });
  writeFileSync(path.join(out, "dist", "index.html"), `<!doctype html><meta charset="utf-8"><title>bundle</title><script type="module" src="app.js"></script>`);
  assert.deepEqual(await answerInChromium(t, path.join(out, "dist")), expected);
});

test("Vite build (the module found through import.meta.url, no configuration): the page answers in Chromium", async (t) => {
  const out = mkdtempSync(path.join(here, "work", "vite-"));
  writeFileSync(path.join(out, "app.js"), browserApp("await init();"));
  writeFileSync(path.join(out, "index.html"), `<!doctype html><meta charset="utf-8"><title>bundle</title><script type="module" src="./app.js"></script>`);
  await viteBuild({ root: out, logLevel: "silent", configFile: false, build: { outDir: "dist", target: "es2022" } });
  assert.ok(readdirSync(path.join(out, "dist", "assets")).some((f) => f.endsWith(".wasm")), "Vite emitted the module");
  assert.deepEqual(await answerInChromium(t, path.join(out, "dist")), expected);
});

test("webpack 5 build (the module found through import.meta.url, no loader): the page answers in Chromium", async (t) => {
  const out = mkdtempSync(path.join(here, "work", "webpack-"));
  writeFileSync(path.join(out, "app.js"), browserApp("await init();"));
  const stats = await new Promise((resolve, reject) => webpack({
    mode: "production", context: out, entry: "./app.js", output: { path: path.join(out, "dist"), filename: "app.js" },
  }, (error, result) => (error ? reject(error) : resolve(result))));
  assert.ok(!stats.hasErrors(), stats.toString("errors-only"));
  assert.ok(readdirSync(path.join(out, "dist")).some((f) => f.endsWith(".wasm")), "webpack emitted the module");
  writeFileSync(path.join(out, "dist", "index.html"), `<!doctype html><meta charset="utf-8"><title>bundle</title><script src="app.js"></script>`);
  assert.deepEqual(await answerInChromium(t, path.join(out, "dist")), expected);
});
