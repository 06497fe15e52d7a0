#!/usr/bin/env bash
# Builds etcd, kube-apiserver and Knative Serving's controller from the Go module proxy, through the consumer
# modules in test/knative/build/, into .estrena/knative/bin/. A binary whose consumer go.mod/go.sum are unchanged
# since its last build is reused (the compiles take ~15 min cold on 2 cores).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
bin="$root/.estrena/knative/bin"
mods="$root/test/knative/build"
export PATH="/usr/local/go/bin:$PATH"
mkdir -p "$bin"

k8s_version=v1.37.2
# Knative's minimum-Kubernetes-version check reads these; an unstamped build reports v0.0.0 and is refused.
apiserver_ldflags="-X k8s.io/component-base/version.gitVersion=$k8s_version \
-X k8s.io/component-base/version.gitMajor=1 -X k8s.io/component-base/version.gitMinor=37 \
-X k8s.io/component-base/version.gitTreeState=clean -X k8s.io/component-base/version.buildDate=2026-01-01T00:00:00Z"

build() { # name package [ldflags]
  local name="$1" pkg="$2" ldflags="${3:-}" stamp
  stamp="$(cat "$mods/$name/go.mod" "$mods/$name/go.sum" | sha256sum | cut -c1-16)"
  if [[ -x "$bin/$name" && "$(cat "$bin/$name.stamp" 2>/dev/null)" == "$stamp" ]]; then
    echo "knative build: $name cached"
    return
  fi
  local start=$SECONDS
  (cd "$mods/$name" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin/$name" "$pkg")
  echo "$stamp" > "$bin/$name.stamp"
  echo "knative build: $name built in $((SECONDS - start)) s"
}

build etcd go.etcd.io/etcd/server/v3
build controller knative.dev/serving/cmd/controller
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$apiserver_ldflags"
