import type { Ref } from '../pid.js';
import { isTimeoutMs } from '../timers.js';
import { From } from '../gen/messages.js';
import { termKey } from '../terms.js';
import type { Event, EventTimeoutAction, GenericTimeoutAction, NextEventAction, StateTimeoutAction, TimeoutTime } from './types.js';

/** Any of the three timeout actions. */
export type TimeoutAction = EventTimeoutAction | StateTimeoutAction | GenericTimeoutAction;

/** A fired timer's message; one no longer held in its slot (cancelled or restarted) is dropped. */
export class TimerFired {
  // Not readonly: a timeout's `update` action replaces the content of the timer already running.
  constructor(public event: Event) {}
}

/** A running timeout: a runtime timer, or (ref null) a zero timeout waiting in the machine's `zero` queue. */
export interface Timer {
  readonly ref: Ref | null;
  readonly fired: TimerFired;
}

/** What arm needs of the machine: starting and cancelling its timers. */
export interface TimerStarter {
  startTimer(ms: number, event: Event, viaTimer?: boolean): Timer;
  cancel(timer: Timer | null | undefined): null;
}

/** Applies one timeout action to its slot: the timer the slot holds next (null when cancelled). */
export function arm(m: TimerStarter, running: Timer | null, time: TimeoutTime, abs: boolean | undefined, event: Event): Timer | null {
  if (time === 'update') {
    if (running === null) return m.startTimer(0, event);
    // The same timer, its content changed: its fire message still matches the slot.
    running.fired.event = event;
    return running;
  }
  m.cancel(running);
  if (time === 'cancel' || time === Infinity) return null;
  return abs === true ? m.startTimer(Math.max(0, Math.ceil(time - performance.now())), event, true) : m.startTimer(time, event);
}

/** An action checked and read: what the loop switches on. */
export type CheckedAction =
  | { readonly kind: 'postpone'; readonly postpone: boolean }
  | { readonly kind: 'hibernate'; readonly hibernate: boolean }
  | { readonly kind: 'reply'; readonly from: From; readonly value: unknown }
  | { readonly kind: 'timeout'; readonly timeout: TimeoutAction }
  | { readonly kind: 'nextEvent'; readonly event: Event };

const POSTPONE: CheckedAction = { kind: 'postpone', postpone: true };
const NO_POSTPONE: CheckedAction = { kind: 'postpone', postpone: false };
const HIBERNATE: CheckedAction = { kind: 'hibernate', hibernate: true };
const NO_HIBERNATE: CheckedAction = { kind: 'hibernate', hibernate: false };

/** Reads an action (user code may give anything), or null when it is not a valid one. */
export function checkAction(a: unknown): CheckedAction | null {
  if (a === 'postpone') return POSTPONE;
  if (a === 'hibernate') return HIBERNATE;
  if (a === null || typeof a !== 'object') return null;
  const o = a as Record<string, unknown>;
  // An absolute time may be any time, past ones included; a relative one is whole ms >= 0 or Infinity (OTP's timeout()).
  const isTime = (v: unknown): boolean => v === 'cancel' || v === 'update' || (typeof v === 'number' && (o.abs === true ? !Number.isNaN(v) : isTimeoutMs(v)));
  const timeout = (v: unknown): CheckedAction | null => (isTime(v) && (o.abs === undefined || typeof o.abs === 'boolean') ? { kind: 'timeout', timeout: a as TimeoutAction } : null);
  // OTP's {postpone, Bool} and {hibernate, Bool} set an option: the last one given wins.
  if ('postpone' in o) return typeof o.postpone === 'boolean' ? (o.postpone ? POSTPONE : NO_POSTPONE) : null;
  if ('hibernate' in o) return typeof o.hibernate === 'boolean' ? (o.hibernate ? HIBERNATE : NO_HIBERNATE) : null;
  if ('reply' in o) return Array.isArray(o.reply) && o.reply.length === 2 && o.reply[0] instanceof From ? { kind: 'reply', from: o.reply[0], value: o.reply[1] } : null;
  if ('timeout' in o) return timeout(o.timeout);
  if ('stateTimeout' in o) return timeout(o.stateTimeout);
  // A name that cannot be a key (it holds itself, or nests past the stack) is invalid, not a crash outside the callbacks.
  if ('genericTimeout' in o) return keyable(o.genericTimeout) ? timeout(o.ms) : null;
  if ('nextEvent' in o) {
    const event = eventOf(a as NextEventAction);
    return event === null ? null : { kind: 'nextEvent', event };
  }
  return null;
}

// True when a generic timeout's name can key the machine's timers.
function keyable(name: unknown): boolean {
  try {
    termKey(name);
    return true;
  } catch {
    return false;
  }
}

/** The event a nextEvent action inserts; null for an unknown event type. */
export function eventOf(a: NextEventAction): Event | null {
  const type = a.eventType ?? 'internal';
  if (type === 'internal' || type === 'cast' || type === 'info' || type === 'timeout' || type === 'stateTimeout') return { type, content: a.nextEvent };
  if (type === null || typeof type !== 'object') return null;
  if ('call' in type) return type.call instanceof From ? { type: 'call', from: type.call, content: a.nextEvent } : null;
  if ('genericTimeout' in type) return { type: 'genericTimeout', name: type.genericTimeout, content: a.nextEvent };
  return null;
}
