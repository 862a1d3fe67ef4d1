// End to end against a real release: bin/<name> remote takes .help, .exit and answers .load in one sentence, as otp
// remote does (before, `.help` answered "the code does not parse"); what bin/<name> eval's code prints shows at the
// caller before its answer, as a remote line's does (before, it printed on the node, where nobody saw it); and a port
// mapper that accepts but never answers leaves bin/<name> remote and ping with one sentence naming it, exit 1 (before,
// "internal error" with a stack).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';

const project = releaseProject('relwalk');
after(() => project.remove());
await privatePortMapper();

before(async () => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  await ok(project.run(['daemon']), 'daemon');
});

test('bin/<name> remote: .help lists the dot-commands, .load is one sentence, .exit leaves', { timeout: 300_000 }, async () => {
  const ran = await project.run(['remote'], { ...project.env, NO_COLOR: '1' }, ['.help', '.load checks.js', '([1, 2]', '  .length)', '.exit', "'not run'"].join('\n') + '\n');
  assert.equal(ran.status, 0, ran.out);
  assert.doesNotMatch(ran.out, /does not parse|Unexpected token|not run/, ran.out);
  assert.match(ran.stdout, /^\.break .*\n\.clear .*\n\.exit .*\n\.help .*\nhelp\(\) .*\n\.load is not a command of the remote shell, .*help\(\) lists its helpers\n2$/, ran.stdout);
});

// Before, `.clear` was refused here, and a `const a` once declared could never be declared again in that shell.
test('bin/<name> remote: .clear forgets the declarations, as otp shell\'s does, and the shell goes on', { timeout: 300_000 }, async () => {
  const ran = await project.run(['remote'], { ...project.env, NO_COLOR: '1' }, ['const a = 1', '.clear', 'a', 'const a = 2', 'a'].join('\n') + '\n');
  assert.equal(ran.stdout, 'Clearing context...\n** a is not defined\n2', ran.out);
  assert.equal(ran.status, 1, ran.out);
});

test('bin/<name> eval: what the code prints shows at the caller, before its answer', { timeout: 300_000 }, async () => {
  const printed = await project.run(['eval', "console.log('ev-out', 1); process.stdout.write('ev-raw'); 40 + 2"]);
  assert.equal(printed.status, 0, printed.out);
  assert.equal(printed.stdout, 'ev-out 1\nev-raw\n42', printed.out);
  const thrown = await project.run(['eval', "console.log('ev-before'); throw new Error('ev-thrown')"]);
  assert.equal(thrown.status, 1, thrown.out);
  assert.equal(thrown.stdout, 'ev-before', thrown.out);
  assert.match(thrown.stderr, /^relwalk: ev-thrown$/, thrown.out);
  // Without output, the answer alone, as before.
  assert.equal((await project.run(['eval', '6 * 7'])).stdout, '42');
});

test('bin/<name> remote and ping: a port mapper that never answers is one sentence, exit 1', { timeout: 300_000 }, async () => {
  const held: Socket[] = [];
  const silent = createServer((socket) => void held.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  try {
    for (const command of ['remote', 'ping']) {
      const ran = await project.run([command], { ...project.env, OTP_EPMD_PORT: String(port), OTP_EPMD_TIMEOUT: '300', NO_COLOR: '1' }, '1 + 1\n');
      assert.equal(ran.status, 1, `${command}: ${ran.out}`);
      assert.doesNotMatch(ran.out, /internal error|crash report|\n\s+at /, `${command}: ${ran.out}`);
      assert.match(ran.stderr, new RegExp(`^relwalk: cannot reach relwalk@[\\w.-]+: the port mapper at 127\\.0\\.0\\.1:${port} accepted the connection but sent no answer within 300 ms; .*set OTP_EPMD_PORT to the port mapper's port$`), `${command}: ${ran.out}`);
      assert.equal(ran.stdout, command === 'ping' ? 'pang' : '', `${command}: ${ran.out}`);
    }
  } finally {
    for (const socket of held) socket.destroy();
    silent.close();
  }
});
