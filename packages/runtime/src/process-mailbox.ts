import { TIMEOUT, type ExitReason, type Timeout } from './messages.js';
import { RuntimeError, describeBrief } from './errors.js';
import type { TimerEntry } from './timers.js';
import { finish } from './finish.js';
import { releaseAliases } from './alias.js';
import { loggerOf } from './logger.js';
import { isolateMessage, isolation } from './isolation.js';
import { runTiming } from './run-timing.js';
import { CHUNK, DETACHED, EMPTY, IDLE, LOOPED, PARKED, RACED, READY, SCAN, ProcessRecord, type Answer, type LoopWake } from './process-record.js';
// The whole process (process.ts's class, which extends this one), by the name the methods' `this` takes.
import type { WholeProcess as ProcessImpl } from './process-record.js';
import type { Matcher } from './types.js';

/** A matcher that accepts nothing: `sleep` waits on it without scanning the mailbox. */
export const NEVER = (): boolean => false;

function onReceiveTimeout(entry: TimerEntry): void {
  (entry.owner as ProcessImpl).receiveTimedOut();
}

/**
 * A process's mailbox and receive: delivery, selective receive, the scheduler's hand-over and the end of
 * the body. Longer than the ~250 lines a class should take, on purpose: the hot path of a message (deliver →
 * wake, receive → park) lives here, in one class, so it stays monomorphic; its methods run on the whole
 * process record (`this: ProcessImpl`).
 */
export class ProcessMailbox extends ProcessRecord {
  // A process suspended by a busy connection: its next receive (or sleep) starts once the connection drained.
  private async afterSuspension<T>(this: ProcessImpl, matcher: Matcher<T> | null | undefined, timeoutMs: number | undefined): Promise<T | Timeout> {
    const x = this.x!;
    await x.suspended;
    x.suspended = null;
    this.compact();
    return this.receive(matcher, timeoutMs);
  }

  // The hot path of a receive is small enough to be inlined into the body's loop: the rare cases (a dead
  // process, a receive still pending, a suspension, a bad timeout, messages to scan) are calls out of it.
  receive<T>(this: ProcessImpl, matcher?: Matcher<T> | null, timeoutMs?: number): Promise<T | Timeout> {
    if (this.dead || this.mode !== IDLE || (this.x !== null && this.x.suspended !== null) || (timeoutMs !== undefined && !(typeof timeoutMs === 'number' && timeoutMs >= 0))) {
      return this.receiveOdd(matcher, timeoutMs);
    }
    this.reductions++;
    // otp profile's time per process: one test while no profile runs (run-timing.ts).
    if (runTiming.on !== null) runTiming.on.yielded(this);
    const node = this.node;
    if (node.budget > 0) {
      node.budget--;
      if (this.head < this.mailbox.length) return this.receiveQueued(matcher ?? null, timeoutMs);
      if (timeoutMs === 0) return Promise.resolve(TIMEOUT);
      return this.park(matcher ?? null, timeoutMs, PARKED) as Promise<T | Timeout>;
    }
    // Over the scheduler's budget: wait for the next turn of the event loop before scanning.
    const p = this.park(matcher ?? null, timeoutMs, SCAN);
    node.enqueue(this);
    return p as Promise<T | Timeout>;
  }

  /**
   * Waits for a call's answer, passing over the first `skip` messages waiting (they came before its ref was made):
   * the promise resolves to `answer.settle(message)`, worked out by whoever hands the message over (a sender, the
   * scheduler or the receive timer), so the caller's await resumes with the reply, no async frame or reaction
   * between (gen/call.ts). Any case but the plain one is a receive of the whole mailbox, settled after.
   */
  awaitAnswer(this: ProcessImpl, skip: number, answer: Answer, timeoutMs: number): Promise<unknown> {
    if (this.dead || this.mode !== IDLE || (this.x !== null && this.x.suspended !== null)) return this.answerOdd(answer, timeoutMs);
    this.reductions++;
    if (runTiming.on !== null) runTiming.on.yielded(this);
    const node = this.node;
    if (node.budget <= 0) {
      // Over the scheduler's budget: wait for the next turn of the event loop before scanning, and then still pass
      // over the messages that came before the call (OTP's receive marker), where a scan of a long mailbox from its
      // head would read every one of them.
      const p = this.park(answer, timeoutMs, SCAN);
      if (skip > 0) this.more().skip = skip;
      node.enqueue(this);
      return p;
    }
    node.budget--;
    if (this.head < this.mailbox.length) {
      const i = this.scan(answer, skip);
      if (i >= 0) return Promise.resolve(answer.settle(this.take(i)));
    }
    if (timeoutMs === 0) return Promise.resolve(answer.settle(TIMEOUT));
    return this.park(answer, timeoutMs, PARKED);
  }

