import { Exit, TIMEOUT, type ExitReason } from '../messages.js';
import { ExitSignal } from '../errors.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { CallMessage, CastMessage, SystemMessage, type From } from '../gen/messages.js';
import { replyTo } from '../gen/call.js';
import { BadReturnValue } from '../gen/errors.js';
import { handleSystemMessage, type Statistics, type SysTarget } from '../gen/sys-handler.js';
import type { Acknowledge } from '../gen/start.js';
import { formatValue, isNormalExit, loggerOf } from '../logger.js';
import type { Action, GenServer, Status } from './types.js';

// The loop is written against the widest callback module; the typed surface is in api.ts.
type AnyServer = GenServer<unknown, unknown, unknown, unknown, unknown>;
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const isSystem = (m: unknown): boolean => m instanceof SystemMessage;

function isThenable(v: unknown): v is Promise<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as Promise<unknown>).then === 'function';
}

/** One running gen_server: its callback module (re-pointable for upgrades), state and loop flags. */
class Server implements SysTarget {
  readonly behaviour = 'gen_server';
  suspended = false;
  statistics: Statistics | null = null;
  trace = false;
  timeout: number | undefined = undefined;
  continuation: { arg: unknown } | null = null;
  lastMessage: unknown = undefined;

  constructor(
    readonly ctx: ProcessContext,
    public mod: AnyServer,
    public state: unknown,
    readonly parent: Pid | null,
  ) {}

  get moduleName(): string {
    return this.mod.name ?? 'gen_server';
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state;
  }

  formattedState(): unknown {
    return this.format({ state: this.state, context: 'normal' }).state;
  }

  format(status: Status<unknown>): Status<unknown> {
    if (!this.mod.formatStatus) return status;
    try {
      return this.mod.formatStatus(status);
    } catch (error) {
      return { ...status, state: `<formatStatus crashed: ${formatValue(error, 200)}>` };
    }
  }

  async changeCode(module: unknown, oldVsn: unknown, extra: unknown): Promise<void> {
    const next = (module ?? this.mod) as AnyServer;
    const state = next.codeChange ? await next.codeChange(oldVsn, this.state, extra) : this.state;
    this.mod = next;
    this.state = state;
  }

  terminate(reason: unknown, message: unknown): Promise<never> {
    return terminate(this, reason, message);
  }

  /** The one try-wrapper: every callback runs here, and a throw becomes a value. */
  async attempt(fn: () => unknown): Promise<Outcome> {
    try {
      const r = fn();
      return { ok: true, value: isThenable(r) ? await r : r };
    } catch (error) {
      // exit(reason) inside a callback ends the server with that reason, as in OTP.
      return { ok: false, error: error instanceof ExitSignal ? error.reason : error };
    }
  }

  debug(event: string): void {
    if (this.trace) process.stdout.write(`*DBG* ${this.ctx.self()} (${this.moduleName}) ${event}\n`);
  }
}

/** Runs a gen_server in the current process: init, acknowledge, then the loop until it stops. */
export async function runServer(ctx: ProcessContext, mod: AnyServer, args: unknown, parent: Pid | null, ack: Acknowledge): Promise<void> {
  ctx.setLabel({ behaviour: 'gen_server', module: mod.name ?? 'gen_server' });
  const server = new Server(ctx, mod, undefined, parent);
  const init = await server.attempt(() => mod.init(args, ctx));
  if (!init.ok) {
    ack(false, init.error);
    throw new ExitSignal(init.error);
  }
  const r = init.value as { type?: string; state?: unknown; action?: Action; reason?: ExitReason };
  if (r?.type === 'ok') {
    server.state = r.state;
    applyAction(server, r.action);
    ack(true, ctx.self());
  } else if (r?.type === 'ignore') {
    ack(false, 'ignore');
    return;
  } else if (r?.type === 'stop') {
    ack(false, r.reason);
    throw new ExitSignal(r.reason);
  } else {
    const bad = new BadReturnValue('init', r);
    ack(false, bad);
    throw new ExitSignal(bad);
  }
  await loop(server);
}

function applyAction(server: Server, action: Action | undefined): void {
  if (action === undefined || action === 'hibernate') return;
  if (typeof action === 'number') server.timeout = action;
  else if (action !== null && typeof action === 'object' && 'continue' in action) server.continuation = { arg: action.continue };
}

