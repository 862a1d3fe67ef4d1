import { ApplicationError, CodeError } from '@otp-ts/runtime';
import { OtpError, type Location } from '../errors/otp-error.js';

// The first Error inside an exit reason, with the children that failed on the way down to it
// (`{ shutdown: { failedToStartChild: 'x_server', reason: Error } }`, nested once per supervisor).
function thrownIn(reason: unknown, children: string[] = [], seen = new Set<unknown>()): { error: Error; children: string[] } | undefined {
  if (reason instanceof Error) return { error: reason, children };
  if (reason === null || typeof reason !== 'object' || seen.has(reason)) return undefined;
  seen.add(reason);
  const child = (reason as { failedToStartChild?: unknown }).failedToStartChild;
  const path = typeof child === 'string' ? [...children, child] : children;
  for (const value of Object.values(reason)) {
    const found = thrownIn(value, path, seen);
    if (found) return found;
  }
  return undefined;
}

// The stack frames in the project's own sources (not its node_modules), source-mapped by Node.js.
function userFrames(error: Error, root: string): string[] {
  const frames = (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l));
  return frames.filter((l) => l.includes(root) && !l.includes('node_modules')).map((l) => l.trim());
}

function locationOf(frame: string | undefined): Location | undefined {
  const m = frame === undefined ? null : /\(?((?:file:\/\/)?[^\s()]+):(\d+):(\d+)\)?$/.exec(frame);
  return m ? { file: m[1]!.replace(/^file:\/\//, ''), line: Number(m[2]), column: Number(m[3]) } : undefined;
}

/**
 * An application that failed to start because the project's code threw, as the user's error (exit 1):
 * the application, the child that crashed, the error's message, where it was thrown and the stack in
 * the project's sources. A module that could not be loaded is the user's error too (loadFailure). Undefined
 * for anything else, which stays otp's own failure.
 */
export function startFailure(error: unknown, root: string): OtpError | undefined {
  if (error instanceof CodeError) return loadFailure(error, root);
  if (!(error instanceof ApplicationError) || error.code !== 'startFailed') return undefined;
  const found = thrownIn(error.cause);
  if (!found) return new OtpError('failed', error.message, { cause: error });
  const frames = userFrames(found.error, root);
  const who = found.children.length > 0 ? `its process ${found.children.join(' → ')} threw` : 'its start callback threw';
  return new OtpError('failed', `application '${error.app}' failed to start: ${who} ${found.error.name}: ${found.error.message}`, {
    location: locationOf(frames[0]),
    hint: frames.length > 1 ? frames.slice(1).map((f) => `  ${f}`).join('\n') : undefined,
    cause: error,
  });
}

/**
 * A module of the project that could not be loaded at boot, as the user's error (exit 1): a package it
 * imports is not installed, or its top level threw (then where, in the project's sources). Undefined for
 * the code server's other refusals, which stay otp's own failure.
 */
function loadFailure(error: CodeError, root: string): OtpError | undefined {
  if (error.code !== 'external' && error.code !== 'evaluation') return undefined;
  const frames = error.cause instanceof Error ? userFrames(error.cause, root) : [];
  return new OtpError('failed', error.message, { location: locationOf(frames[0]), cause: error });
}