  /**
   * Waits for the scheduler's next turn without looking at the mailbox (a behaviour's own work over the budget:
   * gen/reductions.ts): resolves to TIMEOUT then, leaving every message where it is. A receive of nothing would scan
   * the mailbox and then wait for a timer.
   */
  yieldTurn(this: ProcessImpl): Promise<unknown> {
    if (this.dead || this.mode !== IDLE || (this.x !== null && this.x.suspended !== null)) return this.receive(NEVER, 0);
    const p = this.park(NEVER, undefined, READY);
    this.more().ready = TIMEOUT;
    this.node.enqueue(this);
    return p;
  }

  // awaitAnswer through a plain receive (a process suspended by a busy connection; else receive throws).
  private answerOdd(this: ProcessImpl, answer: Answer, timeoutMs: number): Promise<unknown> {
    this.activeCall = answer.tag;
    try {
      return this.receive((m) => answer.matches(m), timeoutMs).then((m) => {
        this.activeCall = null;
        return answer.settle(m);
      });
    } catch (error) {
      this.activeCall = null;
      throw error;
    }
  }

  // A receive with messages waiting: the oldest one the matcher accepts, else park.
  private receiveQueued<T>(this: ProcessImpl, m: Matcher | null, timeoutMs: number | undefined): Promise<T | Timeout> {
    const i = this.scan(m);
    this.check();
    if (i >= 0) return Promise.resolve(this.take(i) as T);
    if (timeoutMs === 0) return Promise.resolve(TIMEOUT);
    return this.park(m, timeoutMs, PARKED) as Promise<T | Timeout>;
  }

  // A receive that is not the plain case: waits for a busy connection to drain, else throws for a dead
  // process, a receive still pending or a bad timeout.
  private receiveOdd<T>(this: ProcessImpl, matcher: Matcher<T> | null | undefined, timeoutMs: number | undefined): Promise<T | Timeout> {
    this.check();
    if (this.x !== null && this.x.suspended !== null) return this.afterSuspension(matcher, timeoutMs);
    if (this.mode !== IDLE) {
      // The body resumed without this receive completing (it raced it with another promise): watch it from now on.
      if (this.body !== null && this.body !== RACED) this.observe(this.body);
      this.body = RACED;
      throw new RuntimeError('badarg', `process ${this.pid} called receive while its previous receive is still pending; await each receive`);
    }
    // OTP's `receive after T` with T no integer >= 0 nor infinity exits `timeout_value`; caught, it reads as badarg. A
    // fraction of a ms is taken (a JS number has no integer type: a deadline less performance.now() is one).
    throw new RuntimeError('badarg', `receive timeout must be a number of milliseconds >= 0 or Infinity, got ${typeof timeoutMs === 'number' ? String(timeoutMs) : describeBrief(timeoutMs)}`, 'timeout_value');
  }

