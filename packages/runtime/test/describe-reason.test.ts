import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeReason } from '@otp-ts/runtime';

test('an Error inside an exit reason keeps its name and message instead of becoming {}', () => {
  const reason = { shutdown: { failedToStartChild: 'x_server', reason: new TypeError('no counts') } };
  assert.equal(describeReason(reason), '{"shutdown":{"failedToStartChild":"x_server","reason":"TypeError: no counts"}}');
  assert.equal(describeReason(new Error('top')), 'Error: top');
  assert.equal(describeReason('normal'), 'normal');
});
