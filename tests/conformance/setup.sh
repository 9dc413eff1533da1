#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# setup.sh: install the conformance suite's npm packages (atmosphere.js 5.0.45
# and 4.0.1 side by side, ws@8) from the committed lockfile with `npm ci`,
# into a folder outside the source tree.
#
#   tests/conformance/setup.sh [DEST]
#
# DEST defaults to build/tests/conformance (what CMake passes too); packages
# land in DEST/node_modules. The npm cache is tests/conformance/.npm-cache
# (git-ignored), shared by the build trees, so a second tree installs offline.
# A stamp holding the lockfile's hash makes a repeat run a no-op.
# tests/npm-ci-locked.sh does the work.
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$src/../.." && pwd)
dest=${1:-$repo/build/tests/conformance}
exec "$repo/tests/npm-ci-locked.sh" conformance "$src" "$dest" atmosphere5 atmosphere4 ws
