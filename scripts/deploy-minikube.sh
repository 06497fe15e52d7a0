#!/usr/bin/env bash
# npm run deploy:minikube — estrena on Knative in minikube, from whatever state the cluster is in. Safe to re-run:
#   1. starts minikube when it is not running;
#   2. builds every image into minikube's image store (no registry, no docker CLI needed on the host);
#   3. installs Knative Serving + Kourier and Eventing (channel broker, in-memory channel) at pinned versions,
#      or checks that those versions are already installed;
#   4. creates the Secrets once (MinIO root, webhook token, one per identity), with random values (never in the repository);
#   5. applies knative/ (which includes minio/) and re-runs the MinIO bootstrap Job;
#   6. waits until everything is ready and prints the URL.
# Every step is explained in docs/operations.md and docs/centos-stream.md. Settings (environment):
#   ESTRENA_DOMAIN          DNS suffix for Knative URLs (default: <minikube ip>.sslip.io)
#   ESTRENA_MINIKUBE_ARGS   arguments for `minikube start` (default below)
#   ESTRENA_SKIP_BUILD=1    reuse the images already in minikube
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned versions. The CRD schemas test/manifests validates against come from these release lines
# (test/manifests/schemas/README.md). Bump them together, then run `npm test`.
KNATIVE_SERVING_VERSION="knative-v1.23.0"
KNATIVE_EVENTING_VERSION="knative-v1.22.0"
KOURIER_VERSION="knative-v1.23.0"
SERVING="https://github.com/knative/serving/releases/download/${KNATIVE_SERVING_VERSION}"
EVENTING="https://github.com/knative/eventing/releases/download/${KNATIVE_EVENTING_VERSION}"
KOURIER="https://github.com/knative/net-kourier/releases/download/${KOURIER_VERSION}"

VERSION=$(node -p 'require("./package.json").version')
REGISTRY="dev.local/estrena" # Knative skips tag resolution for dev.local: the image is used from the node's store.
TARGETS=(ingest transcode catalogue deadletter tools gateway minio redis)
NS=estrena
MINIKUBE_ARGS=${ESTRENA_MINIKUBE_ARGS:---driver=docker --cpus=4 --memory=8192 --disk-size=40g}

