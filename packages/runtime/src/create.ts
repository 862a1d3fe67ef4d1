import { OtpNode, type NodeOptions } from './node.js';

/** Creates a fresh, empty node: its own processes, names, timers and tables. */
export function createNode(options?: NodeOptions): OtpNode {
  return new OtpNode(options);
}
