// A port mapper private to one test file: the nodes and tools the file starts register there, never on the
// default port 4369, so no test leaves a port mapper running (one started by a release's node outlives it,
// as epmd does) and no test stands in the way of Erlang's own epmd.
import { after } from 'node:test';
import { EpmdServer } from '@otp-ts/runtime/tools';

/** Starts a port mapper in this process on a free port, points OTP_EPMD_PORT at it and stops it when the file's tests end. */
export async function privatePortMapper(): Promise<number> {
  const server = new EpmdServer();
  const port = await server.listen(0);
  process.env.OTP_EPMD_PORT = String(port);
  after(() => server.close());
  return port;
}
