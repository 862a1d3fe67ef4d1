import { inspect } from 'node:util';
import type { Pid } from './pid.js';

/** Syslog severities, most severe first, as OTP's logger has them. */
export type LogLevel = 'emergency' | 'alert' | 'critical' | 'error' | 'warning' | 'notice' | 'info' | 'debug';

const SEVERITY: Record<LogLevel, number> = { emergency: 0, alert: 1, critical: 2, error: 3, warning: 4, notice: 5, info: 6, debug: 7 };

/** A structured report: crash, supervisor and progress reports carry their fields instead of text. */
export interface Report {
  /** What kind of report: `'crash'`, `'supervisor'`, `'progress'`, or anything a program logs. */
  kind: string;
  [field: string]: unknown;
}

/** Where an event came from. */
export interface LogMeta {
  /** Milliseconds since the epoch. */
  time: number;
  pid?: Pid;
  /** The module (callback module, file) that logged, for per-module levels. */
  module?: string;
  [field: string]: unknown;
}

/** One log event, as handlers receive it. */
export interface LogEvent {
  level: LogLevel;
  message: string | Report;
  meta: LogMeta;
}

/** Turns an event into text. */
export type LogFormatter = (event: LogEvent) => string;

/** Receives the events at or above its level. */
export interface LogHandler {
  /** Handlers are added and removed by id. */
  id: string;
  /** Events below this level are not passed to this handler (default: all that pass the logger). */
  level?: LogLevel;
  /** Formats events for this handler (default: `formatEvent`). */
  formatter?: LogFormatter;
  /** Writes one formatted event. */
  log(event: LogEvent, text: string): void;
}

/** Formats a value for a report: bounded in depth and length, never throws. */
export function formatValue(value: unknown, maxLength = 2000): string {
  let text: string;
  try {
    text = value instanceof Error ? (value.stack ?? `${value.name}: ${value.message}`) : inspect(value, { depth: 4, maxArrayLength: 20, maxStringLength: 500, breakLength: 100 });
  } catch {
    text = '<unprintable>';
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length - maxLength} more characters)` : text;
}

/** The default formatter: a header line with time, level and pid, then the report's fields one per line. */
export const formatEvent: LogFormatter = (event) => {
  const head = `${new Date(event.meta.time).toISOString()} ${event.level}${event.meta.pid ? ` ${event.meta.pid}` : ''}`;
  if (typeof event.message === 'string') return `${head} ${event.message}`;
  const { kind, ...fields } = event.message;
  const lines = Object.entries(fields).map(([k, v]) => `    ${k}: ${formatValue(v).replace(/\n/g, '\n      ')}`);
  return `${head} ${kind} report\n${lines.join('\n')}`;
};

/** The handler every node starts with: formatted events to stderr. */
export function stderrHandler(): LogHandler {
  return { id: 'default', log: (_event, text) => process.stderr.write(`${text}\n`) };
}

/** A node's logger: a primary level, per-module levels and handlers, like OTP's logger. */
export class Logger {
  private level: LogLevel = 'notice';
  private readonly moduleLevels = new Map<string, LogLevel>();
  private readonly handlers = new Map<string, LogHandler>();

  constructor() {
    this.addHandler(stderrHandler());
  }

  /** Sets the primary level: events less severe are dropped (default `'notice'`, as OTP). */
  setLevel(level: LogLevel): void {
    checkLevel(level);
    this.level = level;
  }

  /** The primary level. */
  getLevel(): LogLevel {
    return this.level;
  }

  /** Overrides the level for events whose meta names this module. */
  setModuleLevel(module: string, level: LogLevel): void {
    checkLevel(level);
    this.moduleLevels.set(module, level);
  }

  /** Removes a module's level override. */
  unsetModuleLevel(module: string): void {
    this.moduleLevels.delete(module);
  }

  /** Adds a handler; its id must be new. */
  addHandler(handler: LogHandler): void {
    if (this.handlers.has(handler.id)) throw new Error(`a log handler with id '${handler.id}' already exists; remove it first`);
    this.handlers.set(handler.id, handler);
  }

  /** Removes a handler; returns whether it existed. */
  removeHandler(id: string): boolean {
    return this.handlers.delete(id);
  }

  /** True when an event of this level (from this module) would be logged. */
  allows(level: LogLevel, module?: string): boolean {
    const limit = (module !== undefined ? this.moduleLevels.get(module) : undefined) ?? this.level;
    return SEVERITY[level] <= SEVERITY[limit];
  }

  /** Logs a message or report; a handler that throws is removed, as OTP does, and the others still run. */
  log(level: LogLevel, message: string | Report, meta: Partial<LogMeta> = {}): void {
    if (!this.allows(level, meta.module)) return;
    const event: LogEvent = { level, message, meta: { time: Date.now(), ...meta } };
    for (const handler of Array.from(this.handlers.values())) {
      if (handler.level !== undefined && SEVERITY[level] > SEVERITY[handler.level]) continue;
      try {
        handler.log(event, (handler.formatter ?? formatEvent)(event));
      } catch (error) {
        this.handlers.delete(handler.id);
        process.stderr.write(`log handler '${handler.id}' crashed and was removed: ${formatValue(error)}\n`);
      }
    }
  }

  error(message: string | Report, meta?: Partial<LogMeta>): void {
    this.log('error', message, meta);
  }

  warning(message: string | Report, meta?: Partial<LogMeta>): void {
    this.log('warning', message, meta);
  }

  notice(message: string | Report, meta?: Partial<LogMeta>): void {
    this.log('notice', message, meta);
  }

  info(message: string | Report, meta?: Partial<LogMeta>): void {
    this.log('info', message, meta);
  }

  debug(message: string | Report, meta?: Partial<LogMeta>): void {
    this.log('debug', message, meta);
  }
}

function checkLevel(level: string): void {
  if (!(level in SEVERITY)) throw new Error(`unknown log level '${level}': use one of ${Object.keys(SEVERITY).join(', ')}`);
}

// Keyed by the node object itself: the logger sits below the node and the process files, which import it.
const loggers = new WeakMap<object, Logger>();

/** The logger of a node (created on first use). */
export function loggerOf(node: object): Logger {
  let logger = loggers.get(node);
  if (logger === undefined) {
    logger = new Logger();
    loggers.set(node, logger);
  }
  return logger;
}

/** True for exit reasons that are not errors: `'normal'`, `'shutdown'` and `{ shutdown: _ }`. */
export function isNormalExit(reason: unknown): boolean {
  return reason === 'normal' || reason === 'shutdown' || (reason !== null && typeof reason === 'object' && 'shutdown' in reason && Object.keys(reason).length === 1);
}
