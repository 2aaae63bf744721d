#!/usr/bin/env bash
# Debian packages the control plane's e2e tests need (docs/control-plane.md): PostgreSQL's server
# binaries (the two-instance test starts a throwaway cluster from them) and Chromium (the console
# test drives it with playwright-core). Installs what is missing with apt-get (after apt-get
# update); fails, never skips, when it cannot.
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup-system: postgresql and chromium are installed"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "setup-system: missing ${missing[*]}; install them as root: apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "setup-system: installing ${missing[*]}"
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || { echo "setup-system: postgresql did not install initdb" >&2; exit 1; }
command -v chromium >/dev/null || { echo "setup-system: chromium did not install" >&2; exit 1; }
echo "setup-system: installed ${missing[*]}"
