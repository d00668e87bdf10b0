#!/usr/bin/env bash
# Shared by scripts/run and scripts/test: install what is missing, then build.
# Idempotent: a second run installs nothing and rebuilds only what changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${LIVEROOM_BUILD_DIR:-$ROOT/build}"
BUILD_TYPE="${LIVEROOM_BUILD_TYPE:-Release}"

# Debian 12 packages the project needs; see README "Dependencies" for why.
DEB_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev rapidjson-dev libjemalloc-dev catch2
  libsqlite3-dev libssl-dev
  libnats-dev nats-server
  clang libclang-rt-14-dev clang-format
  curl procps
  chromium fonts-wqy-microhei
)

log() { printf '\033[1;34m[liveroom]\033[0m %s\n' "$*" >&2; }

missing_packages() {
  local p
  for p in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
      printf '%s\n' "$p"
    fi
  done
}

install_deps() {
  local missing
  missing="$(missing_packages)"
  if [ -z "$missing" ]; then
    log "Debian packages: all present"
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "missing packages: $(echo $missing | tr '\n' ' ')"
    log "run as root (or install them yourself) and try again"
    exit 1
  fi
  log "installing: $(echo $missing | tr '\n' ' ')"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

# Node.js runs the browser tests (Playwright drives Debian's chromium). A
# machine without node gets Debian's; then the test's npm packages, pinned in
# tests/browser/package-lock.json, are installed when missing or changed.
install_node_deps() {
  if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    log "installing nodejs and npm"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  local dir="$ROOT/tests/browser"
  local stamp="$dir/node_modules/.package-lock.json"
  if [ ! -f "$stamp" ] || [ "$dir/package-lock.json" -nt "$stamp" ]; then
    log "npm ci in tests/browser"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# configure_build DIR TYPE [extra cmake args...]
configure_build() {
  local dir="$1" type="$2"
  shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    log "configuring $type build in $dir"
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  fi
  log "building $dir"
  cmake --build "$dir" --parallel "$(nproc)"
}

build_release() {
  configure_build "$BUILD_DIR" "$BUILD_TYPE"
}
