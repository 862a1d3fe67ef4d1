// `.exit` and `.break` are shell commands wherever they are typed, in every shell alike: otp shell's node:repl
// quits at `.exit` typed inside a statement, where the remote shells (otp remote, bin/<release> remote) read it
// as more of the statement and ran the lines after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { createInterface } from 'node:readline';
import { clearsSession, quitsShell, replStatements } from '../../src/index.ts';

async function statements(input: string): Promise<string[]> {
  const rl = createInterface({ input: Readable.from([input]), terminal: false });
  const out: string[] = [];
  for await (const statement of replStatements(rl, false, '> ')) out.push(statement);
  rl.close();
  return out;
}

test('.exit inside a statement quits: the statement is dropped and nothing after it is read', async () => {
  const read = await statements('40 + 2\nconst settings = {\n  retries: 3,\n  .exit  \n6 * 7 + 1\n');
  assert.deepEqual(read, ['40 + 2', '.exit']);
  assert.ok(quitsShell(read[1]!));
});

test('.break drops the statement being read, and is no statement of its own at the prompt', async () => {
  assert.deepEqual(await statements('const settings = {\n  retries: 3,\n.break\n6 * 7 + 1\n.break\n1\n'), ['6 * 7 + 1', '1']);
});

test('.clear drops the statement being read, as .break does, and comes as a command of its own for the shell to run', async () => {
  const read = await statements('const a = 1\nconst settings = {\n  .clear \na\n');
  assert.deepEqual(read, ['const a = 1', '.clear', 'a']);
  assert.deepEqual(read.map(clearsSession), [false, true, false]);
});

test('quitsShell: the quit commands alone, not code that mentions them', () => {
  for (const quit of ['q()', ' .exit', 'exit', 'quit\n', 'q();', 'q( ) ;', 'exit;']) assert.ok(quitsShell(quit), quit);
  for (const code of ['q() + 1', 'exit()', 'process.exit', 'const quit = 1', '.exit;', 'q(1)']) assert.ok(!quitsShell(code), code);
});
