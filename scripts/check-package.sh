#!/usr/bin/env bash
# A community package must ship only its build, README, LICENSE and package.json, and no
# runtime dependencies (n8n installs community packages without their dev tooling). The output
# schemas are required too: without them the editor's Schema view stays empty until a run.
set -euo pipefail
cd "$(dirname "$0")/.."

files=$(npm pack --dry-run --json --ignore-scripts 2>/dev/null | node -e '
  const [pack] = JSON.parse(require("fs").readFileSync(0, "utf8"));
  console.log(pack.files.map((f) => f.path).join("\n"));')
unexpected=$(printf '%s\n' "$files" | grep -vE '^(dist/|README\.md$|LICENSE$|package\.json$)' || true)
if [ -n "$unexpected" ]; then
  echo "npm pack would ship files outside dist/, README.md, LICENSE and package.json:" >&2
  printf '  %s\n' $unexpected >&2
  exit 1
fi
for required in README.md LICENSE package.json dist/nodes/RoboflowVideo/RoboflowVideo.node.js \
  dist/nodes/RoboflowVideo/RoboflowVideo.node.json dist/nodes/RoboflowVideo/roboflow.svg \
  dist/nodes/RoboflowVideo/roboflow.dark.svg dist/credentials/RoboflowApi.credentials.js \
  dist/nodes/RoboflowVideo/__schema__/v1.0.0/{uploadVideo,startInference,getStatus,waitForResult}.json; do
  # A here-string, not a pipe: grep -q stops at its first match, and under pipefail the
  # writer's SIGPIPE would then read as "missing" (a race that failed CI once).
  grep -qx "$required" <<<"$files" || { echo "npm pack is missing $required (run npm run build first)" >&2; exit 1; }
done
node -e '
  const p = require("./package.json");
  if (p.dependencies && Object.keys(p.dependencies).length) { console.error("package.json has runtime dependencies:", p.dependencies); process.exit(1); }'
echo "package contents ok: $(printf '%s\n' "$files" | wc -l) files, no runtime dependencies"
