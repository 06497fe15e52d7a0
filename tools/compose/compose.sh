#!/usr/bin/env bash
# npm run compose -- up | down [-v] | ps | logs [SERVICE]...: the compose deployment on this host, with the
# images from `npm run images`. `up` writes the env file when it is missing (tools/compose/env.ts), starts the
# stack detached and waits until every service is healthy and the bootstrap has finished.
# Environment: ESTRENA_COMPOSE_ENV (env file, default .estrena/compose.env), ESTRENA_COMPOSE_PROJECT (default
# estrena), ESTRENA_GATEWAY_PORT / ESTRENA_MINIO_PORT / ESTRENA_CONSOLE_PORT (8080, 9000, 9001).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
STATE="$ROOT/.estrena"
mkdir -p "$STATE"
T0=$SECONDS
say() { printf 'compose: [%4ds] %s\n' $((SECONDS - T0)) "$*"; }
die() { printf 'compose: ERROR: %s\n' "$*" >&2; exit 1; }
# shellcheck source=tools/images/engine.sh
source "$ROOT/tools/images/engine.sh"

ENV_FILE=$(realpath -m "${ESTRENA_COMPOSE_ENV:-$STATE/compose.env}")
export ESTRENA_COMPOSE_ENV=$ENV_FILE
PROJECT=${ESTRENA_COMPOSE_PROJECT:-estrena}
FILE="$ROOT/compose/docker-compose.yml"
VERSION=$(node -p 'require("./package.json").version')

ensure_engine >/dev/null
# The compose plugin when the client has it, else Debian's docker-compose v1 (scripts/install.sh installs it).
if "$DOCKER" compose version >/dev/null 2>&1; then COMPOSE=("$DOCKER" compose); else COMPOSE=(docker-compose); fi
dc() { "${COMPOSE[@]}" -p "$PROJECT" -f "$FILE" --env-file "$ENV_FILE" "$@"; }

env_file() {
  [[ -f dist/tools/compose/env.js ]] || npm run build --silent
  node dist/tools/compose/env.js "$ENV_FILE"
}

# Every service with a health check is healthy and every one-shot service exited 0; fails fast on an exit != 0.
wait_healthy() {
  local deadline=$((SECONDS + ${ESTRENA_COMPOSE_TIMEOUT:-180})) waiting
  while :; do
    waiting=()
    local id name state health code
    while read -r id; do
      [[ -n $id ]] || continue
      IFS='|' read -r name state health code < <("$DOCKER" inspect -f '{{index .Config.Labels "com.docker.compose.service"}}|{{.State.Status}}|{{if .State.Health}}{{.State.Health.Status}}{{end}}|{{.State.ExitCode}}' "$id")
      if [[ $state == exited ]]; then
        [[ $code == 0 && $name == minio-bootstrap ]] && continue
        dc logs --tail 30 "$name" >&2 || true
        die "$name exited with status $code"
      fi
      [[ -z $health || $health == healthy ]] || waiting+=("$name:$health")
    done < <("$DOCKER" ps -aq --filter "label=com.docker.compose.project=$PROJECT")
    ((${#waiting[@]})) || return 0
    ((SECONDS < deadline)) || die "not healthy after ${ESTRENA_COMPOSE_TIMEOUT:-180}s: ${waiting[*]} (npm run compose -- logs SERVICE)"
    sleep 2
  done
}

cmd=${1:-}
shift || true
# Every command interpolates the compose file from the env file, so it must exist (a `down` on a fresh checkout).
[[ $cmd == up || -f $ENV_FILE ]] || env_file >/dev/null
case $cmd in
  up)
    for img in $(sed -nE 's#^ *image: (dev\.local/estrena/[a-z-]+):.*#\1#p' "$FILE" | sort -u); do
      "$DOCKER" image inspect "$img:$VERSION" >/dev/null 2>&1 || die "$img:$VERSION is not built: run npm run images first"
    done
    env_file
    say "starting project $PROJECT ($(basename "${COMPOSE[0]}") ${COMPOSE[1]:-})"
    dc up -d --no-build "$@" 2>&1 | sed 's/^/  /'
    wait_healthy
    say "healthy: viewers http://localhost:${ESTRENA_GATEWAY_PORT:-8080}/ ; MinIO console http://127.0.0.1:${ESTRENA_CONSOLE_PORT:-9001}/"
    say "editor login for the console, npm run upload and the studio: ESTRENA_EDITOR_USER / ESTRENA_EDITOR_PASSWORD in $ENV_FILE"
    ;;
  down)
    dc down "$@" 2>&1 | sed 's/^/  /'
    say "stopped project $PROJECT$([[ " $* " == *" -v "* ]] && echo ', volumes removed')"
    ;;
  ps | logs | config | exec | kill | restart | start | stop)
    dc "$cmd" "$@"
    ;;
  *)
    die "usage: npm run compose -- up | down [-v] | ps | logs [SERVICE] | kill SERVICE"
    ;;
esac
