#!/usr/bin/env bash
# Installs what estrena needs and is missing, saying what it does. Safe to run again: it skips what is there.
#   bash scripts/install.sh [--quiet]     (--quiet: print only when something is installed or wrong)
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
QUIET=0
[[ "${1:-}" == "--quiet" ]] && QUIET=1

# The last commit of the MinIO community repository (see docs/architecture.md); @latest is the fallback.
MINIO_PIN="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
MINIO_BIN="${ESTRENA_MINIO_BIN:-$ROOT/.estrena/bin/minio}"

say() { printf 'install: %s\n' "$*"; }
info() { [[ $QUIET == 1 ]] || say "$@"; }
die() { printf 'install: ERROR: %s\n' "$*" >&2; exit 1; }
SUDO=""
if [[ $(id -u) != 0 ]]; then SUDO="sudo"; fi

# --- Node.js ---------------------------------------------------------------
command -v node >/dev/null || die "Node.js >= 20.19 is required (https://nodejs.org, or your distribution's nodejs package)"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node.js >= 20.19 is required, found $(node -v)"

# --- system packages ---------------------------------------------------------
# The conformance suite's third-party players (test/conformance): GStreamer with both HLS demuxers (hlsdemux in -bad,
# hlsdemux2 in -good) and libav's decoders, and VLC.
# docker.io (the engine and a BuildKit-capable client) and debootstrap: npm run images and the compose e2e test.
APT_PACKAGES=(ffmpeg redis-server nginx libnginx-mod-http-lua lua-nginx-redis chromium wrk docker-compose docker.io debootstrap
  gstreamer1.0-tools gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav
  vlc-bin vlc-plugin-base)
if command -v dpkg-query >/dev/null && command -v apt-get >/dev/null; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    say "installing with apt-get: ${missing[*]}"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    info "system packages present: ${APT_PACKAGES[*]}"
  fi
elif command -v dnf >/dev/null; then
  # CentOS Stream / RHEL: best effort. ffmpeg comes from RPM Fusion, nginx's Lua module from OpenResty or EPEL
  # (see docs/centos-stream.md); Chromium and wrk from EPEL.
  need=()
  for c in ffmpeg ffprobe redis-server; do command -v "$c" >/dev/null || need+=("$c"); done
  command -v nginx >/dev/null || [[ -x /usr/local/openresty/nginx/sbin/nginx ]] || need+=(nginx)
  if ((${#need[@]})); then
    say "missing on this dnf system: ${need[*]}; installing what dnf can provide (see docs/centos-stream.md)"
    $SUDO dnf install -y epel-release || true
    # strict=0: install what the enabled repositories have instead of failing on the first missing name.
    $SUDO dnf install -y --setopt=strict=0 redis nginx nginx-mod-http-lua lua-resty-redis chromium wrk ffmpeg || \
      say "some packages did not install; follow docs/centos-stream.md for RPM Fusion (ffmpeg) and OpenResty (nginx Lua)"
  else
    info "system commands present"
  fi
else
  say "no apt-get or dnf: install ffmpeg, redis-server, nginx with the Lua module and lua-resty-redis yourself"
fi
for c in ffmpeg ffprobe redis-server; do command -v "$c" >/dev/null || die "$c is still missing"; done
[[ -n "${ESTRENA_NGINX_BIN:-}" || -x /usr/local/openresty/nginx/sbin/nginx ]] || command -v nginx >/dev/null || die "nginx is still missing"
command -v docker-compose >/dev/null || say "docker-compose not found: the compose/ validation tests will be skipped"
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || say "Chromium not found: the end-to-end tests need it"

# --- npm dependencies --------------------------------------------------------
# npm ci only when the installed tree does not match package-lock.json (a fresh clone, or a changed lock):
# running it needlessly would delete node_modules under anyone using it.
if ! node -e '
  const fs = require("fs");
  const want = JSON.parse(fs.readFileSync("package-lock.json", "utf8")).packages;
  const have = JSON.parse(fs.readFileSync("node_modules/.package-lock.json", "utf8")).packages;
  for (const [k, v] of Object.entries(want)) {
    if (k === "" || v.optional || v.link) continue;
    if (!have[k] || have[k].version !== v.version) { console.error("install: " + k + " " + v.version + " is not installed"); process.exit(1); }
  }' 2>/dev/null; then
  say "installing npm dependencies (npm ci)"
  npm ci --no-audit --no-fund
else
  info "npm dependencies match package-lock.json"
fi

# --- MinIO server --------------------------------------------------------------
if [[ -x "$MINIO_BIN" ]]; then
  info "MinIO server present: $MINIO_BIN"
else
  command -v go >/dev/null || die "Go >= 1.24 is needed once, to build the MinIO server: apt-get install golang-go (or https://go.dev/dl/)"
  mkdir -p "$(dirname "$MINIO_BIN")" "$ROOT/.estrena"
  build() {
    local mod=$1 start=$SECONDS n=0
    say "building the MinIO server with go install $mod (takes several minutes, once; log in .estrena/minio-build.log)"
    # Linking alone takes minutes without a line of output: say every 20 s that it is still going.
    (
      trap 'kill "$nap" 2>/dev/null; exit 0' TERM
      while :; do
        sleep 20 & nap=$!
        wait "$nap"
        printf 'install: [%4ds] still building the MinIO server...\n' $((SECONDS - start))
      done
    ) &
    local ticker=$!
    # GOTOOLCHAIN=auto lets an older Go fetch the toolchain MinIO's go.mod asks for.
    set +e
    GOTOOLCHAIN=auto GOBIN="$(dirname "$MINIO_BIN")" go install -v "$mod" 2>&1 | tee "$ROOT/.estrena/minio-build.log" |
      while IFS= read -r line; do
        n=$((n + 1))
        case $line in
          "go: downloading "*) ((n % 25 == 0)) && printf 'install: [%4ds] %s\n' $((SECONDS - start)) "$line" ;;
          *) ((n % 50 == 0)) && printf 'install: [%4ds] compiled %d packages, now %s\n' $((SECONDS - start)) "$n" "$line" ;;
        esac
      done
    local rc=${PIPESTATUS[0]}
    kill "$ticker" 2>/dev/null
    set -e
    say "go install finished with status $rc after $((SECONDS - start))s"
    return "$rc"
  }
  if build "$MINIO_PIN"; then
    echo "$MINIO_PIN" >"$MINIO_BIN.version"
  else
    say "the pinned MinIO did not build; trying @latest"
    build "github.com/minio/minio@latest" || die "MinIO did not build; see .estrena/minio-build.log"
    echo "github.com/minio/minio@latest (pinned version failed to build on $(date -u +%F))" >"$MINIO_BIN.version"
  fi
  say "MinIO server built: $MINIO_BIN ($(cat "$MINIO_BIN.version"))"
fi
