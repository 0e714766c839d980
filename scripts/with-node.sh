#!/usr/bin/env bash
# Runs a command on the project's Node.js 24 (scripts/node-env.sh), whatever node the caller's
# PATH has: every npm script that starts node goes through here.
set -euo pipefail
# shellcheck source=scripts/node-env.sh
source "$(dirname "${BASH_SOURCE[0]}")/node-env.sh"
use_project_node
exec "$@"
