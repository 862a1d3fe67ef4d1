import type { OtpNode } from '../node.js';

/** Every application's environment on one node: written by the controller, read by anyone synchronously. */
export class EnvStore {
  private readonly apps = new Map<string, Map<string, unknown>>();
  /** sys.config overrides, applied whenever an application is loaded. */
  overrides: Record<string, Record<string, unknown>> = {};

  /**
   * Sets up an application's env from its defaults and the overrides. With `keepEarlier` (a load, as OTP's),
   * settings made before the load stay unless the defaults or overrides name them; otherwise (an upgrade's new
   * resource) the env is only the defaults and overrides.
   */
  load(app: string, defaults: Record<string, unknown> = {}, keepEarlier = false): void {
    const earlier = keepEarlier ? Object.fromEntries(this.apps.get(app) ?? []) : {};
    this.apps.set(app, new Map(Object.entries({ ...earlier, ...defaults, ...(this.overrides[app] ?? {}), ...Object.fromEntries(this.persistent.get(app) ?? []) })));
  }

  /** Settings made with `persistent`: they outlive an unload and win over the resource's env and sys.config at every load, as OTP's. */
  private readonly persistent = new Map<string, Map<string, unknown>>();

  isPersistent(app: string, key: string): boolean {
    return this.persistent.get(app)?.has(key) ?? false;
  }

  setPersistent(app: string, key: string, value: unknown): void {
    let env = this.persistent.get(app);
    if (env === undefined) this.persistent.set(app, (env = new Map()));
    env.set(key, value);
    this.set(app, key, value);
  }

  unsetPersistent(app: string, key: string): void {
    this.persistent.get(app)?.delete(key);
    this.unset(app, key);
  }

  unload(app: string): void {
    this.apps.delete(app);
  }

  get(app: string, key: string): unknown {
    return this.apps.get(app)?.get(key);
  }

  has(app: string, key: string): boolean {
    return this.apps.get(app)?.has(key) ?? false;
  }

  all(app: string): Record<string, unknown> {
    return Object.fromEntries(this.apps.get(app) ?? []);
  }

  set(app: string, key: string, value: unknown): void {
    let env = this.apps.get(app);
    if (env === undefined) this.apps.set(app, (env = new Map()));
    env.set(key, value);
  }

  unset(app: string, key: string): void {
    this.apps.get(app)?.delete(key);
  }
}

const stores = new WeakMap<OtpNode, EnvStore>();

/** The env store of a node. */
export function envOf(node: OtpNode): EnvStore {
  let store = stores.get(node);
  if (store === undefined) stores.set(node, (store = new EnvStore()));
  return store;
}
