#!/usr/bin/env bash
# Provides the Pulumi CLI at the version pinned in package.json (@pulumi/pulumi), in this order:
#   1. a `pulumi` already on PATH that reports exactly that version;
#   2. the binary cached by an earlier run of this script;
#   3. the official release tarball from get.pulumi.com;
#   4. a build from Go modules (github.com/pulumi/pulumi/pkg/v3 at the same tag).
# The result lives outside the repository, in $PLATFORM_PULUMI_CACHE (default
# ~/.cache/platform-pulumi/v<version>), laid out as <root>/bin/pulumi so the Automation API can use
# PulumiCommand.get({ root, version }). The script prints the root on its last line of stdout.
#
# It never pretends: if no way works it exits non-zero with the reason of each attempt.
# See docs/decisions/0002-pulumi-cli-offline.md for why each step exists.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${PULUMI_VERSION:-$(node -p "require('$repo_root/package.json').dependencies['@pulumi/pulumi'].replace(/^[^0-9]*/, '')")}"
cache_root="${PLATFORM_PULUMI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/platform-pulumi}"
root="$cache_root/v$version"
bin="$root/bin"
log() { echo "setup-pulumi: $*" >&2; }
failures=()

reports_version() { # $1: binary
  local got
  got="$("$1" version 2>/dev/null || true)"
  [[ "$got" == "v$version" ]]
}

finish() {
  install_helpers
  log "using $bin/pulumi ($("$bin/pulumi" version))"
  echo "$root"
  exit 0
}

# Helper scripts the released CLI ships next to itself and the Go build lacks; they run the Node
# entry points inside our own @pulumi/pulumi (docs/decisions/0002-pulumi-cli-offline.md).
install_helpers() {
  mkdir -p "$bin"
  local entry name
  for entry in "pulumi-resource-pulumi-nodejs:dynamic-provider" "pulumi-analyzer-policy-nodejs:run-policy-pack" \
    "pulumi-analyzer-policy:run-policy-pack"; do
    name="${entry%%:*}"
    # Resolves @pulumi/pulumi from the program's directory first, then from $PLATFORM_REPO_ROOT, then
    # from the checkout that installed the helper, so inline programs in temp dirs work too.
    cat >"$bin/$name" <<SH
#!/usr/bin/env bash
# Written by scripts/setup-pulumi.sh: the released CLI ships this helper; a Go build does not.
for base in "\$PWD" "\${PLATFORM_REPO_ROOT:-}" "$repo_root"; do
  [ -n "\$base" ] || continue
  target="\$(cd "\$base" && node -p "require.resolve('@pulumi/pulumi/cmd/${entry#*:}')" 2>/dev/null)" && break
done
[ -n "\${target:-}" ] || { echo "$name: cannot find @pulumi/pulumi/cmd/${entry#*:}; run npm ci in the repository" >&2; exit 1; }
exec node "\$target" "\$@"
SH
  done
  chmod +x "$bin"/pulumi-*
}

# 1. On PATH.
if command -v pulumi >/dev/null 2>&1; then
  onpath="$(command -v pulumi)"
  if [[ "$onpath" != "$bin/pulumi" ]] && reports_version "$onpath"; then
    mkdir -p "$bin"
    ln -sf "$onpath" "$bin/pulumi"
    log "found pulumi v$version on PATH at $onpath"
    finish
  fi
  failures+=("PATH: $onpath reports '$("$onpath" version 2>/dev/null || true)', want v$version")
else
  failures+=("PATH: no pulumi on PATH")
fi

# 2. Cached.
if [[ -x "$bin/pulumi" ]] && reports_version "$bin/pulumi"; then
  finish
fi

# 3. Official download.
arch="$(uname -m)"; case "$arch" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; esac
os="$(uname -s | tr '[:upper:]' '[:lower:]')"
url="https://get.pulumi.com/releases/sdk/pulumi-v$version-$os-$arch.tar.gz"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
if curl -fsSL --connect-timeout 10 --max-time 300 -o "$tmp/pulumi.tgz" "$url" 2>"$tmp/curl.err"; then
  mkdir -p "$bin"
  tar -xzf "$tmp/pulumi.tgz" -C "$tmp"
  cp "$tmp"/pulumi/* "$bin/"
  if reports_version "$bin/pulumi"; then
    log "downloaded $url"
    finish
  fi
  failures+=("download: $url gave a binary that does not report v$version")
else
  failures+=("download: $url: $(tr '\n' ' ' <"$tmp/curl.err")")
fi

# 4. Build from Go modules.
if ! command -v go >/dev/null 2>&1; then
  failures+=("go build: no Go toolchain on PATH (install Go >= 1.26 or put pulumi v$version on PATH)")
else
  proxy="${GOPROXY:-https://proxy.golang.org}"; proxy="${proxy%%,*}"
  mod="$tmp/wrapper"
  mkdir -p "$mod"
  log "building pulumi v$version from Go modules (a few minutes on 2 cores; cached afterwards)"
  # pkg's go.mod replaces sdk with a local path, which `go install pkg@version` refuses; a wrapper
  # module requires both at the same tag and copies pkg's non-local replace lines.
  if curl -fsS --max-time 120 "$proxy/github.com/pulumi/pulumi/pkg/v3/@v/v$version.mod" -o "$tmp/pkg.mod" 2>"$tmp/mod.err"; then
    {
      echo "module platformpulumibuild"
      grep -E '^go [0-9]' "$tmp/pkg.mod"
      echo "require ("
      echo "  github.com/pulumi/pulumi/pkg/v3 v$version"
      echo "  github.com/pulumi/pulumi/sdk/v3 v$version"
      echo ")"
      grep -E '^replace ' "$tmp/pkg.mod" | grep -vE '=> *\.{1,2}/' || true
    } >"$mod/go.mod"
    cat >"$mod/tools.go" <<'GO'
//go:build tools

package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
GO
    if (cd "$mod" && GOFLAGS=-mod=mod go mod tidy >"$tmp/build.log" 2>&1 &&
      GOFLAGS=-mod=mod go build -o "$tmp/pulumi" \
        -ldflags "-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$version" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi >>"$tmp/build.log" 2>&1); then
      mkdir -p "$bin"
      mv "$tmp/pulumi" "$bin/pulumi"
      if reports_version "$bin/pulumi"; then
        log "built $bin/pulumi"
        finish
      fi
      failures+=("go build: the built binary does not report v$version")
    else
      failures+=("go build: failed; last lines: $(tail -5 "$tmp/build.log" | tr '\n' ' ')")
    fi
  else
    failures+=("go build: cannot read pkg/v3@v$version go.mod from $proxy: $(tr '\n' ' ' <"$tmp/mod.err")")
  fi
fi

log "could not provide the Pulumi CLI v$version:"
for f in "${failures[@]}"; do log "  - $f"; done
exit 1
