import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isOtpError, OtpError } from '@otp-ts/release';
import { renderScriptError, ScriptError } from '../../src/control/client.ts';

const render = (error: unknown, who = 'kiosk') => {
  let text = '';
  const code = renderScriptError(error, who, { write: (t: string) => (text += t) });
  return { code, text };
};

test("the start script's errors are the CLI's OtpError: usage and input exit 2, failures of the work exit 1", () => {
  const usage = new ScriptError('rpc needs MODULE FN [JSON-ARGS], e.g. rpc otp processCount', 2);
  const failed = new ScriptError('kiosk@127.0.0.1 is not running: start it with bin/kiosk daemon');
  assert.ok(usage instanceof OtpError && isOtpError(usage));
  assert.deepEqual([usage.code, usage.exitCode, failed.code, failed.exitCode], ['usage', 2, 'failed', 1]);
});

test('the start script prints one line `<release>: <message>` (and the hint) and exits with the error\'s code', () => {
  assert.deepEqual(render(new ScriptError('unpack needs a version or a tarball, e.g. unpack 0.2.0', 2)), { code: 2, text: 'kiosk: unpack needs a version or a tarball, e.g. unpack 0.2.0\n' });
  assert.deepEqual(render(new OtpError('badConfig', 'node.args sets no --name', { hint: 'add --name kiosk@127.0.0.1' })), { code: 2, text: 'kiosk: node.args sets no --name\nadd --name kiosk@127.0.0.1\n' });
  const config = Object.assign(new Error('sys.config.json: ${DB} at kiosk.db is not set'), { name: 'ReleaseConfigError' });
  assert.deepEqual(render(config), { code: 2, text: 'kiosk: sys.config.json: ${DB} at kiosk.db is not set\n' }, "a release's bad config is the user's input");
  assert.deepEqual(render(new Error('connect ECONNREFUSED'), 'kiosk (os pid 7)'), { code: 1, text: 'kiosk (os pid 7): connect ECONNREFUSED\n' });
});
