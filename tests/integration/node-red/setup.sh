#!/usr/bin/env bash
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
# hash makes a repeat run a no-op.
set -euo pipefail

src=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$src/../../.." && pwd)
dest=${1:-$repo/build/tests/integration/node-red}
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)

command -v node >/dev/null || { echo "setup.sh: node not found" >&2; exit 1; }
command -v npm >/dev/null || { echo "setup.sh: npm not found" >&2; exit 1; }

want=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
stamp="$dest/.node-red-stamp"

# One installer at a time per destination.
exec 9>"$dest/.node-red-lock"
flock 9

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" && -f "$dest/node_modules/node-red/red.js" ]]; then
  echo "setup.sh: node-red up to date in $dest/node_modules"
  exit 0
fi

cp "$src/package.json" "$src/package-lock.json" "$dest/"
rm -f "$stamp"
npm ci --prefix "$dest" --cache "$src/.npm-cache" --prefer-offline \
  --no-audit --no-fund --loglevel=error
echo "$want" >"$stamp"
echo "setup.sh: installed node-red into $dest/node_modules"
