#!/usr/bin/env bash
# npm start: install what is missing, build, then run the whole stack in the foreground (Ctrl-C stops it all).
set -euo pipefail
cd "$(dirname "$0")/.."

# Say so at once when a stack already runs on this state directory (dev/lock.ts checks again, atomically).
LOCK="${ESTRENA_STATE_DIR:-.estrena}/stack.lock"
if [[ -f "$LOCK" ]] && command -v node >/dev/null; then
  node -e '
    const l = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    try { process.kill(l.pid, 0); } catch { process.exit(0); }
    if (!/node/.test(require("fs").readFileSync(`/proc/${l.pid}/cmdline`, "utf8"))) process.exit(0);
    console.error(`\nestrena is already running (pid ${l.pid}, since ${l.startedAt}; web ${l.urls.web ?? "?"}). Stop it with Ctrl-C in its terminal or \`kill ${l.pid}\`.\n`);
    process.exit(2);' "$LOCK" || exit $?
fi

bash scripts/install.sh
echo "start: compiling TypeScript (npm run build)"
npm run --silent build
if node -e 'process.exit(require("./package.json").scripts?.["build:web"] ? 0 : 1)'; then
  echo "start: building the web page (npm run build:web)"
  npm run --silent build:web
fi
exec node dist/dev/main.js
