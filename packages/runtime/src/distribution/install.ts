// Distribution installs itself on the node: the process layer routes what targets another node through
// `node.dist` (declared in node-hooks.ts as the little it needs) and never imports this layer.
import { OtpNode } from '../node.js';
import { RuntimeError } from '../errors.js';
import { Distribution, startServices, type DistributionOptions } from './node-dist.js';
import type { RemoteSignals } from './remote.js';

declare module '../node.js' {
  interface OtpNode {
    /** Makes this node a distributed node: listens, registers with the port mapper, and lets processes talk to other nodes. */
    startDistribution(options: DistributionOptions): Promise<void>;
  }
}

// The layers above distribution see the whole service through `node.dist` (global, pg, rpc, the tools).
declare module '../node-hooks.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- widens the process layer's view to the class
  interface NodeDistribution extends Distribution {}
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- widens the process layer's view to the class
  interface RemoteLinks extends RemoteSignals {}
}

OtpNode.prototype.startDistribution = async function startDistribution(this: OtpNode, options: DistributionOptions): Promise<void> {
  if (this.dist) throw new RuntimeError('badarg', `distribution is already started as ${this.dist.name}`);
  const dist = new Distribution(this, options.name, options);
  await dist.start();
  this.dist = dist;
  await startServices(this);
};
