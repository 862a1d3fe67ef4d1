import type { Io } from './io.js';

/** Reports long work: one live line on a terminal, plain lines elsewhere (CI logs). */
export interface Progress {
  /** Announces the next thing being done (`compiling src/shop_app.ts`). */
  step(label: string): void;
  /** Ends the work with a summary line. */
  done(summary: string): void;
  /** Ends the work without a summary (an error follows). */
  stop(): void;
}

const frames = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** Creates a progress reporter on io.stdout; quiet shows nothing; off a TTY (or verbose) every step is a line. */
export function createProgress(io: Io, title: string): Progress {
  const out = io.stdout;
  const live = out.isTTY === true && io.verbosity === 'normal';
  let n = 0;
  const clear = (): void => {
    if (live && n > 0) out.write('\r\x1b[K');
  };
  return {
    step(label) {
      n++;
      if (io.verbosity === 'quiet') return;
      if (live) {
        const width = Math.max(20, (out.columns || 80) - 4);
        const text = `${title}: ${label}`;
        out.write(`\r\x1b[K${frames[n % frames.length]} ${text.length > width ? text.slice(0, width - 1) + '…' : text}`);
      } else {
        if (n === 1) out.write(`${title}\n`);
        out.write(`  ${label}\n`);
      }
    },
    done(summary) {
      clear();
      if (io.verbosity !== 'quiet') out.write(`${summary}\n`);
    },
    stop: clear,
  };
}
