// End to end: Ctrl-C at a line of a release's bin/<name> remote in a real terminal (util-linux's `script`) stops that
// line on the node, as it does at otp remote (test/remote-interrupt.test.ts): its interval no longer ticks, the
// session answers the next line, q() leaves with exit 0, and the node runs on.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { ok } from './support/run.ts';
import { privatePortMapper } from './support/epmd.ts';
import { releaseProject } from './support/release-project.ts';
import { hasTerminal, interruptRemoteLine, terminalSession } from './support/terminal.ts';

const project = releaseProject('relremintr');
// Registered before the port mapper's own hook, so the node is stopped while its port mapper still answers.
after(() => project.remove());
await privatePortMapper();

before(async () => {
  await project.create();
  await ok(project.otp(['release']), 'otp release');
  await ok(project.run(['daemon']), 'daemon');
});

// The value of CODE on the node, through bin/<name> eval.
const probe = async (code: string): Promise<string> => (await project.run(['eval', code])).stdout;

test('Ctrl-C at bin/<name> remote stops the running line on the node, the session and the node go on', { timeout: 300_000 }, async (t) => {
  if (!hasTerminal()) return t.skip('no script command (util-linux) to make a terminal');
  const term = terminalSession([project.script, 'remote'], { cwd: project.rel, env: { ...project.env, NO_COLOR: '1' } });
  try {
    await interruptRemoteLine(term, /relremintr@[\w.-]+> /, probe);
    assert.equal((await project.run(['ping'])).status, 0, 'the node runs on');
  } finally {
    term.kill();
  }
});
