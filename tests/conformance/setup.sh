#!/usr/bin/env bash
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
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$src/../.." && pwd)
dest=${1:-$repo/build/tests/conformance}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

command -v node >/dev/null || { echo "setup.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup.sh: npm not found" >&2; exit 1; }

want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
stamp="$dest/.conformance-stamp"

# One installer at a time per destination.
exec 9>"$dest/.conformance-lock"
flock 9

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -d "$dest/node_modules/atmosphere5" \
      && -d "$dest/node_modules/atmosphere4" && -d "$dest/node_modules/ws" ]]; then
  echo "setup.sh: conformance packages up to date in $dest/node_modules"
  exit 0
fi

cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$stamp"
npm ci --prefix "$dest" --cache "$src/.npm-cache" --prefer-offline \
  --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
echo "setup.sh: installed conformance packages into $dest/node_modules"
