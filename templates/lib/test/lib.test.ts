import assert from 'node:assert/strict';
import { delayFor, schedule } from '../src/{{name}}.ts';

/** The delay doubles from 100 ms. */
export const delayDoublesTest = () => assert.deepEqual(schedule(4), [100, 200, 400, 800]);

/** The delay stops growing at the cap. */
export const delayIsCappedTest = () => assert.equal(delayFor(50), 30_000);

/** A negative or fractional attempt is refused. */
export const badAttemptIsRefusedTest = () => {
  assert.throws(() => delayFor(-1), RangeError);
  assert.throws(() => delayFor(1.5), RangeError);
};
