# Shared by scripts/run and scripts/test: install what is missing, build.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APT_PACKAGES=(g++ cmake ninja-build pkg-config ccache git
  libboost-dev libboost-system-dev libboost-context-dev libsqlite3-dev sqlite3 libpq-dev postgresql-15
  libsodium-dev nlohmann-json3-dev libspdlog-dev libfmt-dev libcli11-dev libqrencode-dev libxlsxwriter-dev libcurl4-openssl-dev libzip-dev libexpat1-dev
  zlib1g-dev libgtest-dev libgmock-dev libbenchmark-dev libyaml-cpp-dev robin-map-dev nodejs npm)
APT_TEST_PACKAGES=(chromium fonts-noto-cjk wrk)
# libFuzzer targets (scripts/fuzz, a short run in scripts/test): clang and its runtime libraries.
APT_FUZZ_PACKAGES=(clang libclang-rt-14-dev)

# Clones at other paths share the compiler cache (ccache rewrites paths below ROOT).
export CCACHE_BASEDIR="$ROOT" CCACHE_NOHASHDIR=1

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

install_packages() {
  local want=("$@") missing=()
  for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node from the machine image counts: only install Debian's when there is none.
  if command -v node >/dev/null && command -v npm >/dev/null; then
    local keep=()
    for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || keep+=("$p"); done
    missing=("${keep[@]+"${keep[@]}"}")
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "== installing: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

build_native() {
  local dir="$1" type="$2"; shift 2
  if [ ! -f "$dir/build.ninja" ]; then
    cmake -S "$ROOT" -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$type" "$@" >/dev/null
  fi
  ninja -C "$dir" "${NINJA_TARGETS[@]+"${NINJA_TARGETS[@]}"}"
}

build_web() {
  if [ -f "$ROOT/web/package.json" ]; then
    cd "$ROOT/web"
    if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
      npm ci --no-audit --no-fund --loglevel=error
    fi
    if [ ! -f dist/index.html ] || [ -n "$(find src h5 index.html vite.config.ts -newer dist/index.html 2>/dev/null | head -1)" ]; then
      npm run build --silent
    fi
    cd "$ROOT"
  fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $((20000 + RANDOM % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}
