#!/usr/bin/env bash
# npm run images: builds every image target of docker/Dockerfile on this host, with a progress display.
#   - starts a Docker engine when none answers (installing docker.io with apt when missing) and leaves it running
#     for `npm run compose`; it stops nothing that it did not start;
#   - when the pinned registry bases cannot be pulled, makes local stand-ins from Debian packages
#     (tools/images/bases.sh) and says so;
#   - reuses the MinIO server that scripts/install.sh built (.estrena/bin/minio) instead of compiling it again.
# Tags: dev.local/estrena/<target>:<package.json version> (docs/operations.md#images). Nothing unpinned is pulled.
# Environment: ESTRENA_IMAGES="ingest transcode" builds only those targets.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE="$ROOT/.estrena"
mkdir -p "$STATE/images"
T0=$SECONDS
say() { printf 'images: [%4ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { printf 'images: ERROR: %s\n' "$*" >&2; exit 1; }

# shellcheck source=tools/images/engine.sh
source "$ROOT/tools/images/engine.sh"
# shellcheck source=tools/images/bases.sh
source "$ROOT/tools/images/bases.sh"

VERSION=$(node -p 'require("./package.json").version')
# transcode first: its ffmpeg layer downloads while the shared build stage compiles (BuildKit runs both at once).
TARGETS=(${ESTRENA_IMAGES:-minio redis transcode gateway ingest catalogue deadletter tools})

ensure_engine
ensure_bases

# One docker build per target; BuildKit shares the common stages (build, prod-deps, node) between them, and a
# second run answers every step from its cache.
build_target() {
  local target=$1 i=$2 n=$3 start=$SECONDS tag="dev.local/estrena/$1:$VERSION" log="$STATE/images/build-$1.log"
  say "[$i/$n] $target -> $tag"
  set +e
  "$DOCKER" build --progress=plain -f "$CONTEXT/docker/Dockerfile" --target "$target" -t "$tag" "${BASE_ARGS[@]}" "$CONTEXT" >"$log" 2>&1 &
  local pid=$!
  # The progress display: one line per build step as BuildKit starts it, and a heartbeat while one runs long.
  local seen=0 last=$SECONDS
  while kill -0 "$pid" 2>/dev/null; do
    local lines
    lines=$(grep -cE '^#[0-9]+ \[' "$log" 2>/dev/null || true)
    if ((lines > seen)); then
      grep -E '^#[0-9]+ \[' "$log" | tail -n +"$((seen + 1))" | sort -u -t' ' -k1,1 | sed -E 's/^#[0-9]+ /        /' | cut -c1-150
      seen=$lines
      last=$SECONDS
    elif ((SECONDS - last >= 20)); then
      printf '        ... %ds in this step (%s)\n' $((SECONDS - last)) "$(tail -n 1 "$log" | cut -c1-100)"
      last=$SECONDS
    fi
    sleep 1
  done
  wait "$pid"
  local rc=$?
  set -e
  if ((rc != 0)); then
    tail -n 30 "$log" >&2
    die "building $target failed (full log: $log)"
  fi
  local size
  size=$("$DOCKER" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1 / 1e6}')
  local cached
  cached=$(grep -c ' CACHED$' "$log" || true)
  say "[$i/$n] $target built in $((SECONDS - start))s, $size ($cached steps from cache)"
  SUMMARY+=("$(printf '%-11s %5ds %8s  %s' "$target" $((SECONDS - start)) "$size" "$tag")")
}

# One snapshot of the sources for every target, so that all images come from the same tree even while it is being
# edited, and BuildKit's cache answers the shared stages after the first target. Files are those git tracks or
# would track (untracked but not ignored); .dockerignore then applies as usual.
CONTEXT=$(mktemp -d "$STATE/images/context.XXXXXX")
trap 'rm -rf "$CONTEXT"' EXIT
# (Files deleted but not yet committed are listed by git and skipped by tar.)
git ls-files -z --cached --others --exclude-standard | grep -zv -E '^(test|docs|media|compose)/' |
  tar --null -T - --ignore-failed-read -c 2>/dev/null | tar -x -C "$CONTEXT"

SUMMARY=()
n=${#TARGETS[@]}
i=0
for t in "${TARGETS[@]}"; do
  i=$((i + 1))
  build_target "$t" "$i" "$n"
done
say "all ${n} images built in $((SECONDS - T0))s"
printf '  %s\n' "${SUMMARY[@]}"
