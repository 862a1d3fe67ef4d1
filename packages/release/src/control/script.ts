import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The oldest Node.js a release runs on, [major, minor]: @otp-ts/release's engines, as otp's own check reads them. */
function minimumNode(): [number, number] {
  // From src/control/script.ts (run as TypeScript) or from dist/index.js, as controlProgramPath tells them apart.
  const pkg = new URL(import.meta.url.endsWith('.ts') ? '../../package.json' : '../package.json', import.meta.url);
  const [major = 20, minor = 19] = (/(\d+)\.(\d+)/.exec((JSON.parse(readFileSync(pkg, 'utf8')) as { engines: { node: string } }).engines.node) ?? []).slice(1).map(Number);
  return [major, minor];
}

/** The start script `bin/<name>` of a release: finds the release root and a Node.js (the release's own first), then runs `bin/<name>.mjs`. */
export function startScript(name: string): string {
  const [major, minor] = minimumNode();
  return `#!/bin/sh
# The start script of the ${name} release, made by otp release (otp-ts). \`bin/${name} help\` lists its commands.
set -e
# Shell builtins only until Node.js is found: the script works with an empty PATH when the release carries node/.
SCRIPT="$0"
# A link's target is relative to the link's folder (the current one when $0 has no slash, as with \`sh NAME\`), and
# that folder may itself be a link: cd -P follows it as the kernel did, where a plain cd would drop "dir/.." by text.
while [ -h "$SCRIPT" ]; do
  LINK="$(readlink "$SCRIPT")"
  case "$LINK" in /*) SCRIPT="$LINK" ;; *) case "$SCRIPT" in */*) SCRIPT="\${SCRIPT%/*}/$LINK" ;; *) SCRIPT="$LINK" ;; esac ;; esac
done
case "$SCRIPT" in */*) DIR="\${SCRIPT%/*}" ;; *) DIR=. ;; esac
ROOT="$(cd -P "$DIR/.." && pwd -P)"
if [ -x "$ROOT/node/bin/node" ]; then
  NODE="$ROOT/node/bin/node"
else
  NODE="$(command -v node || true)"
  # A Node.js on PATH older than the release needs would fail to load it with a stack: say so, as otp does.
  V="$("\${NODE:-false}" --version 2>/dev/null || true)"
  V="\${V#v}"
  case "$V" in
    [0-9]*.[0-9]*.*)
      MINOR="\${V#*.}"
      if [ "\${V%%.*}" -lt ${major} ] || { [ "\${V%%.*}" -eq ${major} ] && [ "\${MINOR%%.*}" -lt ${minor} ]; }; then
        echo "${name}: the Node.js on PATH ($NODE) is $V, too old: this release needs Node.js ${major}.${minor} or later; install a newer one, or rebuild with otp release --include-node" >&2
        exit 2
      fi ;;
  esac
fi
if [ -z "$NODE" ]; then
  echo "${name}: Node.js is not on PATH and this release carries none: install Node.js >= ${major}.${minor}, or rebuild with otp release --include-node" >&2
  exit 2
fi
export OTP_RELEASE_ROOT="$ROOT"
exec "$NODE" "$ROOT/bin/${name}.mjs" "$@"
`;
}

/** The start script's program (built to dist/control.js), copied into a release as `bin/<name>.mjs`. */
export function controlProgramPath(): string {
  // From src/control/script.ts (run as TypeScript) or from dist/index.js: told apart by this file's own name, never by a
  // folder on its path (a project under ~/src/ holds the package at …/src/shop/node_modules/@otp-ts/release/dist/).
  return fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../../dist/control.js' : './control.js', import.meta.url));
}
