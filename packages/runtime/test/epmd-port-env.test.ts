// The port mapper's port from the environment: OTP_EPMD_PORT, then ERL_EPMD_PORT, then 4369; a variable set but
// empty counts as unset (as a shell's `OTP_EPMD_PORT=` leaves it), and one that is not a port is an error naming it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createNode } from '../src/index.ts';
import { EpmdServer } from '../src/distribution/epmd-server.ts';
import { EPMD_ANSWER_TIMEOUT_MS, epmdAnswerTimeout, epmdPort, names } from '../src/distribution/epmd-client.ts';
import { portMapperAddresses } from '../src/distribution/epmd-address.ts';

test('an empty OTP_EPMD_PORT counts as unset: ERL_EPMD_PORT, then 4369, is the port', () => {
  assert.equal(epmdPort({ OTP_EPMD_PORT: '', ERL_EPMD_PORT: '5555' }), 5555);
  assert.equal(epmdPort({ OTP_EPMD_PORT: ' ', ERL_EPMD_PORT: '' }), 4369);
  assert.equal(epmdPort({ OTP_EPMD_PORT: '4400', ERL_EPMD_PORT: '5555' }), 4400);
});

test('an OTP_EPMD_PORT or ERL_EPMD_PORT that is not a port is an error naming the variable and its value', () => {
  for (const [variable, value] of [['OTP_EPMD_PORT', 'abc'], ['OTP_EPMD_PORT', '0'], ['ERL_EPMD_PORT', '70000'], ['ERL_EPMD_PORT', '43.5']] as const) {
    assert.throws(() => epmdPort({ [variable]: value }), { name: 'EnvironmentError', message: `${variable} is '${value}', which is not a port: set it to a whole number from 1 to 65535, or unset it for the default 4369` });
  }
});

test('OTP_EPMD_TIMEOUT sets how long a port mapper may take to answer; unset or empty, 7000 ms', () => {
  assert.equal(epmdAnswerTimeout({}), EPMD_ANSWER_TIMEOUT_MS);
  assert.equal(epmdAnswerTimeout({ OTP_EPMD_TIMEOUT: ' ' }), 7000);
  assert.equal(epmdAnswerTimeout({ OTP_EPMD_TIMEOUT: '250' }), 250);
  assert.equal(epmdAnswerTimeout({ OTP_EPMD_TIMEOUT: '3600000' }), 3_600_000);
});

test('an OTP_EPMD_TIMEOUT that is not a whole number of milliseconds from 1 to 3600000 is an error naming it and the range', () => {
  for (const value of ['abc', '0', '-5', '2.5', '1e3', '3600001']) {
    assert.throws(() => epmdAnswerTimeout({ OTP_EPMD_TIMEOUT: value }), { name: 'EnvironmentError', message: `OTP_EPMD_TIMEOUT is '${value}', which is not a wait in milliseconds: set it to a whole number from 1 to 3600000, or unset it for the default 7000` });
  }
});

test('a node started with OTP_EPMD_PORT set but empty registers with the port mapper ERL_EPMD_PORT names', async () => {
  const epmd = new EpmdServer(() => {});
  const saved = { otp: process.env.OTP_EPMD_PORT, erl: process.env.ERL_EPMD_PORT };
  const port = await epmd.listen(0);
  process.env.OTP_EPMD_PORT = '';
  process.env.ERL_EPMD_PORT = String(port);
  const node = createNode({ onCrash: () => {} });
  try {
    await node.startDistribution({ name: 'emptyenv@127.0.0.1', cookie: 'empty-env', log: () => {} });
    assert.deepEqual((await names('127.0.0.1', port)).map((e) => e.name), ['emptyenv']);
  } finally {
    node.shutdown();
    await epmd.close();
    for (const [key, value] of [['OTP_EPMD_PORT', saved.otp], ['ERL_EPMD_PORT', saved.erl]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

test('an empty OTP_EPMD_ADDRESS counts as unset: the port mapper listens where ERL_EPMD_ADDRESS says', () => {
  assert.deepEqual(portMapperAddresses('127.0.0.1', { OTP_EPMD_ADDRESS: '', ERL_EPMD_ADDRESS: 'all' }), ['all']);
  assert.deepEqual(portMapperAddresses('127.0.0.1', { OTP_EPMD_ADDRESS: ' ' }), ['127.0.0.1']);
});
