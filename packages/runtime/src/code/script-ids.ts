import { Session } from 'node:inspector';
import { setFlagsFromString } from 'node:v8';

type Post = (method: string, params?: object) => Record<string, unknown>;

// Where a lookup's functions stand while the inspector reads them (deleted before it returns).
const HOLDER = Symbol.for('otp-ts.code.scriptIds');
const GROUP = 'otp-ts-script-ids';

/**
 * V8's own answer to which script a function comes from (a runtime function, about 0.1 µs a call), compiled once with
 * natives syntax allowed for that one compile only; null when this V8 does not have it (the inspector answers then).
 */
const nativeScriptId: ((fn: object) => number) | null = (() => {
  try {
    setFlagsFromString('--allow-natives-syntax');
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the one way to reach V8's %FunctionGetScriptId
    const f = new Function('f', 'return %FunctionGetScriptId(f)') as (fn: object) => unknown;
    const probe = f(nativeProbe);
    return typeof probe === 'number' && probe > 0 ? (f as (fn: object) => number) : null;
  } catch {
    return null;
  } finally {
    // A node started with natives syntax allowed keeps it.
    if (!process.execArgv.includes('--allow-natives-syntax')) setFlagsFromString('--no-allow-natives-syntax');
  }
})();
function nativeProbe(): void {}

/**
 * Which script V8 compiled a function from (its `[[FunctionLocation]]`), read through an inspector session inside
 * this thread (synchronous): a closure a module's code made at run time (a factory's callback object) is known by its
 * module version's script. Each function is looked up once; undefined when the inspector is not available.
 */
export class ScriptIds {
  private post: Post | null | undefined;
  private readonly known = new WeakMap<object, string | null>();

  /** Whether a look-up costs next to nothing (V8's runtime function), rather than an inspector call (about 50 µs). */
  readonly cheap = nativeScriptId !== null;

  /** The script id of each function (undefined: unknown), looking up those not seen before in one pass. */
  of(fns: readonly object[]): Array<string | undefined> {
    if (nativeScriptId !== null) return fns.map((f) => (typeof f === 'function' ? String(nativeScriptId(f)) : undefined));
    const missing = fns.filter((f) => !this.known.has(f));
    if (missing.length > 0) this.lookUp([...new Set(missing)]);
    return fns.map((f) => this.known.get(f) ?? undefined);
  }

  private lookUp(fns: object[]): void {
    const post = this.session();
    if (post === null) {
      for (const f of fns) this.known.set(f, null);
      return;
    }
    const g = globalThis as Record<symbol, unknown>;
    g[HOLDER] = fns;
    try {
      const holder = post('Runtime.evaluate', { expression: `globalThis[Symbol.for('otp-ts.code.scriptIds')]`, objectGroup: GROUP }) as { result: { objectId: string } };
      const items = post('Runtime.getProperties', { objectId: holder.result.objectId, ownProperties: true }) as { result: Array<{ name: string; value?: { objectId?: string } }> };
      for (const item of items.result) {
        const i = Number(item.name);
        if (!Number.isInteger(i) || item.value?.objectId === undefined) continue;
        const props = post('Runtime.getProperties', { objectId: item.value.objectId, ownProperties: true }) as { internalProperties?: Array<{ name: string; value?: { value?: { scriptId?: string } } }> };
        const location = props.internalProperties?.find((p) => p.name === '[[FunctionLocation]]');
        this.known.set(fns[i]!, location?.value?.value?.scriptId ?? null);
      }
    } catch {
      // An inspector that refuses: the functions stay unknown.
    } finally {
      delete g[HOLDER];
      try {
        post('Runtime.releaseObjectGroup', { objectGroup: GROUP });
      } catch {
        // Nothing held.
      }
    }
    for (const f of fns) if (!this.known.has(f)) this.known.set(f, null);
  }

  // The session's synchronous post (a session in this thread answers before post returns), or null without an inspector.
  private session(): Post | null {
    if (this.post !== undefined) return this.post;
    try {
      const session = new Session();
      session.connect();
      this.post = (method, params) => {
        let out: Record<string, unknown> | undefined;
        let failure: Error | null = null;
        session.post(method, params ?? {}, (error, result) => {
          failure = error;
          out = result as Record<string, unknown>;
        });
        if (failure) throw failure as Error;
        if (out === undefined) throw new Error(`the inspector did not answer ${method} at once`);
        return out;
      };
    } catch {
      this.post = null;
    }
    return this.post;
  }
}
