// The CLI finds the port mapper as the runtime does: an OTP_EPMD_PORT set but empty counts as unset (ERL_EPMD_PORT
// is used), and one that is not a port is bad input (exit 2) naming the variable, not a silent "no port mapper".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EpmdServer, portMapperRegister } from '@otp-ts/runtime/tools';
import { otpWith } from './support/cli.ts';

test('otp nodes with OTP_EPMD_PORT set but empty lists the nodes of the port mapper ERL_EPMD_PORT names', async () => {
  const epmd = new EpmdServer(() => {});
  const port = await epmd.listen(0);
  const registration = await portMapperRegister({ name: 'listed', port: 40123, nodeType: 77, protocol: 0, highestVersion: 6, lowestVersion: 5, extra: Buffer.alloc(0) }, '127.0.0.1', port);
  try {
    const r = await otpWith({ ...process.env, OTP_EPMD_PORT: '', ERL_EPMD_PORT: String(port), NO_COLOR: '1' })('nodes');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, 'listed at port 40123\n');
  } finally {
    registration.close();
    await epmd.close();
  }
});

test('otp nodes with an OTP_EPMD_PORT that is not a port exits 2 naming the variable and its value', async () => {
  const r = await otpWith({ ...process.env, OTP_EPMD_PORT: 'abc', NO_COLOR: '1' })('nodes');
  assert.equal(r.status, 2, r.stderr);
  assert.equal(r.stderr, "otp: OTP_EPMD_PORT is 'abc', which is not a port: set it to a whole number from 1 to 65535, or unset it for the default 4369\n");
});