  /**
   * Parks a behaviour loop in a receive of anything without a promise: the loop's frame ends (its body returns
   * DETACHED) and `wake` is called with the next message, as a receive's resolver would be. An idle gen_server
   * then keeps no suspended async frame, promise or reaction (about 600 bytes: bench/behaviours). False when a
   * plain receive must wait instead (the process is suspended by a busy connection, or already waits).
   */
  parkLoop(this: ProcessImpl, wake: LoopWake): boolean {
    if (this.dead || this.mode !== IDLE || (this.x !== null && this.x.suspended !== null)) return false;
    this.reductions++;
    if (runTiming.on !== null) runTiming.on.yielded(this);
    // The body field marks the park (wake reads it already); a body not yet watched is watched from now on.
    const body = this.body;
    if (body !== null && body !== RACED) this.observe(body);
    this.body = LOOPED;
    this.resolve = wake as unknown as (value: unknown) => void;
    this.matcher = null;
    const node = this.node;
    if (node.budget > 0 && this.head >= this.mailbox.length) {
      node.budget--;
      this.mode = PARKED;
    } else {
      // Over the budget, or messages wait (the loop's receiveNow stopped at the budget): scan on the next turn.
      this.mode = SCAN;
      node.enqueue(this);
    }
    return true;
  }

  /** Watches `body` from now on as the process's body (a detached loop that must await): its end ends the process. */
  adopt(this: ProcessImpl, body: Promise<unknown>): void {
    this.observe(body);
  }

  /** Ends the process as its body's end would: `outcome` returned, or (`threw`) thrown. */
  end(this: ProcessImpl, outcome: unknown, threw: boolean): void {
    finish(this, outcome, threw);
  }

  receiveNow<T>(this: ProcessImpl, matcher?: Matcher<T> | null): T | Timeout {
    this.check();
    if (this.mode !== IDLE) throw new RuntimeError('badarg', `process ${this.pid} called receiveNow while a receive is pending`);
    const node = this.node;
    if (node.budget <= 0 || this.head >= this.mailbox.length) return TIMEOUT;
    const i = this.scan(matcher ?? null);
    this.check();
    if (i < 0) return TIMEOUT;
    node.budget--;
    this.reductions++;
    return this.take(i) as T;
  }

  /**
   * Observes the end of the process body. A body suspended in a receive can only resume through this
   * process's wake-up, so the observer is attached at the first wake-up instead of at spawn: an idle
   * process that never received a message carries no reaction on its body's promise (about 200 bytes).
   */
  watchBody(this: ProcessImpl, body: Promise<unknown>): void {
    if (this.mode === IDLE || this.body === RACED) {
      this.observe(body);
    } else {
      this.body = body;
    }
  }

  private observe(this: ProcessImpl, body: Promise<unknown>): void {
    body.then(
      (value) => {
        if (value !== DETACHED) finish(this, 'normal', false);
      },
      (error: unknown) => finish(this, error, true),
    );
  }

  /** Puts a message in this process's mailbox, handing it straight to a pending receive that accepts it. */
  deliver(this: ProcessImpl, message: unknown): void {
    this.node.messagesDelivered = (this.node.messagesDelivered + 1) & 0x3fffffff;
    if (isolation.on) isolateMessage(message);
    if (this.traced) this.node.trace?.receive(this, message);
    if (this.mode === PARKED && (this.matcher === null || this.accepts(message))) {
      const node = this.node;
      if (node.budget > 0 && !node.propagating) {
        node.budget--;
        this.wake(message);
      } else this.wakeLater(message);
      return;
    }
    if (this.dead) return; // its matcher threw
    const box = this.mailbox;
    if (box === EMPTY) this.mailbox = [message];
    else if (box.length < CHUNK && (this.x === null || this.x.rest === null)) box.push(message);
    else this.queueInRest(message);
    if (this.maxQueue !== 0) this.checkQueue();
  }

  // The spawn option maxMailbox: a delivery past its size overflows (out of deliver, which stays small enough to inline).
  private checkQueue(this: ProcessImpl): void {
    if (this.queueLength > this.maxQueue) mailboxOverflow(this);
  }

  // A message arriving when the first mailbox array is full or later ones are in use: into the last of those.
  private queueInRest(message: unknown): void {
    const x = this.more();
    if (x.rest === null) {
      x.rest = [[message]];
      return;
    }
    const last = x.rest[x.rest.length - 1]!;
    if (last.length < CHUNK) last.push(message);
    else x.rest.push([message]);
  }

