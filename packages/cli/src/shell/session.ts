import { Recoverable, start as startRepl, type REPLServer } from 'node:repl';
import type { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { compile, CompileError, formatDiagnostic, type BuildOptions, type CompiledApp } from '@otp-ts/compiler';
import * as runtime from '@otp-ts/runtime';
import { application, codeServerOf, upgradeModules, type CodeServer, type DistributionTls } from '@otp-ts/runtime';
import { DEFAULT_EVAL_AWAIT_TIMEOUT_MS, formatShellValue, loadBuiltApplication, readBuiltModules, shellScope, SHELL_HELPERS, sourceHash } from '@otp-ts/runtime/tools';
import { quitsShell, replStatementSteps, ReleaseError, startOrder, type AppDeps } from '@otp-ts/release';
import { OtpError } from '../errors/otp-error.js';
import { ShellProcess } from './jobs.js';
import { InputEndBound, quotedStatement } from './input-end.js';
import { CtrlC, cutLineStack, interrupted, isInterrupt, isLineStopped, runStoppable } from './interrupt.js';
import type { Domain } from 'node:domain';

/** Options of `startShell`. */
export interface ShellOptions {
  /** The project root. */
  root: string;
  input?: Readable;
  output?: Writable;
  /** Recompile and hot-load changed sources while the shell runs. */
  watch?: boolean;
  /** Print nothing but results and errors (no banner). */
  quiet?: boolean;
  /** Make the shell's node a distributed node with this name and cookie (and TLS files), reachable by otp ping/rpc. */
  distribution?: { name: string; cookie: string; tls?: DistributionTls };
  /** The dev profile's build options from otp.config.ts (default: the compiler's defaults). */
  build?: BuildOptions;
  /** sys.config-style settings (`{ app: { key: value } }`) applied over the applications' env before they load. */
  config?: Record<string, Record<string, unknown>>;
  /** Once the input has ended, how long a line may go without its result before the shell abandons it and stops (default 30000). */
  inputEndAwaitMs?: number;
  /** How long a line's synchronous work may run before it is stopped (otp shell gives --eval-timeout for piped input); without it only Ctrl-C stops it. */
  evalTimeoutMs?: number;
}

/** A running shell: its node, its process, and what ends it. */
export interface Shell {
  readonly repl: REPLServer;
  readonly shell: ShellProcess;
  /** Recompiles the project and hot-loads what changed; resolves to the module names reloaded. */
  reload(): Promise<string[]>;
  /** Resolves when the REPL closes and the applications are stopped. */
  readonly closed: Promise<void>;
  /** How many statements ran and how many of them failed (threw, were stopped, cut short or abandoned at the input's end). */
  readonly tally: StatementTally;
  /** Whether a SIGINT ended the shell (piped input only: at a terminal Ctrl-C stops a line). */
  signalled(): boolean;
}

/** A shell's count of the statements it ran and of those that failed. */
export interface StatementTally {
  ran: number;
  failed: number;
}

/**
 * Boots a project's applications (dependencies first) on a fresh node and opens a REPL inside it,
 * with the runtime's helpers in scope, like `erl -s` with `c(Module)` and `flush()`.
 */
export async function startShell(options: ShellOptions): Promise<Shell> {
  const output = options.output ?? process.stdout;
  const say = (line: string): void => void output.write(`${line}\n`);
  const shell = new ShellProcess();
  shell.onAbandoned = (pid) =>
    say(`a runtime call on that line was not awaited and still waits for its answer (a missing await? write await application.whichApplications(), not application.whichApplications()); the shell goes on in a new process ${pid}`);
  const node = shell.node;
  const { apps, started } = await boot(shell, options, say);
  if (!options.quiet) say(`otp-ts shell${options.distribution ? ` (${node.name})` : ''}: started ${started.join(', ') || 'no applications'}; helpers: ${SHELL_HELPERS.map((h) => h.name).join(', ')}, c(), l(), q() (help() describes them)`);
  const reloader = new Reloader(shell, options, apps, say);
  const repl = startRepl({ prompt: 'otp> ', input: options.input ?? process.stdin, output, terminal: false, useGlobal: false, ignoreUndefined: true, writer: formatShellValue });
  // The helpers every shell shares (@otp-ts/runtime's shellScope, as otp remote evaluates with), plus
  // what only a shell on the project's own node can do: recompile (c, l) and quit (q, which evaluateInShell adds).
  const own = (ctx: runtime.ProcessContext): Record<string, unknown> => ({
    c: () => reloader.reload(ctx),
    l: (module: string) => reloader.load(ctx, module),
  });
  const bound = new InputEndBound(options.inputEndAwaitMs ?? DEFAULT_EVAL_AWAIT_TIMEOUT_MS, say);
  // Ctrl-C stops the running line, or (twice at an empty prompt) quits with the applications stopped, as q() does.
  const ctrlC = new CtrlC((line) => {
    say(line);
    repl.displayPrompt();
  }, options.input !== undefined);
  process.on('SIGINT', ctrlC.onSignal);
  const tally: StatementTally = { ran: 0, failed: 0 };
  // A line abandoned once the input ended failed: it gave no result.
  void bound.abandoned.then(() => (tally.failed += 1));
  const drained = evaluateInShell(repl, shell, own, say, bound, { ctrlC, timeoutMs: options.evalTimeoutMs }, tally);
  const closed = closedOnExit(repl, shell, started, () => Promise.race([drained(), bound.abandoned]), say, tally).finally(() => process.off('SIGINT', ctrlC.onSignal));
  return { repl, shell, reload: () => reloader.reload(), closed, tally, signalled: () => ctrlC.signalled };
}

// The node's distribution (if asked), then the project compiled and its applications loaded and started;
// on failure the node shuts down, as a node left running (its distribution listening) would keep the command from exiting.
async function boot(shell: ShellProcess, options: ShellOptions, say: (line: string) => void): Promise<{ apps: CompiledApp[]; started: string[] }> {
  const node = shell.node;
  const code = codeServerOf(node);
  try {
    if (options.distribution) await node.startDistribution({ ...options.distribution, log: (line) => say(line) });
    const apps = await inLoadOrder(await compile({ root: options.root, profile: 'dev', build: options.build }));
    const started = await shell.run(async (ctx) => {
      if (options.config) await application.setConfig(ctx, options.config);
      for (const app of apps) await application.load(ctx, await loadBuiltApplication(code, app.dir, app.source));
      const order: string[] = [];
      for (const app of apps) for (const name of await application.ensureAllStarted(ctx, app.name)) order.push(name);
      return order;
    });
    return { apps, started };
  } catch (error) {
    node.shutdown();
    throw error;
  }
}

// The applications in load order, each after the ones its otp.applications names: an umbrella app importing a
// sibling's module needs the sibling's modules loaded first. A dependency the project does not have (or a circle) is
// refused as otp release refuses it: the dependency, the package.json to fix, the project's applications.
async function inLoadOrder(apps: CompiledApp[]): Promise<CompiledApp[]> {
  const known = new Map<string, AppDeps>();
  for (const app of apps) {
    const resource = JSON.parse(await readFile(join(app.dir, 'app.json'), 'utf8')) as { applications?: string[] };
    known.set(app.name, { applications: resource.applications ?? [], file: join(app.source, 'package.json') });
  }
  try {
    return startOrder(apps.map((a) => a.name), known, 'otp.config.ts').map((name) => apps.find((a) => a.name === name)!);
  } catch (error) {
    if (error instanceof ReleaseError) throw new OtpError('badConfig', error.message, { location: error.file ? { file: error.file } : undefined, cause: error });
    throw error;
  }
}

// c() and l(): recompiling the project and hot-loading what changed, or loading one compiled module.
class Reloader {
  private readonly code: CodeServer;

  constructor(
    private readonly shell: ShellProcess,
    private readonly options: ShellOptions,
    private built: CompiledApp[],
    private readonly say: (line: string) => void,
  ) {
    this.code = codeServerOf(shell.node);
  }

  // `inLine` is the process of the line that asked (c() at the prompt), else the shell's process runs it (--watch).
  async reload(inLine?: runtime.ProcessContext): Promise<string[]> {
    let next: CompiledApp[];
    try {
      next = await compile({ root: this.options.root, profile: 'dev', build: this.options.build });
    } catch (error) {
      if (error instanceof CompileError) {
        this.say(`compile error, the running code stays as it was:\n${error.diagnostics.map((d) => formatDiagnostic(d, this.options.root)).join('\n')}`);
        return [];
      }
      throw error;
    }
    this.built = next;
    return inLine ? reloadChanged(inLine, this.code, next, this.say) : this.shell.run((ctx) => reloadChanged(ctx, this.code, next, this.say));
  }

  async load(ctx: runtime.ProcessContext, module: string): ReturnType<typeof upgradeModules> {
    for (const app of this.built) {
      const { sources } = await readBuiltModules(app.dir, app.source);
      const source = sources.find((s) => s.name === module);
      if (source) return upgradeModules(ctx, this.code, [source]);
    }
    throw new Error(`no compiled module named ${module}: module names look like ${this.built[0]?.modules[0] ?? 'app/module'}`);
  }
}

type Done = (error: Error | null, value?: unknown) => void;

// Each line runs inside the shell's process, as a remote line runs inside a process of the node: ctx,
// self() and flush() are that process's; a line's promise is awaited, as the remote shells do. Lines
// run one after the other, each once the one before printed its answer (a pipe delivers them at once).
// Answers a promise that settles once the lines read so far have run.
// Longer than ~50 lines: the REPL's evaluation, its quitting and its end of input share the statement steps and the queue.
function evaluateInShell(repl: REPLServer, shell: ShellProcess, own: (ctx: runtime.ProcessContext) => Record<string, unknown>, say: (line: string) => void, bound: InputEndBound, stops: { ctrlC: CtrlC; timeoutMs?: number }, tally: StatementTally): () => Promise<void> {
  const evaluate = repl.eval.bind(repl);
  const stepOf = replStatementSteps();
  // What the REPL drops from its buffer (.break, an error it reports while a statement is being read), the steps drop too.
  const buffer = lineBuffer(repl, () => void stepOf.end());
  // Quitting (q() as it runs, .exit as it is read) ends the shell as asked: the lines after it are not run, and a
  // statement it cut short is no error (a pipe hands the REPL the lines after it all the same).
  let readClosed = false;
  let stopped = false;
  const quit = (): void => {
    readClosed = true;
    repl.close();
  };
  stops.ctrlC.quit = quit;
  repl.defineCommand('exit', { help: 'Exit the shell (as q() does, once the lines before it ran)', action: quit });
  let previous: Promise<void> = Promise.resolve();
  // The REPL's domain (node:repl reports a line's synchronous throw through it); `reported` marks a line it reported.
  const domain = (repl as unknown as { _domain?: EventEmitter })._domain;
  const reported = Symbol('reported');
  // A line Ctrl-C stopped, which the REPL's domain reported: the user asked, so it is no failed statement.
  const reportedInterrupt = Symbol('reported interrupt');
  // The line's evaluation runs in a script of runStoppable's: its frame is cut from the stacks the REPL prints.
  domain?.prependListener('error', cutLineStack);
  // A line stopped while awaiting leaves node:repl paused until its promise settles, which holds back its 'exit':
  // the shell's end (q(), the end of the input) emits it then.
  let exited = false;
  let held = false;
  repl.once('exit', () => (exited = true));
  repl.on('close', () => {
    if (held && !exited) repl.emit('exit');
  });
  // Ctrl-C while a line awaits: its job is answered and the process it holds killed (the next line gets a fresh one).
  let sync = false;
  let onThrow = (_error?: unknown): void => undefined;
  const stop = (): void => {
    held ||= !sync;
    domain?.off('error', onThrow);
    shell.interrupt(interrupted(stops.ctrlC.piped));
  };
  const runLine = (ctx: runtime.ProcessContext, cmd: string, context: Record<string, unknown>, file: string): Promise<unknown> => {
    // `_` stays the REPL's last value (the runtime's pattern wildcard is runtime._).
    const { _: _wildcard, ...scope } = shellScope(shell.node, ctx, runtime);
    Object.assign(context, scope, own(ctx), {
      q: () => {
        stopped = true;
        quit();
      },
    });
    stops.ctrlC.started(stop);
    // Named, as is every function below the line's own frame: the REPL cuts a thrown error's stack at the
    // lowest unnamed frame, so the line's frames are all an error shows, as in node's REPL.
    return new Promise<unknown>(function evaluateLine(answer, fail) {
      // No .finally: the missing-await check after the line must come before the replies of its calls do.
      const over = (): void => {
        stops.ctrlC.ended(stop);
        domain?.off('error', onThrow);
      };
      const resolve = (value: unknown): void => {
        over();
        answer(value);
      };
      const reject = (error: unknown): void => {
        over();
        fail(error);
      };
      // resolve() adopts a promise the line answers with: its value is printed, not Promise { <pending> }.
      // A line that throws (at once, or the promise it awaits rejects) is reported by the REPL's domain,
      // which prints it and the next prompt and never calls back: the line is over then (else the lines
      // after it, and q() or the end of the input, would wait behind it for ever).
      onThrow = (error) => resolve(isInterrupt(error) ? reportedInterrupt : reported);
      domain?.once('error', onThrow);
      sync = true;
      buffer.late(function evaluateInRepl() {
        const outer = (process as { domain?: Domain }).domain;
        try {
          runStoppable(function evaluateStoppably() {
            evaluate(cmd, context, file, (error, value) => {
              domain?.off('error', onThrow);
              if (error) reject(error);
              else resolve(value);
            });
          }, stops.timeoutMs, stops.ctrlC.piped);
        } catch (error) {
          if (!isLineStopped(error)) throw error;
          // Stopped inside the REPL's evaluation, which never left the domain it entered.
          if (domain !== undefined && (process as { domain?: Domain }).domain !== outer) (domain as Domain).exit();
          reject(error);
          // A SIGINT the watchdog took while the line ran synchronously ends a piped shell all the same.
          if (isInterrupt(error)) stops.ctrlC.caughtDuringLine();
        } finally {
          sync = false;
        }
      });
    });
  };
  // Runs a statement once the ones before it ran, and hands its answer or its error to `done`.
  const enqueue = (statement: string, context: Record<string, unknown>, file: string, done: Done): void => {
    const lineJob = (ctx: runtime.ProcessContext): Promise<unknown> => runLine(ctx, statement, context, file);
    bound.queued();
    const counted = !quitsShell(statement);
    previous = previous.then(() => {
      if (stopped || bound.over) return undefined;
      if (counted) tally.ran += 1;
      return bound.run(statement, () => shell.run(lineJob)).then(
        (value) => {
          // The REPL's domain reported the line's error (printed as at the prompt); an abandoned line was counted then.
          if (value === reported) tally.failed += bound.over ? 0 : 1;
          else if (value !== reportedInterrupt) buffer.late(() => done(null, value));
        },
        // A line the evaluator still finds cut short is a syntax error now: the REPL has read on past it.
        (error: unknown) => {
          tally.failed += bound.over || isInterrupt(error) ? 0 : 1;
          buffer.late(() => done(error instanceof Recoverable ? error.err : withoutOwnFrames(error as Error)));
        },
      );
    });
  };
  let lastFile = 'REPL1';
  // node:repl drops what it buffered when its input ends. The whole statements held there (those after an error in a
  // long statement, which only a parse finds) run in order, as otp remote runs them and as typed they would have;
  // the last, cut short (a missing `}`), is said, not lost in silence.
  repl.once('exit', () => {
    const rest = stepOf.end();
    if (readClosed) return;
    const cut = rest.pop();
    // The REPL no longer prints: an answer is said here, an error is reported by its domain as at the prompt.
    const report: Done = (error, value) => {
      if (error) domain?.emit('error', error);
      else if (value !== undefined) say(formatShellValue(value));
    };
    for (const statement of rest) enqueue(statement, repl.context, lastFile, report);
    bound.end();
    if (cut !== undefined) {
      const notice = `the input ended inside a statement, which was not run (a closing bracket or the rest of an expression is missing): ${quotedStatement(cut)}`;
      previous = previous.then(() => {
        if (stopped || bound.over) return;
        say(notice);
        tally.ran += 1;
        tally.failed += 1;
      });
    }
  });
  (repl as { eval: (cmd: string, context: Record<string, unknown>, file: string, done: Done) => void }).eval = (cmd, context, file, done) => {
    if (readClosed) return;
    lastFile = file;
    // A line that more lines complete is told to the REPL at once, so that it buffers the next line onto it;
    // a whole one waits its turn while the REPL reads the next lines afresh. A long statement found late to have
    // ended lines back (an error in it) runs alone, as a short one would, and what the lines after it make after it.
    const step = stepOf(cmd);
    if (!step.hold) buffer.clear();
    // `exit` and `quit` quit as the remote shells take them (quitsShell): as q() does, once the lines before them ran.
    for (const statement of step.run) enqueue(quitsShell(statement) ? 'q()' : statement, context, file, done);
    if (step.hold) done(new Recoverable(new SyntaxError('Unexpected end of input')));
  };
  return () => previous;
}

// A frame of otp-ts's own code (installed or in a checkout), of Node.js's, or of the typed line itself (REPL3:1:5).
const OWN_FRAME = /^\s+at (?:.*[\\/](?:@otp-ts|packages)[\\/](?:runtime|cli|compiler|release|tracer|test-runner)[\\/](?:dist|src)[\\/]|.*\(node:|node:|.*\(REPL\d+:|REPL\d+:)/;

// An error a line's call raised inside otp-ts (`call('no_such_server', …)` answering noproc): its stack is the
// runtime's and the REPL's frames, which say nothing the line does not, so it prints as its message and fields,
// as the remote shells print it; an error with a frame of the project's code keeps its stack.
function withoutOwnFrames(error: Error): Error {
  const lines = typeof error.stack === 'string' ? error.stack.split('\n') : [];
  const frames = lines.filter((l) => /^\s+at /.test(l));
  if (frames.length > 0 && frames.every((f) => OWN_FRAME.test(f))) error.stack = lines.filter((l) => !/^\s+at /.test(l)).join('\n');
  return error;
}

// The REPL's buffer of a line cut short (`function f() {` waiting for its `}`): emptied when a whole line is
// handed on, and not by what a line that ran later reports (its answer, its error), which would drop the
// start of a line the REPL is reading meanwhile. What the REPL itself drops (.break) is `dropped` too.
function lineBuffer(repl: REPLServer, dropped: () => void): { clear: () => void; late: (report: () => void) => void } {
  const clear = repl.clearBufferedCommand.bind(repl);
  let reporting = false;
  repl.clearBufferedCommand = () => {
    if (reporting) return;
    clear();
    dropped();
  };
  return {
    clear,
    late: (report) => {
      reporting = true;
      try {
        report();
      } finally {
        reporting = false;
      }
    },
  };
}

// Resolves once the REPL closed, the lines read before it ran (input that ends as it is read closes the REPL
// while they wait their turn), the applications stopped (last started first) and the node shut down.
// A line whose promise can never settle (the event loop has nothing left to do) is abandoned with a line, where
// the process exited 13 in silence with the applications never stopped.
function closedOnExit(repl: REPLServer, shell: ShellProcess, started: readonly string[], drained: () => Promise<void>, say: (line: string) => void, tally: StatementTally): Promise<void> {
  return new Promise<void>((resolve) => {
    // Once: node:repl emits it again when a line stopped while awaiting settles after the shell ended.
    repl.once('exit', () => {
      let onIdle: (() => void) | undefined;
      const stuck = new Promise<void>((r) => {
        onIdle = () => {
          say('the input ended while a line was still waiting on a promise that can never settle: it was abandoned; stopping the shell');
          tally.failed += 1;
          r();
        };
        process.once('beforeExit', onIdle);
      });
      void Promise.race([drained(), stuck])
        .then(() => process.off('beforeExit', onIdle!))
        // A process of its own: the shell's process may still be held by the abandoned line.
        .then(() => shell.node.run(async (ctx) => {
          for (const name of [...started].reverse()) await application.stop(ctx, name).catch(() => undefined);
        }))
        .finally(() => {
          shell.node.shutdown();
          resolve();
        });
    });
  });
}

// Upgrades the modules whose compiled code changed since they were loaded (and loads new ones).
async function reloadChanged(ctx: runtime.ProcessContext, code: CodeServer, apps: CompiledApp[], say: (line: string) => void): Promise<string[]> {
  const changed = [];
  for (const app of apps) {
    const { sources } = await readBuiltModules(app.dir, app.source);
    for (const s of sources) if (code.versions(s.name).current !== sourceHash(s.code)) changed.push(s);
  }
  if (changed.length === 0) return [];
  try {
    const report = await upgradeModules(ctx, code, changed);
    say(`reloaded ${report.modules.map((m) => m.name).join(', ')}${report.processes.length ? ` (${report.processes.length} process${report.processes.length === 1 ? '' : 'es'} through codeChange)` : ''}`);
    for (const k of report.killed) say(`  ${String(k.pid)} was killed: it still ran the old code of ${k.module}, which this reload purged`);
    for (const s of report.stranded) {
      if (s.kind === 'supervisor') say(`  supervisor ${String(s.pid)} was started with callbacks ${s.module} made at run time (not an export): it keeps its old child specs; export its callbacks object and start it with that`);
      else if (s.kind === 'handler') say(`  gen_event manager ${String(s.pid)} runs a handler made at run time by ${s.module} (not an export): the handler stays on the old code, and the next reload of ${s.module} removes it (the manager lives); export the handler object or a class`);
      else say(`  ${String(s.pid)} runs callbacks made at run time by ${s.module} (not an export): it stays on the old code, and the next reload of ${s.module} kills it; export the callback object or a class`);
    }
    return report.modules.map((m) => m.name);
  } catch (error) {
    say(`reload failed, the running code stays as it was: ${(error as Error).message}`);
    return [];
  }
}

