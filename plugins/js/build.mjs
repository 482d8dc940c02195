#!/usr/bin/env node
// Builds JavaScript rule plugins into components with componentize-js, against the WIT folder
// pinned in wit.mjs, and generates the contract's TypeScript declarations.
//
//   node plugins/js/build.mjs                  every plugin under plugins/js/examples and plugins/js/test
//   node plugins/js/build.mjs <entry.js> [out] one plugin (out: plugins/target/js/<folder name>.wasm)
//
// A plugin outside this checkout (e.g. one `gwb plugin new` wrote) imports the SDK by a relative
// path too; it is built from a copy of its folder and the SDK at the same paths in a temporary
// folder (see `workspace`).
//
// The component's entry is a module build.mjs writes next to the plugin for the build (and then
// deletes): it exports the plugin's `plugin` (definePlugin's result) as `gwb:rules/plugin` and
// the same stages with the group's facts as `gwb:rules/plugin-facts` (contract 1.1), so a
// plugin's entry module exports only `plugin`.
//
// Output: plugins/target/js/<name>.wasm (never committed) and plugins/target/js/types/*.d.ts.
import { existsSync, readdirSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, parse, relative, resolve, sep } from "node:path";
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

// Folders of a plugin that are not its source.
const NOT_SOURCE = new Set(["target", "node_modules", ".git"]);

/**
 * Where to build `entry`: componentize-js maps the working directory to `/` inside the build, so
 * the entry and the SDK it imports by relative path must both lie below it, and it cannot map the
 * filesystem root. When the root is their only common folder, the entry's folder (without build
 * output) and the SDK are copied into a temporary folder at their paths from the root, so the
 * relative imports resolve there as on disk.
 */
async function workspace(entry) {
  const sdk = join(HERE, "sdk");
  const common = commonAncestor(dirname(entry), sdk);
  if (common !== parse(common).root) return { dir: common, entry, temporary: false };
  const dir = await mkdtemp(join(tmpdir(), "gwb-js-build-"));
  const below = (path) => join(dir, relative(parse(path).root, path));
  for (const folder of [dirname(entry), sdk]) {
    await cp(folder, below(folder), {
      recursive: true,
      filter: (source) => source === folder || !NOT_SOURCE.has(basename(source)),
    });
  }
  return { dir, entry: below(entry), temporary: true };
}

/**
 * Writes the component's entry into `dir` (which holds `entry`) and returns its path: it exports
 * `plugin` and, as `pluginFacts`, the facts export definePlugin keeps under PLUGIN_FACTS
 * (gwb-plugin.js).
 */
async function componentEntry(dir, entry) {
  const path = join(dir, `.gwb-component-${process.pid}.js`);
  const from = JSON.stringify(`./${relative(dir, entry).split(sep).join("/")}`);
  await writeFile(
    path,
    `import { plugin } from ${from};
export { plugin };
export const pluginFacts = plugin?.[Symbol.for("gwb:rules/plugin-facts")];
if (pluginFacts === undefined) {
  throw new Error(${JSON.stringify(`${basename(entry)} must export plugin = definePlugin({...}) (sdk/gwb-plugin.js)`)});
}
`,
  );
  return path;
}

async function build(entry, out) {
  const started = performance.now();
  const work = await workspace(entry);
  let component;
  let source;
  try {
    source = await componentEntry(work.dir, work.entry);
    process.chdir(work.dir);
    ({ component } = await componentize({
      sourcePath: source,
      witPath: WIT_DIR,
      worldName: WORLD,
      disableFeatures: DISABLED_FEATURES,
    }));
  } finally {
    process.chdir(START);
    if (work.temporary) await rm(work.dir, { recursive: true, force: true });
    else if (source !== undefined) await rm(source, { force: true });
  }
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
