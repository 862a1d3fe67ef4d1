// One change of a node's code at a time, as OTP's release handler takes one at a time: an upgrade started while an
// upgrade is still under way (an async codeChange, a suspend it waits for) waits until that one has succeeded or
// rolled back (a load or purge of a module it changes is refused meanwhile: movingModule). Run side by side, the second would purge the version whose processes the first is
// still moving off, killing them while both reported success.

// Per code server (any object standing for it): the upgrade under way, settled either way.
const running = new WeakMap<object, Promise<void>>();

/** Runs `upgrade` once the upgrade under way on `code` (if any) settled, and makes the next change wait for it; with none under way it starts in this very turn. */
export function oneAtATime<T>(code: object, upgrade: () => Promise<T>): Promise<T> {
  const before = running.get(code);
  const mine = before === undefined ? upgrade() : before.then(upgrade);
  const settled = mine.then(
    () => undefined,
    () => undefined,
  );
  running.set(code, settled);
  void settled.then(() => {
    if (running.get(code) === settled) running.delete(code);
  });
  return mine;
}

// Per code server: how many upgrades under way (started, not waiting their turn) change each module.
const moving = new WeakMap<object, Map<string, number>>();

/** Marks `names` as changed by an upgrade under way on `code` until `upgrade` settles; returns what it returns. */
export async function whileMoving<T>(code: object, names: readonly string[], upgrade: () => Promise<T>): Promise<T> {
  let counts = moving.get(code);
  if (counts === undefined) moving.set(code, (counts = new Map()));
  for (const n of names) counts.set(n, (counts.get(n) ?? 0) + 1);
  try {
    return await upgrade();
  } finally {
    for (const n of names) {
      const left = counts.get(n)! - 1;
      if (left > 0) counts.set(n, left);
      else counts.delete(n);
    }
  }
}

/** Whether an upgrade under way on `code` changes module `name` (its processes may be being moved). */
export function movingModule(code: object, name: string): boolean {
  return moving.get(code)?.has(name) ?? false;
}

// Per code server: the modules a release install changed, held from its swap until it is permanent or rolled back.
const held = new WeakMap<object, Map<string, number>>();

/** Holds `names` for a release install on `code` (load, purge, delete and upgrades of them refuse) until the function returned is called. */
export function holdForInstall(code: object, names: readonly string[]): () => void {
  let counts = held.get(code);
  if (counts === undefined) held.set(code, (counts = new Map()));
  const mine = counts;
  for (const n of names) mine.set(n, (mine.get(n) ?? 0) + 1);
  let done = false;
  return () => {
    if (done) return;
    done = true;
    for (const n of names) {
      const left = mine.get(n)! - 1;
      if (left > 0) mine.set(n, left);
      else mine.delete(n);
    }
  };
}

/** Whether a release install not yet permanent changed module `name` (its old version is what a rollback brings back). */
export function heldByInstall(code: object, name: string): boolean {
  return held.get(code)?.has(name) ?? false;
}
