// Docs that run: every `otp` command line of docs/*.md's command blocks (docs/cli.md's reference is
// generated from the commands' --help examples) is run through the built otp in a project made by the
// docs' own first line, `otp new app shop`, against that project's release running as shop@127.0.0.1,
// and must exit 0; or it is listed below with the reason it is not run here (and where it is run).
// test/docs.test.ts parses and checks every line as otp would; this runs them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bin } from './support/cli.ts';
import { privatePortMapper } from './support/epmd.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** Lines not run here, each with why (the command's own end-to-end test runs its kind). */
const notRun: Record<string, string> = {
  'otp release --upgrade-from 0.1.0': 'needs a second version of the project; test/release.test.ts builds and runs upgrades',
  'otp ping shop@10.0.0.5 --proto tls --ssl-cert tool.pem --ssl-key tool.key --ssl-ca ca.pem': 'a TLS cluster on another host; test/tls-tools.test.ts runs the tools over TLS',
  "otp info shop@127.0.0.1 '<0.42.0>'": 'a pid that exists only in the example; test/trace.test.ts runs otp info on a running node',
  'otp top shop@127.0.0.1': 'refreshes until stopped; test/trace.test.ts runs otp top',
  'otp observer shop@127.0.0.1': 'serves until stopped and opens a browser; test/observer.test.ts drives it',
  'otp observer shop@127.0.0.1 --port 8080 --no-open': 'serves until stopped, on a fixed port; test/observer.test.ts drives it',
  'otp observer --dump _build/prod/rel/shop/otp_crash.dump': 'needs a crash dump; test/observer-dump.test.ts serves one',
  'otp profile shop@127.0.0.1 --time 30s --html flame.html --cpuprofile shop.cpuprofile': 'profiles for 30 s; test/profile.test.ts writes both files',
  'otp profile shop@127.0.0.1 --time 30s --top 25': 'profiles for 30 s; test/profile.test.ts runs --time and --top',
  'otp profile shop@127.0.0.1 --name cart_server': 'the generated project has no cart_server; test/profile.test.ts profiles one process',
  'otp profile shop@127.0.0.1 --module cart_server': 'the generated project has no cart_server; test/profile.test.ts profiles one module',
  'otp crashdump _build/prod/rel/shop/otp_crash.dump': 'needs a crash dump; test/crashdump.test.ts reads one',
  'otp crashdump otp_crash.dump --pid orders': 'needs a crash dump; test/crashdump.test.ts reads one',
  'otp crashdump _build/prod/rel/shop/otp_crash.dump --top 20': 'needs a crash dump; test/crashdump.test.ts reads one',
  'otp crashdump _build/prod/rel/shop/otp_crash.dump --pid orders': 'needs a crash dump; test/crashdump.test.ts reads one',
  'otp remote shop@127.0.0.1 < checks.js': 'reads a file of the reader\'s; test/remote-bound.test.ts pipes lines into otp remote',
};

/** One command line of the docs: where, the line as written (less its comment), its words. */
interface DocLine {
  at: string;
  line: string;
  argv: string[];
}

// Words of a command line, as a POSIX shell splits them (quotes kept together, no expansion), up to an unquoted redirection.
function words(line: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:\\.|[^"\\])*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m[3] !== undefined && /^(?:>>?|<)$/.test(m[3])) break;
    out.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3]!);
  }
  return out;
}

/** The otp lines of docs/*.md's command blocks (```sh, ```bash or bare, not marked not-runnable). */
function docLines(): DocLine[] {
  const found: DocLine[] = [];
  for (const file of readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).sort()) {
    const lines = readFileSync(join(repo, 'docs', file), 'utf8').split('\n');
    for (let i = 0; i < lines.length; i++) {
      const open = /^\s*```(\w*)\s*$/.exec(lines[i]!);
      if (!open) continue;
      let end = i + 1;
      while (end < lines.length && !/^\s*```\s*$/.test(lines[end]!)) end++;
      let before = i - 1;
      while (before >= 0 && lines[before]!.trim() === '') before--;
      const marked = before >= 0 && /^<!-- not-runnable:/.test(lines[before]!.trim());
      if (['sh', 'bash', ''].includes(open[1]!) && !marked) {
        for (let j = i + 1; j < end; j++) {
          const line = lines[j]!.replace(/\s+#\s.*$/, '').replace(/^npx /, '').trim();
          if (line.startsWith('otp ')) found.push({ at: `docs/${file}:${j + 1}`, line, argv: words(line).slice(1) });
        }
      }
      i = end;
    }
  }
  return found;
}

