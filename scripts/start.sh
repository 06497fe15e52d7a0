#!/usr/bin/env bash
# npm start: install what is missing, build, then run the whole stack in the foreground (Ctrl-C stops it all).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install.sh
echo "start: compiling TypeScript (npm run build)"
npm run --silent build
if node -e 'process.exit(require("./package.json").scripts?.["build:web"] ? 0 : 1)'; then
  echo "start: building the web page (npm run build:web)"
  npm run --silent build:web
fi
exec node dist/scripts/stack.js
