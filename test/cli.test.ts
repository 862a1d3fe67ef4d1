// End to end: the built `otp` binary, run as a child process the way a user runs it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/bin/otp.js', import.meta.url));
const otp = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', env: { ...process.env, SHELL: '/bin/bash' } });

test('otp --version prints the version of the cli package', () => {
  const { version } = JSON.parse(readFileSync(new URL('../packages/cli/package.json', import.meta.url), 'utf8'));
  const r = otp('--version');
  assert.equal(r.status, 0);
  assert.equal(r.stdout.trim(), version);
});

test('otp --help lists every command with an example', () => {
  const r = otp('--help');
  assert.equal(r.status, 0);
  assert.match(r.stdout, /otp <command> \[options\]/);
  assert.match(r.stdout, /otp new <template> <name>\s+Create a project/);
  assert.match(r.stdout, /otp completion \[shell\]/);
  assert.match(r.stdout, /--quiet/);
  assert.match(r.stdout, /--verbose/);
  assert.match(r.stdout, /Examples:\n\s+otp new app shop/);
});

test('every command has --help with an example', () => {
  for (const [command, example] of [['new', 'otp new app shop'], ['completion', 'otp completion bash']]) {
    const r = otp(command!, '--help');
    assert.equal(r.status, 0, command);
    assert.match(r.stdout, new RegExp(`^otp ${command} `), command);
    assert.match(r.stdout, new RegExp(`Examples:\\n\\s+${example!}`), command);
  }
  assert.match(otp('new', '--help').stdout, /template\s+what to create \(app, lib or umbrella\)/);
});

test('an unknown command or option exits 2 with one clear line, suggesting the closest one', () => {
  const cases: Array<[string[], string, string]> = [
    [['nwe', 'app', 'x'], "unknown command 'nwe' (did you mean 'new'?)", 'otp'],
    [['frobnicate'], "unknown command 'frobnicate'", 'otp'],
    [['--bogus'], "unknown option '--bogus' for otp", 'otp'],
    [['new', 'app', 'shop', '--forse'], "unknown option '--forse' for otp new (did you mean '--force'?)", 'otp new'],
    [['new', 'ap', 'shop'], "'ap' is not a valid <template>: use app, lib or umbrella (did you mean 'app'?)", 'otp new'],
    // `npm create otp-ts shop` taken to otp: the template left out, so the name stands in its place.
    [['new', 'shop'], "'shop' is not a valid <template>: use app, lib or umbrella (<template> left out? otp new app shop)", 'otp new'],
    // ... and the line it suggests is one to paste: a name the shell would split comes quoted.
    [['new', 'my app'], "'my app' is not a valid <template>: use app, lib or umbrella (<template> left out? otp new app 'my app')", 'otp new'],
    [['new', 'app'], 'missing <name> (the project name: lowercase letters, digits and _): otp new <template> <name>', 'otp new'],
    [['new', 'app', 'shop', 'more'], "unexpected argument 'more': otp new <template> <name>", 'otp new'],
    [['completion', 'fish'], "'fish' is not a valid <shell>: use bash or zsh", 'otp completion'],
    // help of a command there is none of, as the docs' `otp help new` form: the unknown command, not the whole help.
    [['help', 'tset'], "unknown command 'tset' (did you mean 'test'?)", 'otp'],
    [['help', 'frobnicate'], "unknown command 'frobnicate'", 'otp'],
    // rebar3 version: the version is a flag here.
    [['version'], "unknown command 'version' (did you mean 'otp --version'?)", 'otp'],
  ];
  for (const [args, line, help] of cases) {
    const r = otp(...args);
    assert.equal(r.status, 2, `otp ${args.join(' ')}`);
    assert.equal(r.stderr, `otp: ${line}\nRun \`${help} --help\` for usage.\n`);
    assert.equal(r.stdout, '');
  }
});

test('on a Node.js older than 20.19, otp and npm create otp-ts say which one runs and what is needed, in one line, exit 2', (t) => {
  // The Node.js this runs on, reporting itself as 18.20.4 before the program loads (as an older one would, minus its missing modules).
  const old = ['--import', `data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '18.20.4' })`];
  const create = fileURLToPath(new URL('../packages/create-otp-ts/bin/create-otp-ts.js', import.meta.url));
  const cwd = mkdtempSync(join(tmpdir(), 'otp-old-node-'));
  t.after(() => rmSync(cwd, { recursive: true, force: true }));
  for (const [program, args, name] of [[bin, ['--version'], 'otp'], [bin, ['new', 'app', 'shop'], 'otp'], [create, ['shop'], 'create-otp-ts']] as const) {
    const r = spawnSync(process.execPath, [...old, program, ...args], { encoding: 'utf8', cwd });
    assert.equal(r.status, 2, r.stderr);
    assert.equal(r.stdout, '');
    assert.deepEqual(readdirSync(cwd), [], 'nothing was created');
    assert.match(r.stderr, new RegExp(`^${name}: Node\\.js 18\\.20\\.4 is too old: otp-ts needs Node\\.js 20\\.19 or later; install a newer one \\(https://nodejs\\.org, or nvm install 22\\) and run .+ again\\n$`));
  }
});

test('otp completion prints a bash or zsh script generated from the command tables', () => {
  const bash = otp('completion');
  assert.equal(bash.status, 0);
  assert.match(bash.stdout, /complete -o default -F _otp_complete otp/);
  // Every command `otp --help` lists is completed, in the help's order, and nothing else.
  const commands = [...new Set([...otp('--help').stdout.matchAll(/^ {2}otp (\w+)/gm)].map((m) => m[1]))];
  assert.ok(commands.includes('remote') && commands.includes('completion'), commands.join(' '));
  assert.ok(bash.stdout.includes(`compgen -W "${commands.join(' ')} --help --version"`), bash.stdout.slice(0, 400));
  assert.match(bash.stdout, /new\) opts="--dir -d --force -f --registry --quiet -q --verbose --help"; pos="app lib umbrella"/);
  const zsh = otp('completion', 'zsh');
  assert.match(zsh.stdout, /bashcompinit/);
  const check = spawnSync('bash', ['-n'], { input: bash.stdout, encoding: 'utf8' });
  if (check.error === undefined) assert.equal(check.status, 0, check.stderr);
});

test('a reader that closes the pipe (otp ... | head) ends otp quietly with exit 141, as SIGPIPE ends a Unix tool, not with an EPIPE stack', async () => {
  for (const args of [['--help'], ['completion', 'bash']]) {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reading end is closed before otp writes anything: its first write meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const code = await new Promise((r) => child.once('close', r));
    assert.equal(stderr, '', `otp ${args.join(' ')}`);
    assert.equal(code, 141, `otp ${args.join(' ')}`);
  }
});
