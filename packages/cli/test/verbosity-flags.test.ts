// --quiet and --verbose follow the rule every boolean of the command line does: given both ways, the last one
// wins (`--quiet --no-quiet` is not quiet), as the parser reads `--json --no-json` as --no-json. They were read
// by their mere presence, so `otp compile --quiet --no-quiet` still printed errors only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, defineProvider, type Verbosity } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

const seen: Array<{ verbosity: Verbosity; json: boolean | undefined }> = [];
const report = defineProvider({
  name: 'report',
  description: 'Report.',
  deps: [],
  positionals: [],
  options: [{ name: 'json', type: 'boolean', description: 'as JSON' }],
  examples: [{ command: 'otp report', description: 'reports' }],
  async run(args, io) {
    seen.push({ verbosity: io.verbosity, json: args.json });
    return 0;
  },
});

async function verbosity(...flags: string[]): Promise<Verbosity> {
  seen.length = 0;
  const code = await runCli(['report', ...flags], [report], { version: '0.0.0' }, captureIo());
  assert.equal(code, 0, flags.join(' '));
  return seen[0]!.verbosity;
}

test('a verbosity flag given both ways: the last one wins, in every spelling', async () => {
  assert.equal(await verbosity('--quiet', '--no-quiet'), 'normal');
  assert.equal(await verbosity('-q', '--no-quiet'), 'normal');
  assert.equal(await verbosity('--quiet', '--quiet=false'), 'normal');
  assert.equal(await verbosity('--no-quiet', '--quiet'), 'quiet');
  assert.equal(await verbosity('--no-quiet', '-q'), 'quiet');
  assert.equal(await verbosity('--verbose', '--no-verbose'), 'normal');
  assert.equal(await verbosity('--verbose', '--verbose', 'false'), 'normal');
  assert.equal(await verbosity('--no-verbose', '--verbose'), 'verbose');
  // Both on: the one given last, as npm's -q and --verbose (one log level, the later stands).
  assert.equal(await verbosity('--quiet', '--verbose'), 'verbose', 'both on: the last');
  assert.equal(await verbosity('-q', '--verbose'), 'verbose', 'both on: the last');
  assert.equal(await verbosity('--verbose', '-q'), 'quiet', 'both on: the last');
  assert.equal(await verbosity('--verbose', '--quiet', '--verbose=false'), 'quiet');
  assert.equal(await verbosity('--quiet', '--verbose', 'false'), 'quiet');
});

test("a command's own boolean given both ways: the last one wins", async () => {
  for (const [flags, json] of [[['--json', '--no-json'], false], [['--no-json', '--json'], true], [['--json', '--json=false'], false], [['--json', '--json'], true]] as const) {
    seen.length = 0;
    assert.equal(await runCli(['report', ...flags], [report], { version: '0.0.0' }, captureIo()), 0);
    assert.equal(seen[0]!.json, json, flags.join(' '));
  }
});
