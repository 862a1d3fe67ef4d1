import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { runFixture, removeCopy } from './helpers.ts';

// A property that throws a value that is no Error shows that value (as node:test and fast-check do) and its
// shrunk counterexample, never "exited with reason a string".
const run = await runFixture('prop-thrown', { seed: 42 });
after(() => removeCopy(run.root));

for (const [name, shown] of [['propThrowsString', "'too big: 11'"], ['propThrowsNumber', '42'], ['propThrowsObject', "{ code: 'E_BIG', n: 11 }"]] as const) {
  test(`${name}: the thrown value and the shrunk counterexample are shown`, () => {
    const c = run.find(name);
    assert.equal(c.status, 'failed');
    assert.equal(c.property?.failure?.counterexample, '11');
    assert.match(c.failure!.message, /: 11$/);
    assert.doesNotMatch(c.failure!.text, /exited with reason/);
    assert.ok(c.failure!.text.includes(`the property threw ${shown}`), c.failure!.text);
  });
}
