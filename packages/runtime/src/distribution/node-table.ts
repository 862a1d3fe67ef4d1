// The node names a node has met, by the index pids and refs carry on this node (index 0: this node). A node that
// restarted under the same name (a new creation) gets a new index: pids of its past incarnation keep the old one.
// Pids from the wire name their node's creation too (protocol 4): one of a run other than the current one gets
// that run's own index, so a pid of a past run (this node's included) never names a process of the new run.
import { nodeNameProblem, quoteForLog } from './handshake.js';
import type { PidTranslator } from './codec.js';

/** A name from the wire (in a pid or ref of a third node) that is no node name: the frame carrying it is dropped. */
export class NotANodeName extends Error {}

/**
 * How many node names and runs a node learns from other nodes' messages (pids and refs of third nodes, of past
 * runs): past it, a message naming one more is dropped with a line, so a peer cannot grow the table without bound
 * (Erlang's atom table ends the node there). Nodes it connects to are not counted.
 */
export const MAX_WIRE_NAMES = 16_384;

/** The index of every node name met, for the wire's pid translation. */
export class NodeTable implements PidTranslator {
  private readonly names: string[];
  private readonly indexes = new Map<string, number>();
  private readonly creations: (number | undefined)[] = [];
  // The index of each run met, by its creation and name.
  private readonly runs = new Map<string, number>();
  // How many entries names and runs read from the wire added.
  private fromWire = 0;

  constructor(self: string, creation?: number) {
    this.names = [self];
    this.indexes.set(self, 0);
    if (creation !== undefined) this.record(0, self, creation);
  }

  nameOf(index: number): string {
    const n = this.names[index];
    if (n === undefined) throw new Error(`no node has index ${index}`);
    return n;
  }

  /** The creation of the run pids with this index belong to, when known. */
  creationOf(index: number): number | undefined {
    return this.creations[index];
  }

  /**
   * The index for the incarnation `creation` of `name`, which has just connected: the current index, or another
   * one when the node connected before as another incarnation (it restarted). Pids of the earlier one keep theirs.
   */
  incarnation(name: string, creation: number | undefined): number {
    const i = this.indexOf(name);
    const known = this.creations[i];
    if (creation === undefined || known === creation) return i;
    if (known === undefined) return this.record(i, name, creation);
    const run = this.runs.get(`${creation} ${name}`) ?? this.add(name, creation);
    this.indexes.set(name, run);
    return run;
  }

  /**
   * The index of pids of the run `creation` of `name`, read from the wire: the current index when it is that run
   * (or no run of the name is known yet), else the run's own, which is not current: nothing reaches the current run through it.
   */
  incarnationOf(name: string, creation: number): number {
    const i = this.indexOf(name);
    const known = this.creations[i];
    if (known === creation) return i;
    if (known === undefined) return this.record(i, name, creation);
    const run = this.runs.get(`${creation} ${name}`);
    if (run !== undefined) return run;
    this.countWire(name);
    return this.add(name, creation);
  }

  /** True when pids and refs with this index belong to another incarnation of their node than the current one. */
  isPast(index: number): boolean {
    const name = this.names[index];
    return index !== 0 && name !== undefined && this.indexes.get(name) !== index;
  }

  /** The index of `name`'s current incarnation (allocating one for a new name; `fromWire`: within MAX_WIRE_NAMES). */
  indexOf(name: string, fromWire = false): number {
    let i = this.indexes.get(name);
    if (i === undefined) {
      // Names come from the wire too (pids of third nodes): nothing that is not a node name enters the table.
      const problem = nodeNameProblem(name);
      if (problem) throw new NotANodeName(`${quoteForLog(name)} is not a node name (${problem})`);
      if (fromWire) this.countWire(name);
      i = this.names.push(name) - 1;
      this.indexes.set(name, i);
    }
    return i;
  }

  // One more entry from the wire, or NotANodeName past the limit.
  private countWire(name: string): void {
    if (this.fromWire >= MAX_WIRE_NAMES) throw new NotANodeName(`${quoteForLog(name)}, one more than the ${MAX_WIRE_NAMES} node names and runs this node takes from messages (those of nodes it never connected to)`);
    this.fromWire++;
  }

  private record(index: number, name: string, creation: number): number {
    this.creations[index] = creation;
    this.runs.set(`${creation} ${name}`, index);
    return index;
  }

  // An index for a run of `name` that is not (yet) the current one.
  private add(name: string, creation: number): number {
    return this.record(this.names.push(name) - 1, name, creation);
  }
}
