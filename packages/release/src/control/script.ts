import { fileURLToPath } from 'node:url';

/** The start script `bin/<name>` of a release: finds the release root and a Node.js (the release's own first), then runs `bin/<name>.mjs`. */
export function startScript(name: string): string {
  return `#!/bin/sh
# The start script of the ${name} release, made by otp release (otp-ts). \`bin/${name} help\` lists its commands.
set -e
# Shell builtins only until Node.js is found: the script works with an empty PATH when the release carries node/.
SCRIPT="$0"
while [ -h "$SCRIPT" ]; do
  LINK="$(readlink "$SCRIPT")"
  case "$LINK" in /*) SCRIPT="$LINK" ;; *) SCRIPT="\${SCRIPT%/*}/$LINK" ;; esac
done
case "$SCRIPT" in */*) DIR="\${SCRIPT%/*}" ;; *) DIR=. ;; esac
ROOT="$(cd "$DIR/.." && pwd -P)"
if [ -x "$ROOT/node/bin/node" ]; then
  NODE="$ROOT/node/bin/node"
else
  NODE="$(command -v node || true)"
fi
if [ -z "$NODE" ]; then
  echo "${name}: Node.js is not on PATH and this release carries none: install Node.js >= 20.19, or rebuild with otp release --include-node" >&2
  exit 2
fi
export OTP_RELEASE_ROOT="$ROOT"
exec "$NODE" "$ROOT/bin/${name}.mjs" "$@"
`;
}

/** The start script's program (built to dist/control.js), copied into a release as `bin/<name>.mjs`. */
export function controlProgramPath(): string {
  // From src/control/script.ts and from dist/index.js alike, the package root is reached by the same URL.
  return fileURLToPath(new URL(import.meta.url.includes('/src/') ? '../../dist/control.js' : './control.js', import.meta.url));
}
