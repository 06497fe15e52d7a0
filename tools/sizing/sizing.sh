#!/usr/bin/env bash
# `npm run sizing`: builds the simulator (go build caches it under .estrena/bin) and runs it from the repository
# root. Arguments pass through: --profile burst --set transcode.target=2 (see tools/sizing/README.md).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "sizing: Go is needed (scripts/install.sh checks for it)" >&2; exit 1; }
start=$SECONDS
(cd "$root/tools/sizing" && go build -o "$root/.estrena/bin/sizing" .)
if ((SECONDS - start > 5)); then echo "sizing: built against knative.dev/serving in $((SECONDS - start)) s" >&2; fi
exec "$root/.estrena/bin/sizing" --root "$root" "$@"
