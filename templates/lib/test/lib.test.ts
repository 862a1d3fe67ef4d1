import { assertEqual, assertThrow } from '@otp-ts/test-runner/assert';
import { delayFor, schedule } from '../src/{{name}}.ts';

/** The delay doubles from 100 ms. */
export const delayDoublesTest = () => assertEqual(schedule(4), [100, 200, 400, 800]);

/** The delay stops growing at the cap. */
export const delayIsCappedTest = () => assertEqual(delayFor(50), 30_000);

/** A negative or fractional attempt is refused. */
export const badAttemptIsRefusedTest = () => {
  assertThrow(() => delayFor(-1), RangeError);
  assertThrow(() => delayFor(1.5), RangeError);
};
