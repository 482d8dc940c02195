#!/usr/bin/env node
// Builds JavaScript rule plugins into components with componentize-js, against the WIT folder
// pinned in wit.mjs, and generates the contract's TypeScript declarations.
//
//   node plugins/js/build.mjs                  every plugin under plugins/js/examples and plugins/js/test
//   node plugins/js/build.mjs <entry.js> [out] one plugin (out: plugins/target/js/<folder name>.wasm)
//
// Output: plugins/target/js/<name>.wasm (never committed) and plugins/target/js/types/*.d.ts.
import { existsSync, readdirSync } from "node:fs";
import { mkdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

import { generateTypes } from "./types.mjs";
import { WIT_DIR, WORLD } from "./wit.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
// Where the command was run: messages name paths from here.
const START = process.cwd();
const OUT_DIR = resolve(HERE, "../target/js");
// Each plugin is a folder holding this entry module.
const ENTRY = "plugin.js";
// componentize-js's engine otherwise imports wasi:http (fetch and the fetch event), which gwb
// does not give plugins and refuses before instantiating.
const DISABLED_FEATURES = ["http", "fetch-event"];

function fail(message) {
  console.error(`build.mjs: ${message}`);
  process.exit(1);
}

let componentize;
try {
  ({ componentize } = await import("@bytecodealliance/componentize-js"));
} catch (e) {
  fail(`cannot load componentize-js (${e.message}): run \`npm ci --prefix plugins/js\` (or scripts/prereqs.sh)`);
}

/** The deepest folder holding both paths: componentize-js resolves relative imports only below it. */
function commonAncestor(a, b) {
  const x = a.split(sep);
  const y = b.split(sep);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  return x.slice(0, i).join(sep) || sep;
}

async function build(entry, out) {
  const started = performance.now();
  // componentize-js maps the working directory to `/` inside the build; the entry and the SDK
  // it imports by relative path must both lie below it.
  process.chdir(commonAncestor(dirname(entry), join(HERE, "sdk")));
  const { component } = await componentize({
    sourcePath: entry,
    witPath: WIT_DIR,
    worldName: WORLD,
    disableFeatures: DISABLED_FEATURES,
  });
  await mkdir(dirname(out), { recursive: true });
  await writeFile(out, component);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`built ${relative(START, out)} (${component.length} bytes, ${seconds} s)`);
}

function allPlugins() {
  const found = [];
  for (const group of ["examples", "test"]) {
    const dir = join(HERE, group);
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir).sort()) {
      const entry = join(dir, name, ENTRY);
      if (existsSync(entry)) found.push([entry, join(OUT_DIR, `${name}.wasm`)]);
    }
  }
  return found;
}

const [arg, outArg] = process.argv.slice(2);
let jobs;
if (arg === undefined) {
  jobs = allPlugins();
} else {
  const entry = resolve(arg);
  if (!existsSync(entry) || !(await stat(entry)).isFile()) fail(`${arg}: no such file; give a plugin's entry module`);
  jobs = [[entry, resolve(outArg ?? join(OUT_DIR, `${basename(dirname(entry))}.wasm`))]];
}
await generateTypes(join(OUT_DIR, "types"));
for (const [entry, out] of jobs) {
  try {
    await build(entry, out);
  } catch (e) {
    fail(`${entry}: ${e instanceof Error ? e.message : e}`);
  }
}
