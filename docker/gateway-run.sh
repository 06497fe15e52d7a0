#!/bin/sh
# Gateway container entry point: render nginx.conf from the environment (tools/gateway-config/main.ts), then
# replace this shell with nginx in the foreground so it receives the container's signals directly.
set -eu
conf=$(node /app/dist/tools/gateway-config/main.js)
exec nginx -p "${GATEWAY_PREFIX:-/var/lib/estrena-gateway}" -c "$conf" -g "daemon off;"
