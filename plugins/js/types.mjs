// Generates the TypeScript declarations (.d.ts) of the contract for plugin authors, from the
// WIT folder in wit.mjs, into plugins/target/js/types (never committed). Run by build.mjs.
//
// `jco guest-types <wit>` cannot read any path on its own: the WASI shim it runs wasm-tools in
// starts with no preopened directories ("os error 44"). Calling jco's API after preopening the
// folder works; the shim is the copy jco-transpile itself loads.
import { createRequire } from "node:module";
import { mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

import { WIT_DIR, WORLD } from "./wit.mjs";

/** Writes the declarations into `outDir` (emptied first) and returns the files written. */
export async function generateTypes(outDir) {
  const require = createRequire(import.meta.url);
  const jco = require.resolve("@bytecodealliance/jco");
  const transpile = createRequire(jco).resolve("@bytecodealliance/jco-transpile");
  const shim = createRequire(transpile).resolve("@bytecodealliance/preview2-shim/filesystem");
  const { _setPreopens } = await import(pathToFileURL(shim));
  _setPreopens({ [WIT_DIR]: WIT_DIR });
  const { types } = await import(pathToFileURL(jco));
  const files = await types(WIT_DIR, { worldName: WORLD, guest: true, name: WORLD });
  await rm(outDir, { recursive: true, force: true });
  const written = [];
  for (const [name, bytes] of Object.entries(files)) {
    const path = join(outDir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
    written.push(path);
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = process.argv[2] ?? new URL("../target/js/types", import.meta.url).pathname;
  for (const path of await generateTypes(out)) console.log(path);
}
