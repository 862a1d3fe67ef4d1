import { BadReturnValue } from '../gen/errors.js';
import { formatValue } from '../logger.js';
import type { Callbacks, HandleEventModule, StateHandler } from './types.js';

/** The widest callback module, which the loop is written against (the mode is checked at run time); the typed surface is in api.ts. */
export type AnyStatem = Callbacks<unknown, unknown, unknown, unknown> & {
  readonly callbackMode: unknown;
  readonly states?: Readonly<Record<string, StateHandler<unknown, unknown, unknown, unknown, unknown>>>;
  readonly handleEvent?: HandleEventModule<unknown, unknown, unknown, unknown, unknown, unknown>['handleEvent'];
};
/** The callback mode the loop dispatches on. */
export type Mode = 'stateFunctions' | 'handleEvent';

/** The module's callback mode and state enter flag: its callbackMode value, or what its callbackMode function returns; an Error when bad. */
export function resolveMode(mod: AnyStatem): [Mode, boolean] | Error {
  const name = mod.name ?? 'gen_statem';
  let r: unknown = mod.callbackMode;
  if (typeof r === 'function') {
    try {
      r = (r as () => unknown).call(mod);
    } catch (error) {
      return error instanceof Error ? error : new Error(`${name}: callbackMode threw ${formatValue(error, 100)}`);
    }
  }
  const [mode, enter] = Array.isArray(r) ? parseModeList(r) : [r, false];
  if (mode !== 'stateFunctions' && mode !== 'handleEvent') {
    return typeof mod.callbackMode === 'function' ? new BadReturnValue('callbackMode', r) : new Error(`${name}: callbackMode must be 'stateFunctions' or 'handleEvent', got ${formatValue(r, 100)}`);
  }
  if (mode === 'handleEvent' ? typeof mod.handleEvent !== 'function' : typeof mod.states !== 'object' || mod.states === null) {
    return new Error(`${name}: callbackMode ${mode} needs ${mode === 'handleEvent' ? 'a handleEvent function' : 'a states object'}`);
  }
  return [mode, enter || mod.stateEnter === true];
}

// A list as OTP's callback_mode/0 may return: one callback mode and 'stateEnter', in any order ('stateEnter' may repeat;
// of two modes the last one counts, as OTP's parse). Anything else in it, or no mode at all, is a bad return (mode undefined).
function parseModeList(list: readonly unknown[]): [unknown, boolean] {
  let mode: unknown;
  let enter = false;
  for (const item of list) {
    if (item === 'stateEnter') enter = true;
    else if (item === 'stateFunctions' || item === 'handleEvent') mode = item;
    else return [undefined, false];
  }
  return [mode, enter];
}
