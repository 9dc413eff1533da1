#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# npm-ci-locked.sh: install a test's pinned npm packages (its package.json and
# package-lock.json) with `npm ci` into a folder outside the source tree.
# Shared by tests/conformance/setup.sh and tests/integration/node-red/setup.sh.
#
#   tests/npm-ci-locked.sh NAME SRC DEST NEEDED...
#
# NAME names the stamp and lock files in DEST; SRC holds the package files
# and the git-ignored npm cache (SRC/.npm-cache, shared by the build trees, so
# a second tree installs offline); NEEDED are paths under DEST/node_modules
# that must exist. A stamp holding the package files' hash makes a repeat run
# a no-op; one installer at a time per DEST.
set -euo pipefail

name=$1 src=$2 dest=$3
shift 3
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

command -v node >/dev/null || { echo "$name setup: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "$name setup: npm not found" >&2; exit 1; }

want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
stamp="$dest/.$name-stamp"

exec 9>"$dest/.$name-lock"
flock 9

ready=1
for path in "$@"; do [[ -e "$dest/node_modules/$path" ]] || ready=0; done
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && $ready == 1 ]]; then
  echo "$name setup: up to date in $dest/node_modules"
  exit 0
fi

cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$stamp"
npm ci --prefix "$dest" --cache "$src/.npm-cache" --prefer-offline \
  --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
echo "$name setup: installed into $dest/node_modules"
