#!/bin/sh
# Gateway container entry point: render nginx.conf from the environment (scripts/gateway-container.ts), then
# replace this shell with nginx in the foreground so it receives the container's signals directly.
set -eu
conf=$(node /app/dist/scripts/gateway-container.js)
exec nginx -p "${GATEWAY_PREFIX:-/var/lib/estrena-gateway}" -c "$conf" -g "daemon off;"
