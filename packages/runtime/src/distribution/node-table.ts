// The node names a node has met, by the index pids and refs carry on this node (index 0: this node).
import { nodeNameProblem, quoteForLog } from './handshake.js';
import type { PidTranslator } from './codec.js';

/** A name from the wire (in a pid or ref of a third node) that is no node name: the frame carrying it is dropped. */
export class NotANodeName extends Error {}

/** The index of every node name met, for the wire's pid translation. */
export class NodeTable implements PidTranslator {
  private readonly names: string[];
  private readonly indexes = new Map<string, number>();

  constructor(self: string) {
    this.names = [self];
    this.indexes.set(self, 0);
  }

  nameOf(index: number): string {
    const n = this.names[index];
    if (n === undefined) throw new Error(`no node has index ${index}`);
    return n;
  }

  indexOf(name: string): number {
    let i = this.indexes.get(name);
    if (i === undefined) {
      // Names come from the wire too (pids of third nodes): nothing that is not a node name enters the table.
      const problem = nodeNameProblem(name);
      if (problem) throw new NotANodeName(`${quoteForLog(name)} is not a node name (${problem})`);
      i = this.names.push(name) - 1;
      this.indexes.set(name, i);
    }
    return i;
  }
}
