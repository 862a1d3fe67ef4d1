// A remote shell's session on the node: the top-level declarations of its lines (const, let, var, function, class)
// outlive their line, as they do in otp shell's REPL, so `const x = 1` then `x` answers 1. A line still runs as an
// async function of the node's own realm (objects it makes cross the wire and pass the runtime's plain-object checks);
// its declarations are found by asking V8 which names clash, then bound into the session as accessors over the
// line's own variables, so a function of one line and the lines after it see and change the same variable.
import vm from 'node:vm';
import type { OtpNode } from '../node.js';

const ARGS = "globalThis[Symbol.for('otp-ts.evalArgs')]";
const IDENTIFIER = /[\p{ID_Start}$_][\p{ID_Continue}$\u200c\u200d]*/gu;
// Words that are never a declared name (or that V8 refuses as one for another reason than a clash).
const RESERVED = new Set(
  'arguments await break case catch class const continue debugger default delete do else enum eval export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield'.split(' '),
);
// How many names one line may declare at its top level (each costs a parse of the line).
const MAX_DECLARED = 64;
// How many sessions a node keeps at most: a shell that went without saying goodbye (killed) gives up its place.
const MAX_SESSIONS = 32;

type Kind = 'lexical' | 'var';

function compiles(text: string): boolean {
  try {
    new vm.Script(text);
    return true;
  } catch {
    return false;
  }
}

// The names of `candidates` that `keyword NAME` after the body clashes with: V8 names each clash in turn, one parse of
// the line each, so past MAX_DECLARED the line is refused rather than hold the node's event loop for seconds.
function clashes(body: string, candidates: Set<string>, keyword: 'var' | 'let'): string[] {
  const found: string[] = [];
  const left = new Set(candidates);
  while (left.size > 0) {
    if (found.length >= MAX_DECLARED) throw new SyntaxError(`the line declares more than ${MAX_DECLARED} names at its top level, more than a remote shell keeps from one line: declare them as the properties of one object (const o = { … })`);
    try {
      new vm.Script(`(async function () {${body}\n;${keyword} ${[...left].join(', ')};\n})`);
      return found;
    } catch (error) {
      const name = /Identifier '(.+)' has already been declared/.exec((error as Error).message)?.[1];
      if (name === undefined || !left.delete(name)) return found;
      found.push(name);
    }
  }
  return found;
}

/** The names a line declares at its top level: lexical (const, let, class) and var-like (var, function). */
export function declaredNames(source: string): Map<string, Kind> {
  const names = new Map<string, Kind>();
  if (!/\b(?:const|let|var|function|class)\b/.test(source) || !compiles(`(async function () {${source}\n})`)) return names;
  const candidates = new Set([...source.matchAll(IDENTIFIER)].map((m) => m[0]).filter((n) => !RESERVED.has(n) && !n.startsWith('$otp$')));
  // `var x` after the body clashes with a lexical x only; `let x` with any.
  for (const name of clashes(source, candidates, 'var')) names.set(name, 'lexical');
  for (const name of names.keys()) candidates.delete(name);
  for (const name of clashes(source, candidates, 'let')) names.set(name, 'var');
  return names;
}

/** One line of a session, ready to run: its script, the arguments the script takes, and what to do once it settled. */
export interface SessionLine {
  script: vm.Script;
  args: unknown[];
  settled(): void;
}

/** The bindings a remote shell's lines share on the node, and the helpers of the line running now. */
export class EvalSession {
  lastUsed = Date.now();
  /** Called when the session ends (its shell quit, or was interrupted). */
  onEnd: (() => void) | undefined;
  private readonly helpers: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly bindings: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  private readonly declared = new Map<string, Kind>();
  private readonly running = new Set<AbortController>();

  /** A line of the session starts running: the signal its run is stopped by when the shell interrupts it; `done` once it settled. */
  started(): { signal: AbortSignal; done: () => void } {
    const controller = new AbortController();
    this.running.add(controller);
    return { signal: controller.signal, done: () => this.running.delete(controller) };
  }

  /** Stops the session's running lines (Ctrl-C at the remote shell); how many there were. */
  interrupt(): number {
    const lines = [...this.running];
    this.running.clear();
    for (const line of lines) line.abort();
    return lines.length;
  }