  // Whether the parked receive's matcher takes `message`; a matcher that throws ends the process.
  private accepts(this: ProcessImpl, message: unknown): boolean {
    const m = this.matcher!;
    if (m === NEVER) return false;
    try {
      return typeof m === 'function' ? m(message) : m.matches(message);
    } catch (error) {
      this.node.exitProcess(this, error);
      return false;
    }
  }

  // Over budget, or inside an exit cascade that may yet kill this process: the message is handed over later.
  private wakeLater(this: ProcessImpl, message: unknown): void {
    const node = this.node;
    this.cancelReceiveTimer();
    this.mode = READY;
    this.more().ready = message;
    if (node.propagating) node.wakeAfterCascade(this);
    else node.enqueue(this);
  }

  /** The scheduler's turn for a process queued over budget. */
  runQueued(this: ProcessImpl): void {
    if (this.mode === READY) {
      const msg = this.x!.ready;
      this.x!.ready = undefined;
      this.wake(msg);
    } else if (this.mode === SCAN) {
      const i = this.scan(this.matcher, this.takeSkip());
      if (this.dead) return;
      if (i >= 0) this.wake(this.take(i));
      else this.mode = PARKED;
    }
  }

  // The messages a call's wait put off by the budget passes over (awaitAnswer), once: 0 for any other receive.
  private takeSkip(this: ProcessImpl): number {
    const x = this.x;
    if (x === null || x.skip === 0) return 0;
    const skip = x.skip;
    x.skip = 0;
    this.compact();
    return skip;
  }

  /** Called by the timer queue when a pending receive's timeout passes. */
  receiveTimedOut(this: ProcessImpl): void {
    this.timer = null;
    if (this.mode === PARKED) {
      this.wake(TIMEOUT);
    } else if (this.mode === SCAN) {
      const i = this.scan(this.matcher, this.takeSkip());
      if (this.dead) return;
      this.wake(i >= 0 ? this.take(i) : TIMEOUT);
    }
  }

  /** Drops everything a dead process held that could wake it. */
  release(this: ProcessImpl, reason: ExitReason): void {
    this.dead = true;
    this.cancelReceiveTimer();
    if (reason !== 'normal' || this.x !== null) this.more().exitReason = reason;
    if (this.x !== null) {
      this.x.ready = undefined;
      if (this.x.aliases !== null) releaseAliases(this, this.x.aliases);
      this.x.aliases = null;
      this.x.rest = null;
      this.x.skip = 0;
    }
    this.resolve = null;
    this.matcher = null;
    this.body = null;
    this.mode = IDLE;
    this.mailbox = EMPTY;
    this.head = 0;
  }

  // The executor is an arrow written here on purpose: inlined into the receive, V8 drops its closure and the
  // unused reject function, where a shared executor function made every receive allocate both (bench/runtime).
  private park(m: Matcher | Answer | null, timeoutMs: number | undefined, mode: number): Promise<unknown> {
    const p = new Promise<unknown>((resolve) => {
      this.resolve = resolve;
    });
    this.matcher = m;
    this.mode = mode;
    if (timeoutMs !== undefined && timeoutMs !== Infinity) this.armReceiveTimer(timeoutMs);
    return p;
  }

  private armReceiveTimer(timeoutMs: number): void {
    this.timer = this.node.timers.add(timeoutMs, onReceiveTimeout, this);
  }

  private wake(this: ProcessImpl, value: unknown): void {
    const body = this.body;
    if (body !== null) {
      // A loop parked by parkLoop: its wake is told the process (a receive's resolver takes the value alone).
      if (body === LOOPED) return this.wakeLoop(value);
      if (body !== RACED) this.observe(body);
      this.body = null;
    }
    this.cancelReceiveTimer();
    const resolve = this.resolve!;
    const m = this.matcher;
    this.resolve = null;
    this.matcher = null;
    this.mode = IDLE;
    this.reductions++;
    if (runTiming.on !== null) runTiming.on.woke(this);
    // A call's answer is settled here, once the process is out of its receive (settling may receive again).
    resolve(m === null || typeof m === 'function' ? value : m.settle(value));
  }

