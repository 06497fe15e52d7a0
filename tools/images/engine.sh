# Sourced by tools/images/images.sh and tools/compose/compose.sh: finds a Docker client that can use BuildKit and
# an engine that answers, starting one when none does. Sets DOCKER (the client to use).

# Installs Debian packages when missing (as root, or with sudo).
apt_install() {
  local missing=() p
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  command -v apt-get >/dev/null || die "${missing[*]} missing and there is no apt-get: install them with your package manager"
  local sudo=""
  [[ $(id -u) == 0 ]] || sudo=sudo
  say "installing with apt-get: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The docker.io package's own client talks BuildKit with DOCKER_BUILDKIT=1. A newer CLI earlier on PATH may lack
# buildx, and then falls back to the legacy builder, which builds every stage (the MinIO compile included).
pick_client() {
  if [[ -x /usr/bin/docker ]]; then
    DOCKER=/usr/bin/docker
  elif command -v docker >/dev/null && docker buildx version >/dev/null 2>&1; then
    DOCKER=$(command -v docker)
  else
    apt_install docker.io
    DOCKER=/usr/bin/docker
  fi
  export DOCKER_BUILDKIT=1
}

# Starts dockerd (no systemd here) when no engine answers; it keeps running for `npm run compose`, and its pid is
# written to .estrena/dockerd.pid so that an operator knows it was us.
ensure_engine() {
  pick_client
  if "$DOCKER" info >/dev/null 2>&1; then
    say "Docker engine answers ($("$DOCKER" version -f '{{.Server.Version}}' 2>/dev/null)); client $DOCKER"
    return 0
  fi
  command -v dockerd >/dev/null || apt_install docker.io
  [[ $(id -u) == 0 ]] || die "no Docker engine answers; start one (sudo dockerd, or your service manager) and run again"
  say "no Docker engine answers: starting dockerd (log .estrena/dockerd.log)"
  setsid nohup dockerd >"$STATE/dockerd.log" 2>&1 </dev/null &
  echo $! >"$STATE/dockerd.pid"
  local i
  for i in $(seq 1 60); do
    "$DOCKER" info >/dev/null 2>&1 && { say "dockerd is up (pid $(cat "$STATE/dockerd.pid"))"; return 0; }
    kill -0 "$(cat "$STATE/dockerd.pid")" 2>/dev/null || { tail -n 20 "$STATE/dockerd.log" >&2; die "dockerd exited"; }
    sleep 0.5
  done
  die "dockerd did not answer within 30 s; see $STATE/dockerd.log"
}
