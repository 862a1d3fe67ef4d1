// The observer's page: built into dist/observer/ with the CLI (scripts/build.mjs, "otpBuild.browser"),
// or bundled in memory from src/observer/page/ when the CLI runs from its sources. Nothing is fetched
// from elsewhere: the page works offline.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The page's script and styles, and its HTML for a token. */
export interface PageAssets {
  js: string;
  css: string;
  html(token: string): string;
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function html(token: string): string {
  const t = encodeURIComponent(token);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="otp-token" content="${escape(token)}"><title>otp observer</title><link rel="icon" href="data:,">
<link rel="stylesheet" href="/app.css?token=${t}"></head>
<body><div id="app">loading…</div><script type="module" src="/app.js?token=${t}"></script></body></html>
`;
}

/** Reads the built page, or bundles it from the sources (with esbuild, already a dependency of the CLI). */
export async function pageAssets(): Promise<PageAssets> {
  const built = fileURLToPath(new URL('./observer/', import.meta.url));
  if (existsSync(`${built}app.js`)) {
    return { js: readFileSync(`${built}app.js`, 'utf8'), css: existsSync(`${built}app.css`) ? readFileSync(`${built}app.css`, 'utf8') : '', html };
  }
  const entry = fileURLToPath(new URL('./page/main.js', import.meta.url));
  if (!existsSync(entry)) throw new Error(`the observer's page is missing (no ${built}app.js): rebuild the CLI with npm run build`);
  const { build } = await import('esbuild');
  const out = await build({ entryPoints: [entry], bundle: true, write: false, outdir: '/observer', platform: 'browser', format: 'esm', target: 'es2020', minify: true, logLevel: 'silent' });
  const file = (ext: string) => out.outputFiles.find((f) => f.path.endsWith(ext))?.text ?? '';
  return { js: file('.js'), css: file('.css'), html };
}
