import { application, genServer, noreply, ok, reply, type GenServer, type ProcessContext, type ServerRef } from '@otp-ts/runtime';

/** Requests the server answers. */
export type Call = { op: 'bump'; key: string; by: number } | { op: 'count'; key: string } | { op: 'keys' };
/** Requests it takes without answering. */
export type Cast = { op: 'reset' };
/** What it answers: a count, or the keys it counts. */
export type Reply = number | string[];
/** Its state: a count per key. */
export interface State {
  counts: Record<string, number>;
}
/** The state an earlier version kept (a Map), as codeChange finds it during a hot upgrade. */
export type OldState = Map<string, number>;

/** The server's registered name, typed so calls through it are checked. */
export const NAME = '{{name}}_server' as ServerRef<Call, Cast, Reply>;

/** Counts named things; the counts start from the application's `initialCounts` env. */
export const server: GenServer<State, Call, Cast, Reply> = {
  name: '{{name}}_server',
  init: (_args, ctx) => ok({ counts: { ...application.getEnv<Record<string, number>>(ctx, '{{name}}', 'initialCounts', {}) } }),
  handleCall(request, _from, state) {
    switch (request.op) {
      case 'bump': {
        const n = (state.counts[request.key] ?? 0) + request.by;
        return reply(n, { counts: { ...state.counts, [request.key]: n } });
      }
      case 'count':
        return reply(state.counts[request.key] ?? 0, state);
      case 'keys':
        return reply(Object.keys(state.counts).sort(), state);
    }
  },
  handleCast: () => noreply({ counts: {} }),
  codeChange: (_oldVsn, state: State | OldState) => (state instanceof Map ? { counts: Object.fromEntries(state) } : state),
};

/** Starts the server linked to the caller (its supervisor), registered as {{name}}_server. */
export const startLink = (ctx: ProcessContext) => genServer.startLink(ctx, server, undefined, { name: '{{name}}_server' });

/** Adds `by` to the count of `key` and returns the new count. */
export async function bump(ctx: ProcessContext, key: string, by = 1): Promise<number> {
  return (await genServer.call(ctx, NAME, { op: 'bump', key, by })) as number;
}

/** The count of `key` (0 if it was never bumped). */
export async function count(ctx: ProcessContext, key: string): Promise<number> {
  return (await genServer.call(ctx, NAME, { op: 'count', key })) as number;
}

/** The keys counted so far, sorted. */
export async function keys(ctx: ProcessContext): Promise<string[]> {
  return (await genServer.call(ctx, NAME, { op: 'keys' })) as string[];
}

/** Forgets every count, without waiting. */
export function reset(ctx: ProcessContext): void {
  genServer.cast(ctx, NAME, { op: 'reset' });
}