test('every otp command line of docs/*.md runs as written in a generated project against its running release, or is listed with why not', { timeout: 1_500_000 }, async () => {
  const lines = docLines();
  assert.ok(lines.length > 40, `${lines.length} lines read`);
  const stale = Object.keys(notRun).filter((l) => !lines.some((d) => d.line === l));
  assert.deepEqual(stale, [], 'lines listed as not run that no doc has any more: remove them');

  const epmdPort = await privatePortMapper();
  mkdirSync(join(repo, '_build', 'e2e'), { recursive: true });
  const scratch = mkdtempSync(join(repo, '_build', 'e2e', 'docsrun-'));
  const home = join(scratch, 'home');
  mkdirSync(home);
  // The reader's home is the scratch folder's (otp completion writes there); the project's release names the node and its cookie.
  const env = { ...process.env, HOME: home, OTP_EPMD_PORT: String(epmdPort), NO_COLOR: '1' };
  const shop = join(scratch, 'shop');
  const daemon = join(shop, '_build', 'prod', 'rel', 'shop', 'bin', 'shop');
  let umbrella: string | undefined;
  const failures: string[] = [];
  let ran = 0;
  const run = (d: DocLine, cwd: string, input = ''): void => {
    const argv = d.argv.map((w) => w.replace(/^~(?=\/)/, home));
    const r = spawnSync(process.execPath, [bin, ...argv], { cwd, env, input, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 });
    ran++;
    if (r.status !== 0) failures.push(`${d.at}: ${d.line} exited ${r.status ?? r.signal}:\n${(r.stdout + r.stderr).slice(-1500)}`);
    else if (/^(new|remote|nodes|completion)$/.test(argv[0]!) ? false : r.stdout.trim() === '' && r.stderr.trim() === '') failures.push(`${d.at}: ${d.line} printed nothing`);
  };
  try {
    const runnable = lines.filter((d) => notRun[d.line] === undefined);
    const first = runnable.find((d) => d.line.startsWith('otp new app shop'));
    assert.ok(first, 'docs/cli.md starts with otp new app shop');
    run(first, scratch);
    assert.ok(existsSync(join(shop, 'package.json')), failures.join('\n'));
    // Without a node first (the shell registers as shop itself), then against the release's node.
    const needsNode = (d: DocLine): boolean => d.argv.includes('shop@127.0.0.1');
    for (const d of runnable.filter((x) => x !== first && !needsNode(x))) {
      if (d.argv[0] === 'new' && d.argv[1] === 'umbrella') {
        run(d, scratch);
        umbrella = join(home, 'code', 'store');
      } else if (d.argv[0] === 'new') {
        // The line's own comment: run inside an umbrella (the one the line before made).
        assert.ok(umbrella, `${d.at}: an umbrella to add the app to`);
        run(d, umbrella);
      } else {
        run(d, shop, d.argv[0] === 'shell' ? "await call('shop_server', { op: 'bump', key: 'visits', by: 1 })\nq()\n" : '');
      }
    }
    if (!existsSync(daemon)) assert.equal(spawnSync(process.execPath, [bin, 'release'], { cwd: shop, env, encoding: 'utf8' }).status, 0);
    const started = spawnSync(daemon, ['daemon'], { cwd: shop, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(started.status, 0, started.stdout + started.stderr);
    for (const d of runnable.filter(needsNode)) run(d, shop);
  } finally {
    if (existsSync(daemon)) spawnSync(daemon, ['stop'], { cwd: shop, env, encoding: 'utf8', timeout: 120_000 });
    rmSync(scratch, { recursive: true, force: true });
  }
  assert.deepEqual(failures, [], `doc lines that do not run as written (${ran} run):\n${failures.join('\n\n')}`);
});
