import { ExitSignal } from '../errors.js';
import type { Pid } from '../pid.js';
import type { ProcessContext, ProcessLabel } from '../types.js';
import { SystemMessage, isSystemMessage } from './messages.js';
import { debugEvent, handleSystemMessage, migratedState, setSpecialTarget, type CodeChange, type Statistics, type SysDebug, type SysEvent, type SysTarget } from './sys-handler.js';

/** The module of a plain process that speaks sys (OTP's special process): what an upgrade migrates its state with. */
export interface SpecialModule<S = unknown> {
  /** Names the process in sys.getStatus and in upgrade reports. */
  readonly name?: string;
  /** Migrates the state to this version (or, on a downgrade, from it: oldVsn is `{ down: vsn }`); default: keep it. */
  codeChange?(oldVsn: unknown, state: S, extra: unknown): S | Promise<S>;
}

/**
 * A plain process taking part in sys and in upgrades, as OTP's proc_lib + sys:handle_system_msg: its loop
 * passes each message to `handleSystem` first and calls `module` (which an upgrade re-points) for the rest.
 */
export class SpecialProcess<S = unknown, M extends SpecialModule<S> = SpecialModule<S>> implements SysTarget {
  readonly behaviour = 'process';
  readonly parent: Pid | null = null;
  suspended = false;
  statistics: Statistics | null = null;
  sysDebug: SysDebug | null = null;

  constructor(
    private readonly ctx: ProcessContext,
    /** The module the loop calls: the version the process runs. */
    public module: M,
    /** The process's state. */
    public state: S,
  ) {
    ctx.setLabel(labelOf(module));
    setSpecialTarget(ctx, this);
  }

  get moduleName(): string {
    return this.module.name ?? 'process';
  }

  /** Handles `msg` when it is a system message (waiting, while suspended, until resumed) and returns true; false for any other message. */
  async handleSystem(msg: unknown): Promise<boolean> {
    if (!(msg instanceof SystemMessage)) {
      if (this.sysDebug !== null) debugEvent(this.ctx, this, { type: 'in', kind: 'info', message: msg });
      return false;
    }
    await handleSystemMessage(this.ctx, msg, this);
    while (this.suspended) await handleSystemMessage(this.ctx, await this.ctx.receive(isSystemMessage), this);
    return true;
  }

  /** Reports an event of the process's own to sys debugging (trace, log, installed functions), as OTP's sys:handle_debug; one null check while debugging is off. */
  debug(event: SysEvent | (() => SysEvent)): void {
    if (this.sysDebug !== null) debugEvent(this.ctx, this, typeof event === 'function' ? event() : event);
  }

  getState(): unknown {
    return this.state;
  }

  setState(state: unknown): void {
    this.state = state as S;
  }

  formattedState(): unknown {
    return this.state;
  }

  terminate(reason: unknown): Promise<never> {
    return Promise.reject(new ExitSignal(reason));
  }

  setModule(module: unknown): void {
    this.module = module as M;
    this.ctx.setLabel(labelOf(this.module));
  }

  async changeCode(change: CodeChange): Promise<void> {
    const next = (change.to ?? this.module) as M;
    const state = (await migratedState(change, this.module)) as S;
    this.setModule(next);
    this.state = state;
  }

  snapshot(): unknown {
    return { module: this.module, state: this.state };
  }

  restore(snapshot: unknown): void {
    ({ module: this.module, state: this.state } = snapshot as { module: M; state: S });
  }
}

function labelOf(module: { readonly name?: string }): ProcessLabel {
  return { behaviour: 'process', module: module.name ?? 'process', callbacks: module };
}