async function loop(server: Server): Promise<never> {
  const { ctx } = server;
  for (;;) {
    if (server.continuation !== null && !server.suspended) {
      const { arg } = server.continuation;
      server.continuation = null;
      const mod = server.mod;
      const out = mod.handleContinue
        ? await server.attempt(() => mod.handleContinue!(arg, server.state, ctx))
        : { ok: false as const, error: new Error(`${server.moduleName} returned a continue action but has no handleContinue`) };
      await interpret(server, 'handleContinue', out, null, arg);
      continue;
    }
    let msg: unknown;
    if (server.suspended) msg = await ctx.receive(isSystem);
    else if (server.timeout === undefined) msg = await ctx.receive();
    else msg = await ctx.receive(null, server.timeout);
    server.timeout = undefined;
    await dispatch(server, msg === TIMEOUT ? 'timeout' : msg);
  }
}

async function dispatch(server: Server, msg: unknown): Promise<void> {
  const { ctx } = server;
  const mod = server.mod;
  if (msg instanceof SystemMessage) {
    await handleSystemMessage(ctx, msg, server);
    return;
  }
  if (server.statistics) server.statistics.messagesIn++;
  server.lastMessage = msg;
  if (msg instanceof CallMessage) {
    server.debug(`got call ${formatValue(msg.request, 200)} from ${msg.from.pid}`);
    const out = mod.handleCall
      ? await server.attempt(() => mod.handleCall!(msg.request, msg.from, server.state, ctx))
      : { ok: false as const, error: new Error(`${server.moduleName} got a call but has no handleCall: ${formatValue(msg.request, 200)}`) };
    await interpret(server, 'handleCall', out, msg.from, msg);
  } else if (msg instanceof CastMessage) {
    server.debug(`got cast ${formatValue(msg.request, 200)}`);
    const out = mod.handleCast
      ? await server.attempt(() => mod.handleCast!(msg.request, server.state, ctx))
      : { ok: false as const, error: new Error(`${server.moduleName} got a cast but has no handleCast: ${formatValue(msg.request, 200)}`) };
    await interpret(server, 'handleCast', out, null, msg);
  } else if (msg instanceof Exit && server.parent !== null && msg.from === server.parent) {
    // Only a process trapping exits gets here: its parent's shutdown runs terminate, as in OTP.
    await terminate(server, msg.reason, msg);
  } else {
    server.debug(`got ${formatValue(msg, 200)}`);
    if (!mod.handleInfo) {
      loggerOf(ctx.node).warning(`${server.moduleName} ${ctx.self()} received an unexpected message and has no handleInfo: ${formatValue(msg, 500)}`, { pid: ctx.self(), module: server.moduleName });
      return;
    }
    const out = await server.attempt(() => mod.handleInfo!(msg, server.state, ctx));
    await interpret(server, 'handleInfo', out, null, msg);
  }
}

/** The one result interpreter: every callback's outcome is applied here. */
async function interpret(server: Server, callback: string, out: Outcome, from: From | null, msg: unknown): Promise<void> {
  if (!out.ok) return terminate(server, out.error, msg);
  const r = out.value as { type?: string; state?: unknown; reply?: unknown; action?: Action; reason?: ExitReason; hasReply?: boolean };
  switch (r?.type) {
    case 'reply':
      if (from === null) break;
      replyTo(from, r.reply);
      if (server.statistics) server.statistics.messagesOut++;
      server.debug(`sent ${formatValue(r.reply, 200)} to ${from.pid}`);
      server.state = r.state;
      applyAction(server, r.action);
      return;
    case 'noreply':
      server.state = r.state;
      applyAction(server, r.action);
      return;
    case 'stop':
      if (r.state !== undefined) server.state = r.state;
      if (r.hasReply && from !== null) replyTo(from, r.reply);
      return terminate(server, r.reason, msg);
  }
  return terminate(server, new BadReturnValue(callback, out.value), msg);
}

/** Runs terminate, reports an abnormal exit, and ends the process with `reason`. */
async function terminate(server: Server, reason: ExitReason, msg: unknown): Promise<never> {
  const { ctx } = server;
  const mod = server.mod;
  if (mod.terminate) {
    const out = await server.attempt(() => mod.terminate!(reason, server.state, ctx));
    if (!out.ok) reason = out.error;
  }
  if (!isNormalExit(reason)) {
    const status = server.format({ state: server.state, message: msg, reason, context: 'terminate' });
    loggerOf(ctx.node).error(
      {
        kind: 'crash',
        behaviour: 'gen_server',
        module: server.moduleName,
        pid: ctx.self(),
        name: ctx.processInfo(ctx.self())?.registeredName,
        lastMessage: status.message,
        state: status.state,
        reason: status.reason ?? reason,
      },
      { pid: ctx.self(), module: server.moduleName },
    );
  }
  throw new ExitSignal(reason);
}
