import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { journal } from './journal.js';

/** A move into the release root that can be undone: what was there before waits in `backup`. */
interface Move {
  target: string;
  backup?: string;
}

/**
 * Moves complete pieces into a release root one rename at a time, keeping what each replaces, so that
 * a failure part-way can put the root back exactly as it was.
 */
export class Installer {
  private readonly moves: Move[] = [];
  private readonly created: string[] = [];
  private n = 0;

  constructor(
    private readonly root: string,
    /** A folder on the same file system for replaced pieces (removed with the staging folder). */
    private readonly attic: string,
    /** The staging folder whose journal records each step before it is taken (see recoverInstall). */
    private readonly work: string,
  ) {}

  /** Moves `from` to `path` under the root, replacing what is there. */
  move(from: string, path: string): void {
    const target = join(this.root, path);
    this.parent(target);
    const move: Move = { target };
    if (existsSync(target)) move.backup = join(this.attic, String(this.n++));
    journal(this.work, { target, from, ...(move.backup ? { backup: move.backup } : {}) });
    pauseForTest(this.moves.length);
    if (move.backup) renameSync(target, move.backup);
    this.moves.push(move);
    renameSync(from, target);
  }

  /** Writes a file under the root through a temporary file and a rename. */
  write(path: string, content: string): void {
    const target = join(this.root, path);
    // Written in the staging folder, never beside the target: a killed install leaves no temporary file in the root.
    const temp = join(this.attic, `write-${this.n++}`);
    this.parent(target);
    writeFileSync(temp, content);
    try {
      this.move(temp, path);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  /** Puts every replaced piece back and removes what was added, newest first. */
  undo(): void {
    for (const m of this.moves.reverse()) {
      rmSync(m.target, { recursive: true, force: true });
      if (m.backup && existsSync(m.backup)) renameSync(m.backup, m.target);
    }
    for (const dir of this.created.reverse()) rmSync(dir, { recursive: true, force: true });
  }

  private parent(target: string): void {
    const dir = dirname(target);
    if (!existsSync(dir)) {
      let top = dir;
      while (!existsSync(dirname(top))) top = dirname(top);
      journal(this.work, { made: top });
    }
    // Called even when `dir` exists: a file in the way fails here, before any move.
    const made = mkdirSync(dir, { recursive: true });
    if (made) this.created.push(made);
  }
}

/** The pieces of a staged version that move into the root one by one: each lib/<app>, releases/<vsn>, bin/<file>, node_modules/<package>, node/. */
export function pieces(staged: string): string[] {
  const under = (dir: string): string[] => (existsSync(join(staged, dir)) ? readdirSync(join(staged, dir)).sort().map((e) => `${dir}/${e}`) : []);
  const packages = under('node_modules').flatMap((p) => (p.split('/')[1]!.startsWith('@') ? under(p) : [p]));
  const releases = under('releases').filter((p) => p !== 'releases/RELEASES.json');
  return [...under('lib'), ...releases, ...under('bin'), ...packages, ...(existsSync(join(staged, 'node')) ? ['node'] : [])];
}

/**
 * A test hook, not an interface: with OTP_RELEASE_PAUSE_AT=N and OTP_RELEASE_PAUSE_FILE=F, the install writes F.paused
 * before its move N (`lock`: before it takes the root's lock for its moves) and waits until F exists, so a test can
 * signal or kill it part way, or start an upgrade meanwhile, without timing luck.
 */
export function pauseForTest(index: number | 'lock'): void {
  const file = process.env.OTP_RELEASE_PAUSE_FILE;
  if (file === undefined || process.env.OTP_RELEASE_PAUSE_AT !== String(index)) return;
  writeFileSync(`${file}.paused`, String(process.pid));
  const nap = new Int32Array(new SharedArrayBuffer(4));
  while (!existsSync(file)) Atomics.wait(nap, 0, 0, 20);
}
