#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# setup.sh: install the Node-RED runtime that test_node_red_flow.py runs the
# shipped flow in (node-red 4.x, the line that runs on Debian's Node.js 20),
# from the committed lockfile with `npm ci`, into a folder outside the source
# tree.
#
#   tests/integration/node-red/setup.sh [DEST]
#
# DEST defaults to build/tests/integration/node-red (what CMake passes too);
# Node-RED lands in DEST/node_modules/node-red. The npm cache is
# tests/integration/node-red/.npm-cache (git-ignored), shared by the build
# trees, so a second tree installs offline. A stamp holding the lockfile's
# hash makes a repeat run a no-op (tests/npm-ci-locked.sh does the work).
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$src/../../.." && pwd)
dest=${1:-$repo/build/tests/integration/node-red}
exec "$repo/tests/npm-ci-locked.sh" node-red "$src" "$dest" node-red/red.js
