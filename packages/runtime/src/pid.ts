/** Internal: the slot where a local pid keeps its live process, so sends skip the process table. */
export const PROCESS: unique symbol = Symbol('process');

/** A process identifier: prints as `<node.id.serial>` like Erlang (node 0 is the local node). */
export class Pid {
  /** The live local process this pid names; cleared when it exits. */
  [PROCESS]: unknown = undefined;

  constructor(
    /** 0 for the local node, otherwise the index of the connection the process lives behind. */
    readonly node: number,
    /** The process number on its node. */
    readonly id: number,
    /** Incremented when process numbers wrap around. */
    readonly serial: number = 0,
  ) {}

  /** Erlang's notation, `<0.42.0>`. */
  toString(): string {
    return `<${this.node}.${this.id}.${this.serial}>`;
  }

  /** Structural equality, for pids that crossed a serialisation boundary. */
  equals(other: unknown): boolean {
    return other instanceof Pid && other.node === this.node && other.id === this.id && other.serial === this.serial;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** A unique reference (monitors, timers, calls): prints as `#Ref<0.n>`. */
export class Ref {
  constructor(
    /** 0 for the local node. */
    readonly node: number,
    /** Unique per node. */
    readonly id: number,
  ) {}

  /** Erlang-like notation, `#Ref<0.42>`. */
  toString(): string {
    return `#Ref<${this.node}.${this.id}>`;
  }

  /** Structural equality, for refs that crossed a serialisation boundary. */
  equals(other: unknown): boolean {
    return other instanceof Ref && other.node === this.node && other.id === this.id;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/** Where a message can be sent: a pid, a registered name, or a name registered on another node. */
export type Dest = Pid | string | { name: string; node: string };