say() { printf '\ndeploy: %s\n' "$*"; }
die() { printf 'deploy: ERROR: %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null || die "$1 is not installed (docs/centos-stream.md, step '$2')"; }

need minikube "minikube and kubectl"
need kubectl "minikube and kubectl"
need node "Node.js"

# ---- 1. minikube --------------------------------------------------------------------------------
if minikube status --format '{{.Host}} {{.APIServer}}' 2>/dev/null | grep -q "Running Running"; then
  say "minikube is running"
else
  say "starting minikube ($MINIKUBE_ARGS)"
  # shellcheck disable=SC2086 # word splitting of the argument list is intended
  minikube start $MINIKUBE_ARGS
fi
kubectl config use-context minikube >/dev/null

# ---- 2. images ------------------------------------------------------------------------------------
if [[ "${ESTRENA_SKIP_BUILD:-}" == 1 ]]; then
  say "ESTRENA_SKIP_BUILD=1: using the images already in minikube"
else
  for t in "${TARGETS[@]}"; do
    say "building $REGISTRY/$t:$VERSION (docker/Dockerfile, target $t)"
    minikube image build -t "$REGISTRY/$t:$VERSION" -f docker/Dockerfile --build-opt="target=$t" .
  done
fi

# ---- 3. Knative ----------------------------------------------------------------------------------
# installed_version NAMESPACE: the app.kubernetes.io/version label Knative puts on its namespace, or nothing.
installed_version() { kubectl get namespace "$1" -o jsonpath='{.metadata.labels.app\.kubernetes\.io/version}' 2>/dev/null || true; }
wait_deployments() { kubectl -n "$1" wait deployment --all --for=condition=Available --timeout=600s; }

want_serving=${KNATIVE_SERVING_VERSION#knative-v}
have=$(installed_version knative-serving)
if [[ "$have" == "$want_serving" ]]; then
  say "Knative Serving $have is installed"
else
  say "installing Knative Serving $want_serving (found: ${have:-none})"
  kubectl apply -f "$SERVING/serving-crds.yaml"
  kubectl wait --for=condition=Established crd --all --timeout=120s
  kubectl apply -f "$SERVING/serving-core.yaml"
fi
wait_deployments knative-serving

want_kourier=${KOURIER_VERSION#knative-v}
have=$(installed_version kourier-system)
if [[ "$have" == "$want_kourier" ]]; then
  say "Kourier $have is installed"
else
  say "installing Kourier $want_kourier (found: ${have:-none})"
  kubectl apply -f "$KOURIER/kourier.yaml"
fi
kubectl patch configmap/config-network -n knative-serving --type merge \
  -p '{"data":{"ingress-class":"kourier.ingress.networking.knative.dev"}}'
wait_deployments kourier-system

want_eventing=${KNATIVE_EVENTING_VERSION#knative-v}
have=$(installed_version knative-eventing)
if [[ "$have" == "$want_eventing" ]]; then
  say "Knative Eventing $have is installed"
else
  say "installing Knative Eventing $want_eventing (found: ${have:-none})"
  kubectl apply -f "$EVENTING/eventing-crds.yaml"
  kubectl wait --for=condition=Established crd --all --timeout=120s
  kubectl apply -f "$EVENTING/eventing-core.yaml"
  kubectl apply -f "$EVENTING/in-memory-channel.yaml"
  kubectl apply -f "$EVENTING/mt-channel-broker.yaml"
fi
wait_deployments knative-eventing

# Knative URLs are <service>.<namespace>.<domain>. sslip.io resolves <ip>.sslip.io names to <ip>.
DOMAIN=${ESTRENA_DOMAIN:-$(minikube ip).sslip.io}
# Replace the whole data map: a domain left from an earlier run would otherwise compete with this one.
kubectl patch configmap/config-domain -n knative-serving --type json \
  -p "[{\"op\":\"add\",\"path\":\"/data\",\"value\":{\"$DOMAIN\":\"\"}}]"

# ---- 4. namespace, serving settings and the Secrets ------------------------------------------------
say "applying the namespace and the serving ConfigMaps (before any Service: the webhook checks timeouts against them)"
kubectl apply -f knative/namespace.yaml
kubectl apply -f knative/serving/config-autoscaler.yaml -f knative/serving/config-defaults.yaml

# One Secret per identity (lib/runtime/identities.ts): MinIO's root login for MinIO and its bootstrap only, the
# webhook token, and estrena-s3-<identity> (S3_ACCESS_KEY, S3_SECRET_KEY) for each part. The values are generated
# once into .estrena/knative.env (mode 600, git-ignored) by the same code as compose's env file; an existing Secret
# is never touched.
[[ -f dist/tools/compose/env.js ]] || npm run build --silent
SECRETS_ENV=.estrena/knative.env
node dist/tools/compose/env.js "$SECRETS_ENV" >/dev/null
val() { sed -n "s/^$1=//p" "$SECRETS_ENV"; }
secret() {
  local name=$1
  shift
  if kubectl -n "$NS" get secret "$name" >/dev/null 2>&1; then
    say "Secret $name exists; keeping it"
  else
    say "creating Secret $name from $SECRETS_ENV (docs/operations.md#credentials)"
    kubectl -n "$NS" create secret generic "$name" "$@" >/dev/null
  fi
}
secret estrena-minio-root --from-literal=MINIO_ROOT_USER="$(val MINIO_ROOT_USER)" --from-literal=MINIO_ROOT_PASSWORD="$(val MINIO_ROOT_PASSWORD)"
secret estrena-webhook --from-literal=WEBHOOK_AUTH_TOKEN="$(val WEBHOOK_AUTH_TOKEN)"
while read -r id user_env secret_env; do
  secret "estrena-s3-$id" --from-literal=S3_ACCESS_KEY="$(val "$user_env")" --from-literal=S3_SECRET_KEY="$(val "$secret_env")"
done < <(node --input-type=module -e '
  const { IDENTITIES } = await import("./dist/lib/runtime/identities.js");
  for (const [id, v] of Object.entries(IDENTITIES)) console.log(id, v.userEnv, v.secretEnv);')

# ---- 5. estrena --------------------------------------------------------------------------------------
# A Job's template is immutable, and a finished Job would not run again: replace it so the bootstrap re-runs
# (it is idempotent) with whatever image or settings changed.
kubectl -n "$NS" delete job minio-bootstrap --ignore-not-found
say "applying knative/ (kustomize; includes minio/)"
kubectl apply -k knative/

# ---- 6. wait -------------------------------------------------------------------------------------------
say "waiting for Redis, MinIO and the bucket bootstrap"
kubectl -n "$NS" rollout status deployment/redis --timeout=300s
kubectl -n "$NS" rollout status statefulset/minio --timeout=600s
kubectl -n "$NS" wait job/minio-bootstrap --for=condition=Complete --timeout=600s
say "waiting for the Knative Services, the Broker and the Triggers"
kubectl -n "$NS" wait ksvc --all --for=condition=Ready --timeout=600s
kubectl -n "$NS" wait broker/default --for=condition=Ready --timeout=300s
kubectl -n "$NS" wait trigger --all --for=condition=Ready --timeout=300s
kubectl -n "$NS" wait sinkbinding --all --for=condition=Ready --timeout=300s

# Kourier's Service is a LoadBalancer; without `minikube tunnel` it is still reachable on its node port.
URL=$(kubectl -n "$NS" get ksvc gateway -o jsonpath='{.status.url}')
NODE_PORT=$(kubectl -n kourier-system get service kourier -o jsonpath='{.spec.ports[?(@.name=="http2")].nodePort}')
say "estrena is up"
cat <<EOF
  Knative URL of the gateway:   $URL
  From this host (node port):   ${URL}:${NODE_PORT}/
  Health:                       curl -s ${URL}:${NODE_PORT}/healthz
  MinIO console for editors:    kubectl -n $NS port-forward svc/minio 9001:9001   →  http://127.0.0.1:9001
  Credentials:                  docs/operations.md#credentials
  Remote viewers, one open port: docs/centos-stream.md#remote-access
EOF
