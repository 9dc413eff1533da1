// SPDX-License-Identifier: MIT
// Locate the npm packages installed by setup.sh (outside the source tree) and
// load them. CMake passes CONFORMANCE_NODE_MODULES; by hand the default build
// tree and an in-place install are tried too.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..', '..');

function modulesDir() {
  const candidates = [
    process.env.CONFORMANCE_NODE_MODULES,
    path.join(repo, 'build', 'tests', 'conformance', 'node_modules'),
    path.join(here, '..', 'node_modules'),
  ].filter(Boolean);
  for (const dir of candidates) {
    if (existsSync(path.join(dir, 'atmosphere5')) && existsSync(path.join(dir, 'ws'))) return dir;
  }
  throw new Error(`conformance npm packages not found (tried ${candidates.join(', ')}); ` +
    'run tests/conformance/setup.sh [DEST] and set CONFORMANCE_NODE_MODULES=DEST/node_modules');
}

const dir = modulesDir();
// A require rooted inside node_modules' parent resolves packages from there.
const req = createRequire(path.join(path.dirname(dir), 'conformance-loader.cjs'));

/** ws@8 (the WebSocket implementation given to atmosphere.js 5.x and used as a raw client). */
export function loadWs() { return req('ws'); }

/** atmosphere.js 5.0.45 (CJS build: { Atmosphere, ... }). Needs globalThis.WebSocket set first. */
export function loadAtmosphere5() { return req('atmosphere5'); }

/** atmosphere.js 4.0.1, the legacy client; it installs its own window/WebSocket (ws@6) shims globally. */
export function loadAtmosphere4() { return req('atmosphere4'); }

export const nodeModulesDir = dir;
