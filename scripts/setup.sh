#!/usr/bin/env bash
# Quick start, step 1: installs what the project needs on a fresh machine and runs the main job on
# the embedded default configuration, with no cloud account:
#   1. npm packages from the lockfile (npm ci), Node 22 among them (npm scripts run on it);
#   2. the Pulumi CLI at the version of @pulumi/pulumi (scripts/setup-pulumi.sh: PATH, cache,
#      official download, else a build from Go modules, cached outside the repository), and the
#      compiled policy pack the engine runs (policies/dist/, rebuilt whenever a source changes);
#   3. the main job on the cloud double (a test double for AWS: nothing leaves this machine): the
#      staging base stack and every registry tenant's staging stack, deployed by the automation
#      service (npm run base, npm run fleet) on the real engine;
#   4. the offline plan and the offline policy check of every stack (base in both environments and
#      every tenant in tenants/registry/), under Pulumi's mocks.
# Set SETUP_SKIP_MAIN_JOB=1 to install only.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

step() { printf '\n==> %s\n' "$*"; }

command -v node >/dev/null || { echo "setup: Node.js >= 20 with npm is required (https://nodejs.org)" >&2; exit 1; }

step "npm ci"
npm ci --no-audit --no-fund

step "system packages the tests need (scripts/setup-system.sh: PostgreSQL, Chromium)"
bash scripts/setup-system.sh

step "Pulumi CLI"
bash scripts/setup-pulumi.sh >/dev/null

step "compiled policy pack (npm run build:policies)"
npm run --silent build:policies

if [[ "${SETUP_SKIP_MAIN_JOB:-}" != "1" ]]; then
  export PLATFORM_CLOUD="${PLATFORM_CLOUD:-double}"
  step "staging base stack on the cloud double (npm run base -- up --env staging)"
  npm run --silent base -- up --env staging
  step "every registry tenant's staging stack (npm run fleet -- reconcile --env staging)"
  # With the policy pack, as every operation of the service runs it (PLATFORM_POLICY_PACKS).
  npm run --silent fleet -- reconcile --env staging
  step "offline plan of every stack (npm run plan -- --summary)"
  npm run --silent plan -- --summary
  step "offline policy check of every stack (npm run check)"
  npm run --silent check
  state="${PULUMI_BACKEND_URL:-file://$PWD/.pulumi-state}"
  cat <<EOF

==> Done. This ran on the cloud double, a test double for AWS: nothing left this machine.
    State (Pulumi file backend): ${state}
    The double's cloud (one JSON record per resource): ${PLATFORM_DOUBLE_DIR:-${state#file://}-double}/resources
    Try next:
      npm run tenant -- list --json
      npm run tenant -- outputs acme --env staging
      npm run base -- outputs --env staging --json
      npm run tenant -- drift acme --env staging      # edit a record under resources/ first
      npm run tenant -- offboard initech --env staging --confirm initech
    The same commands against AWS: PLATFORM_CLOUD=aws with PULUMI_BACKEND_URL and AWS credentials.
EOF
fi
