// The node names a node has met, by the index pids and refs carry on this node (index 0: this node). A node that
// restarted under the same name (a new creation) gets a new index: pids of its past incarnation keep the old one.
import { nodeNameProblem, quoteForLog } from './handshake.js';
import type { PidTranslator } from './codec.js';

/** A name from the wire (in a pid or ref of a third node) that is no node name: the frame carrying it is dropped. */
export class NotANodeName extends Error {}

/** The index of every node name met, for the wire's pid translation. */
export class NodeTable implements PidTranslator {
  private readonly names: string[];
  private readonly indexes = new Map<string, number>();
  private readonly creations: (number | undefined)[] = [];

  constructor(self: string) {
    this.names = [self];
    this.indexes.set(self, 0);
  }

  nameOf(index: number): string {
    const n = this.names[index];
    if (n === undefined) throw new Error(`no node has index ${index}`);
    return n;
  }

  /**
   * The index for the incarnation `creation` of `name`, which has just connected: the current index, or a new
   * one when the node connected before as another incarnation (it restarted). Pids of the earlier one keep theirs.
   */
  incarnation(name: string, creation: number | undefined): number {
    const i = this.indexOf(name);
    const known = this.creations[i];
    if (creation === undefined || known === undefined || known === creation) {
      this.creations[i] ??= creation;
      return i;
    }
    const next = this.names.push(name) - 1;
    this.indexes.set(name, next);
    this.creations[next] = creation;
    return next;
  }

  /** True when pids and refs with this index belong to a past incarnation of their node (it restarted since). */
  isPast(index: number): boolean {
    const name = this.names[index];
    return index !== 0 && name !== undefined && this.indexes.get(name) !== index;
  }

  /** The index of `name`'s current incarnation (allocating one for a new name). */
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
