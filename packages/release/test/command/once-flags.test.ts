// A release's start script (bin/<name>) refuses any flag given twice, as `otp release` does: an upgrade, a
// downgrade or a boot that ran on the last of two values without a word could install or boot what was not meant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/command/adapter.ts';
import type { CommandSpec } from '../../src/command/spec.ts';
import { scriptProgram, scriptTables } from '../../src/control/commands.ts';

const script = scriptProgram('kiosk', Object.values(scriptTables) as readonly CommandSpec[]);

async function refusal(argv: string[]): Promise<{ message: string; exitCode?: number }> {
  try {
    await parseCommandLine(argv, script, 100);
  } catch (error) {
    return error as { message: string; exitCode?: number };
  }
  assert.fail(`${argv.join(' ')} was accepted`);
}

test('every single-valued flag of the start script given twice is a usage error naming it', async () => {
  for (const [argv, flag] of [
    [['foreground', '--vsn', '1.0.0', '--vsn', '1.1.0'], 'vsn'],
    [['foreground', '--vsn=1.0.0', '--vsn=1.1.0'], 'vsn'],
    [['rpc', 'otp', 'processCount', '--timeout', '10', '--timeout', '20'], 'timeout'],
    [['eval', 'x', '--eval-timeout', '10', '--eval-timeout', '20'], 'eval-timeout'],
    [['remote', '--eval-await-timeout', '10', '--eval-await-timeout=20'], 'eval-await-timeout'],
    [['upgrade', '0.2.0', '--probe-ms', '0', '--probe-ms', '5000'], 'probe-ms'],
    [['daemon', '--heart', '--heart'], 'heart'],
    [['daemon', '--heart', '--no-heart'], 'heart'],
  ] as const) {
    const e = await refusal([...argv]);
    assert.match(e.message, new RegExp(`^--${flag} was given 2 times .*: give it once`), argv.join(' '));
    assert.equal(e.exitCode, 2, argv.join(' '));
  }
});

test('each flag given once still parses', async () => {
  const line = await parseCommandLine(['rpc', 'otp', 'processCount', '--timeout', '10'], script, 100);
  assert.ok(!('help' in line));
  assert.equal(line.args.timeout, 10);
});