  private wakeLoop(this: ProcessImpl, value: unknown): void {
    this.body = null;
    // The slot holds the loop's wake while the body field says LOOPED (parkLoop): one slot, no field more a process.
    const wake = this.resolve as unknown as LoopWake;
    this.resolve = null;
    this.matcher = null;
    this.mode = IDLE;
    this.reductions++;
    if (runTiming.on !== null) runTiming.on.woke(this);
    wake(value, this);
  }

  private cancelReceiveTimer(): void {
    if (this.timer !== null) {
      this.node.timers.cancel(this.timer);
      this.timer = null;
    }
  }

  // Index of the oldest message the matcher accepts, or -1; each message is tested once per receive.
  private scan(this: ProcessImpl, m: Matcher | Answer | null, skip = 0): number {
    const box = this.mailbox;
    if (m === null) return this.head < box.length ? this.head : -1;
    if (m === NEVER) return -1;
    const from = this.head + skip;
    for (let i = from; i < box.length; i++) {
      let ok: boolean;
      try {
        ok = typeof m === 'function' ? m(box[i]) : m.matches(box[i]);
      } catch (error) {
        this.node.exitProcess(this, error);
        return -1;
      }
      if (ok) return i;
    }
    const rest = this.x?.rest;
    return rest == null ? -1 : this.scanRest(m, rest, box.length, from);
  }

  // scan past the first mailbox array from index `from`: the index counts on from `base`, the first array's length.
  private scanRest(this: ProcessImpl, m: Matcher | Answer, rest: unknown[][], base: number, from: number): number {
    for (const c of rest) {
      for (let j = from > base ? from - base : 0; j < c.length; j++) {
        let ok: boolean;
        try {
          ok = typeof m === 'function' ? m(c[j]) : m.matches(c[j]);
        } catch (error) {
          this.node.exitProcess(this, error);
          return -1;
        }
        if (ok) return base + j;
      }
      base += c.length;
    }
    return -1;
  }

  private take(i: number): unknown {
    const box = this.mailbox;
    if (i >= box.length) return this.takeFromRest(i - box.length);
    const msg = box[i];
    if (i === this.head) {
      box[i] = undefined;
      this.head++;
      if (this.head === box.length) {
        if (this.x === null || this.x.rest === null) {
          box.length = 0;
          this.head = 0;
        } else this.nextChunk();
      } else if (this.head >= 1024 && this.head * 2 >= box.length) {
        box.splice(0, this.head);
        this.head = 0;
      }
    } else {
      box.splice(i, 1);
    }
    return msg;
  }

  // The message `k` places past the first mailbox array (a selective receive's match).
  private takeFromRest(k: number): unknown {
    const rest = this.x!.rest!;
    let c = 0;
    while (k >= rest[c]!.length) k -= rest[c++]!.length;
    const chunk = rest[c]!;
    const msg = chunk[k];
    chunk.splice(k, 1);
    if (chunk.length === 0) {
      rest.splice(c, 1);
      if (rest.length === 0) {
        this.x!.rest = null;
        this.compact();
      }
    }
    return msg;
  }
}

/**
 * A delivery left more messages waiting than the process's limit: report it and kill the process, as
 * the BEAM does when a process outgrows its `max_heap_size`. Without `kill` the overflow is reported
 * once and the limit is lifted.
 */
function mailboxOverflow(p: ProcessImpl): void {
  const limit = p.mailboxLimit!;
  const kill = limit.kill !== false;
  if (limit.errorLogger !== false) {
    loggerOf(p.node).error(
      {
        kind: 'maxMailbox',
        pid: p.pid,
        name: p.name,
        size: limit.size,
        queued: p.queueLength,
        killed: kill,
        text: `process ${p.pid}${p.name === undefined ? '' : ` (${p.name})`} has ${p.queueLength} messages waiting, over its maxMailbox of ${limit.size}${kill ? ': killed' : ''}`,
      },
      { pid: p.pid },
    );
  }
  if (kill) p.node.exitProcess(p, 'killed');
  else p.mailboxLimit = null;
}
