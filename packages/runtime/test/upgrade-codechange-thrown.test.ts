// What an upgrade says when a codeChange throws something hostile: a value whose getters or proxy traps throw, a
// message of many lines, a message of megabytes. The rollback names the module and the process in one bounded line
// whatever was thrown, and the server keeps its state.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { genServer } from '../src/index.ts';
import { withRelease, APP, type FixtureVersion } from './release-fixture.ts';

const srv = (v: number, change: string) => `
import { ok, reply } from '@otp-ts/runtime';
export const srv = {
  name: 'srv',
  init: () => ok({ n: 0, v: ${v} }),
  handleCall: (req: any, _f: unknown, s: any) => (req === 'bump' ? reply(++s.n, s) : reply(s, s)),
  codeChange: ${change},
};`;
const version = (v: number, change = '(_o: unknown, s: any) => s'): FixtureVersion => ({ vsn: String(v), modules: { 'fx/app': APP, 'fx/srv': srv(v, change) } });
type Install = (vsn: string, options?: { probeMs?: number }) => Promise<unknown>;

const cases: Array<[string, string, RegExp]> = [
  ['an object whose message getter throws', "{ get message() { throw new Error('from the getter'); }, toString() { throw new Error('from toString'); } }", /failed: a value that cannot be described \(a getter or proxy trap of it throws\)$/],
  ['a proxy whose every trap throws', "new Proxy({}, { get() { throw new Error('trap'); }, getPrototypeOf() { throw new Error('trap'); }, ownKeys() { throw new Error('trap'); }, has() { throw new Error('trap'); } })", /failed: a value that cannot be described \(a getter or proxy trap of it throws\)$/],
  ['an error of many lines', "new Error('first\\n  second\\r\\nthird\\n')", /failed: first second third$/],
  ['an error of 5 MB', "new Error('x'.repeat(5_000_000))", /failed: x{2000}… \(4998000 more characters\)$/],
  ['a plain object', "{ code: 'E_SHAPE', at: 'counts' }", /failed: \{"code":"E_SHAPE","at":"counts"\}$/],
];

for (const [label, thrown, expected] of cases) {
  test(`a codeChange throwing ${label} rolls back in one bounded line naming the module and the process`, async () => {
    await withRelease([version(1), version(2, `(_o: unknown, _s: any) => { throw ${thrown}; }`)], async (state, handler) => {
      assert.equal(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'bump')), 1);
      const error = await (handler.install as Install)('2', { probeMs: 0 }).then(() => assert.fail('the install succeeded'), (e: unknown) => e);
      const message = ((error as Error).name === 'ProcessExit' ? ((error as Error).cause as Error) : (error as Error)).message;
      assert.match(message, /^upgrade to 2 rolled back, 1 still runs: codeChange of fx\/srv in <0\.\d+\.0> failed: /);
      assert.match(message, expected);
      assert.doesNotMatch(message, /\n/);
      assert.equal(state.files.release.vsn, '1');
      assert.deepEqual(await state.node.run((ctx) => genServer.call(ctx, 'fx_srv', 'get')), { n: 1, v: 1 });
    });
  });
}