  /**
   * Prepares a line with `scope` (the helpers of its process) in scope, under the session's bindings. A name an earlier
   * line declared with const, let or class, declared again (or a var or function over it), is refused before the line runs.
   */
  line(source: string, scope: Record<string, unknown>, compile: (source: string, wrap: (body: string) => string, declares: boolean) => vm.Script): SessionLine {
    const names = declaredNames(source);
    for (const [name, kind] of names) {
      const before = this.declared.get(name);
      if (before === 'lexical' || (before === 'var' && kind === 'lexical')) {
        throw new SyntaxError(`Identifier '${name}' has already been declared by an earlier line of this shell: give the new one another name, or assign to it (${name} = …) if it was declared with let`);
      }
    }
    // The helpers of this line's process, for the functions earlier lines made too (their ctx and self() are this line's).
    for (const key of Object.keys(this.helpers)) delete this.helpers[key];
    Object.assign(this.helpers, scope);
    const prelude = [...names].map(([name, kind]) => `$otp$bind(${JSON.stringify(name)}, '${kind}', () => ${name}, ($otp$v) => { ${name} = $otp$v; });`).join(' ');
    const wrap = (body: string): string =>
      `(function ($otp$h, $otp$b, $otp$bind) { with ($otp$h) with ($otp$b) return (async function () {${prelude}${body}\n}).call(undefined); }).apply(undefined, ${ARGS})`;
    const script = compile(source, wrap, names.size > 0);
    const bound: string[] = [];
    const bind = (name: string, kind: Kind, read: () => unknown, set: (v: unknown) => void): void => {
      // A name the line's function does not declare after all would read itself for ever: it reads as not defined.
      let reading = false;
      const get = (): unknown => {
        if (reading) throw new ReferenceError(`${name} is not defined`);
        reading = true;
        try {
          return read();
        } finally {
          reading = false;
        }
      };
      Object.defineProperty(this.bindings, name, { get, set, enumerable: true, configurable: true });
      this.declared.set(name, kind);
      bound.push(name);
    };
    return { script, args: [this.helpers, this.bindings, bind], settled: () => this.dropUninitialised(bound) };
  }

  /** Forgets every name the session's lines declared (`.clear`); its helpers, running lines and output stay. */
  clear(): void {
    for (const name of Object.keys(this.bindings)) delete this.bindings[name];
    this.declared.clear();
  }

  // A declaration the line never reached (it threw, or was stopped, first) is not kept: the name is free again.
  private dropUninitialised(names: string[]): void {
    for (const name of names) {
      try {
        Reflect.get(this.bindings, name);
      } catch (error) {
        if (!(error instanceof ReferenceError)) continue;
        delete this.bindings[name];
        this.declared.delete(name);
      }
    }
  }
}

const sessions = new WeakMap<OtpNode, Map<string, EvalSession>>();

/** The session `id` of a remote shell on `node`, started on its first line; the least recently used goes past MAX_SESSIONS. */
export function evalSession(node: OtpNode, id: string): EvalSession {
  let own = sessions.get(node);
  if (!own) sessions.set(node, (own = new Map()));
  let session = own.get(id);
  if (session) own.delete(id);
  else session = new EvalSession();
  session.lastUsed = Date.now();
  own.set(id, session);
  while (own.size > MAX_SESSIONS) own.delete(own.keys().next().value!);
  return session;
}

/** Ends the session `id` on `node` (a remote shell that quits, or was interrupted): a line it still runs is stopped, its bindings go. */
export function endEvalSession(node: OtpNode, id: unknown): boolean {
  if (typeof id !== 'string') return false;
  const session = sessions.get(node)?.get(id);
  session?.interrupt();
  session?.onEnd?.();
  return sessions.get(node)?.delete(id) ?? false;
}

/** Forgets the names the session `id` on `node` declared (`.clear` at its remote shell), keeping the session: whether it had started. */
export function clearEvalSession(node: OtpNode, id: unknown): boolean {
  const session = typeof id === 'string' ? sessions.get(node)?.get(id) : undefined;
  session?.clear();
  return session !== undefined;
}

/** Stops the line the session `id` on `node` is running (Ctrl-C at its remote shell); how many lines were stopped (0 or 1). */
export function interruptEvalSession(node: OtpNode, id: unknown): number {
  return typeof id === 'string' ? (sessions.get(node)?.get(id)?.interrupt() ?? 0) : 0;
}
