#!/usr/bin/env bash
# Quick start, step 1: installs what the project needs on a fresh machine and runs the main job on
# the embedded default configuration, with no cloud account:
#   1. npm packages from the lockfile (npm ci), Node 22 among them (npm scripts run on it);
#   2. the Pulumi CLI at the version of @pulumi/pulumi (scripts/setup-pulumi.sh: PATH, cache,
#      official download, else a build from Go modules, cached outside the repository);
#   3. the offline plan and the offline policy check of every stack (base in both environments and
#      every tenant in tenants/registry/), under Pulumi's mocks.
# Set SETUP_SKIP_MAIN_JOB=1 to install only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

command -v node >/dev/null || { echo "setup: Node.js >= 20 with npm is required (https://nodejs.org)" >&2; exit 1; }

step "npm ci"
npm ci --no-audit --no-fund

step "Pulumi CLI"
bash scripts/setup-pulumi.sh >/dev/null

if [[ "${SETUP_SKIP_MAIN_JOB:-}" != "1" ]]; then
  step "offline plan of every stack (npm run plan -- --summary)"
  npm run --silent plan -- --summary
  step "offline policy check of every stack (npm run check)"
  npm run --silent check
fi
