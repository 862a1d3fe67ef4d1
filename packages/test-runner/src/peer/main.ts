// A peer node for distributed tests: a real OS process running the runtime, driven over IPC by the test's node.
import { pathToFileURL } from 'node:url';
import { createNode, type OtpNode } from '@otp-ts/runtime';
import type { PeerBoot, PeerCommand, PeerReply } from './protocol.js';

const reply = (r: PeerReply): void => void process.send?.(r);

async function boot(spec: PeerBoot): Promise<OtpNode> {
  const node = createNode({ onCrash: (pid, error) => process.stderr.write(`[${spec.name}] process ${pid} crashed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`) });
  await node.startDistribution({ name: spec.name, cookie: spec.cookie, tickTime: spec.tickTime, ...(spec.epmdPort !== undefined && { epmdPort: spec.epmdPort }), log: (line) => process.stderr.write(`[${spec.name}] ${line}\n`) });
  for (const file of spec.modules) {
    const mod = (await import(pathToFileURL(file).href)) as { default?: unknown };
    if (typeof mod.default === 'function') await (mod.default as (node: OtpNode) => unknown)(node);
  }
  if (!(await node.ping(spec.parent))) throw new Error(`the peer could not connect to ${spec.parent}`);
  return node;
}

function command(node: OtpNode, c: PeerCommand): unknown {
  const dist = node.dist!;
  switch (c.op) {
    case 'block':
      return dist.block(c.node);
    case 'unblock':
      return dist.unblock(c.node);
    case 'ping':
      return node.ping(c.node);
    case 'nodes':
      return node.nodes('connected');
  }
}

const spec = JSON.parse(process.argv[2]!) as PeerBoot;
// The peer never outlives the test run: when the IPC channel closes (the runner exited or was killed), so does it.
process.on('disconnect', () => process.exit(0));
try {
  const node = await boot(spec);
  process.on('message', (c: PeerCommand) => void Promise.resolve(command(node, c)).then((value) => reply({ id: c.id, value: value ?? null })));
  reply({ ready: true });
} catch (error) {
  reply({ ready: false, error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
}
