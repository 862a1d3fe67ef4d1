// Ctrl-C (or SIGTERM) while the start script changes the release (an unpack's moves, the node's install and its
// rollback) is held until the change has ended and its outcome is printed, then honoured: exit 130 or 143.
const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;
type HeldSignal = keyof typeof SIGNALS;

/** The signals held meanwhile: `code()` is the exit code the first one asks for (128 + its number), if one came. */
export interface HeldSignals {
  code(): number | undefined;
  release(): void;
}

/**
 * Holds SIGINT and SIGTERM from now until `release()`: the first says, through `say`, that the change runs on and what a
 * second signal does; the second ends the process at once (exit 128 + its number), as `otp trace` leaves on a second Ctrl-C.
 */
export function holdSignals(say: (signal: HeldSignal) => void): HeldSignals {
  let caught: HeldSignal | undefined;
  const hold = (signal: NodeJS.Signals): void => {
    const held = signal as HeldSignal;
    if (caught !== undefined) process.exit(128 + SIGNALS[held]);
    caught = held;
    say(held);
  };
  for (const signal of Object.keys(SIGNALS)) process.on(signal, hold);
  return {
    code: () => (caught === undefined ? undefined : 128 + SIGNALS[caught]),
    release: () => {
      for (const signal of Object.keys(SIGNALS)) process.off(signal, hold);
    },
  };
}
