#!/usr/bin/env bash
# Installs the pinned Claude Code CLI into the per-machine cache (beside FerretDB's and Node 24's)
# and prints the path of its `claude` binary. Since 2.x the CLI is a self-contained native
# executable (no Node needed to run it): @anthropic-ai/claude-code is a 30 kB shell whose
# postinstall copies the binary out of the platform package, @anthropic-ai/claude-code-linux-x64.
# We fetch that package alone with `npm pack` (186 MB packed, 400 MB unpacked), check it, and keep
# its one file. A second run finds it cached and downloads nothing.
#
#   claude="$(scripts/install-claude-code.sh)"
set -euo pipefail

version=2.1.332
# Of claude-code-linux-x64-$version.tgz, as the registry lists it: a changed tarball is refused.
integrity=sha512-f4JWhzwYutJIHScC7/dYOPX6s28tt7ZADhsOi8zwOHq5fFPEuUeChh2NMfinSg0GrUckYxaeebC4h0DqiKzLcw==

cache="${COUNTERSIGN_CACHE_DIR:-$HOME/.cache/countersign}"
dir="$cache/claude-code-v$version"

work=''
trap '[ -z "$work" ] || rm -rf "$work"' EXIT

say() { printf 'install-claude-code: %s\n' "$*" >&2; }

reports_version() {
  [ -x "$1/claude" ] && [ "$("$1/claude" --version)" = "$version (Claude Code)" ]
}

download() {
  if [ "$(uname -sm)" != 'Linux x86_64' ]; then
    say "only Linux x86_64 is pinned (claude-code-linux-x64), not $(uname -sm)"
    exit 1
  fi
  work="$(mktemp -d "$cache/.claude-code-v$version.XXXXXX")"
  say "downloading @anthropic-ai/claude-code-linux-x64@$version from the npm registry (first run only)…"
  # A throwaway npm cache: the binary's cache is this one, so npm's need not keep a 180 MB copy.
  (cd "$work" && npm pack --silent --cache "$work/npm-cache" \
    "@anthropic-ai/claude-code-linux-x64@$version" >/dev/null)
  local tarball="$work/anthropic-ai-claude-code-linux-x64-$version.tgz"
  local actual
  actual="sha512-$(node -p 'require("node:crypto").createHash("sha512")
    .update(require("node:fs").readFileSync(process.argv[1])).digest("base64")' "$tarball")"
  if [ "$actual" != "$integrity" ]; then
    say "claude-code-linux-x64-$version.tgz has integrity $actual, expected $integrity"
    exit 1
  fi
  tar -xzf "$tarball" -C "$work" package/claude package/LICENSE.md
  rm "$tarball"
  reports_version "$work/package" || {
    say "the downloaded binary does not report $version"
    exit 1
  }
  # Renamed into place whole, so a concurrent run sees either nothing or a complete install.
  if ! mv -T "$work/package" "$dir" 2>/dev/null && ! reports_version "$dir"; then
    say "$dir exists but holds no working Claude Code $version: remove it"
    exit 1
  fi
}

mkdir -p "$cache"
reports_version "$dir" || download
say "Claude Code $version at $dir/claude"
echo "$dir/claude"
