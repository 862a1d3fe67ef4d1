/** Why the tracer could not do what it was asked. */
export type TracerErrorCode = 'badNodeName' | 'unknownNode' | 'badCookie' | 'badTls' | 'unreachable' | 'badPattern' | 'nomatch' | 'tooBroad' | 'badProcess' | 'badSpec' | 'busy' | 'rpc' | 'undef' | 'badCode' | 'nodedown';

/** A tracer failure as data: a code, one sentence, and the closest names when the node suggested some. */
export class TracerError extends Error {
  constructor(
    readonly code: TracerErrorCode,
    message: string,
    readonly suggestions: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'TracerError';
  }

  /** True for mistakes in what the user asked (bad input such as an rpc of a function the node does not have, or code to evaluate that does not parse: exit code 2), false for failures of the work (a node not running, not answering or going down, a failed rpc, a node running as many traces as it takes: exit 1). */
  get isUsage(): boolean {
    return this.code !== 'rpc' && this.code !== 'unreachable' && this.code !== 'unknownNode' && this.code !== 'nodedown' && this.code !== 'busy';
  }
}
