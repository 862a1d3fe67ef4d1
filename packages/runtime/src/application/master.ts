import { Exit, type ExitReason } from '../messages.js';
import type { Pid } from '../pid.js';
import type { ProcessContext } from '../types.js';
import { ExitSignal } from '../errors.js';
import { From } from '../gen/messages.js';
import { replyTo } from '../gen/call.js';
import type { Acknowledge } from '../gen/start.js';
import type { ApplicationModule } from './types.js';

/** Tells the controller an application's top supervisor exited on its own. */
export class AppExited {
  constructor(
    readonly app: string,
    readonly reason: ExitReason,
  ) {}
}

/** Asks a master to stop its application in order: prepStop, the supervision tree, then stop. */
export class StopApp {
  constructor(readonly from: From) {}
}

/**
 * An application master: starts the application's top supervisor linked to itself, then watches it.
 * When the tree exits, it tells the controller; when asked to stop, it shuts the tree down.
 */
export async function runMaster(ctx: ProcessContext, app: string, mod: ApplicationModule, args: unknown, controller: Pid, ack: Acknowledge): Promise<void> {
  ctx.trapExit(true);
  ctx.setLabel({ behaviour: 'application_master', module: app });
  let top: Pid;
  let state: unknown;
  try {
    const started = await mod.start('normal', args, ctx);
    if (started !== null && typeof started === 'object' && 'pid' in started) {
      top = started.pid;
      state = started.state;
    } else {
      top = started as Pid;
    }
    if (!ctx.isAlive(top)) throw new Error(`${app}'s start returned ${String(top)}, which is not a live process`);
  } catch (error) {
    ack(false, error);
    throw new ExitSignal(error);
  }
  ack(true, top);
  for (;;) {
    const m = await ctx.receive();
    if (m instanceof Exit && m.from === top) {
      ctx.send(controller, new AppExited(app, m.reason));
      return;
    }
    if (m instanceof StopApp || (m instanceof Exit && m.from === controller)) {
      if (mod.prepStop) state = await mod.prepStop(state);
      ctx.exit(top, 'shutdown');
      await ctx.receive((x) => x instanceof Exit && x.from === top);
      if (mod.stop) await mod.stop(state);
      if (m instanceof StopApp) replyTo(m.from, 'ok');
      return;
    }
  }
}

export { From };
