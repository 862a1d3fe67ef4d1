// A generated project whose release runs 0.1.0 as a daemon with 0.2.0 built beside it: the set-up of the
// end-to-end tests of `bin/<name> upgrade` and what happens while one runs.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import assert from 'node:assert/strict';
import { ok, type Ran } from './run.ts';
import { releaseProject } from './release-project.ts';
import { replaceOrFail } from './wait.ts';

/** A project's start script and release root; `remove` stops its node and deletes the project. */
export interface UpgradeProject {
  script(args: string[], env?: NodeJS.ProcessEnv): Promise<Ran>;
  root: string;
  remove(): Promise<void>;
}

// src/which.ts of each version: what tells the two apart.
const which = (word: string): string => `export function which(): string {\n  return '${word}';\n}\n`;

/**
 * `otp new app NAME` under _build/e2e, released as 0.1.0 and started as a daemon, then changed (and `change`d, given
 * the project's folder), bumped and released as 0.2.0 with --upgrade-from 0.1.0 (unpacked, not installed). Call
 * `remove` in a finally.
 */
export async function daemonWithNextVersion(name: string, change?: (dir: string) => void): Promise<UpgradeProject> {
  const project = releaseProject(name);
  const { dir, rel } = project;
  const script = (args: string[], env?: NodeJS.ProcessEnv) => project.run(args, env);
  const remove = () => project.remove();
  try {
    await project.create();
    writeFileSync(join(dir, 'src', 'which.ts'), which('one'));
    await ok(project.otp(['release']), 'otp release 0.1.0');
    assert.match(await ok(script(['daemon']), 'daemon'), new RegExp(`started ${name} 0\\.1\\.0`));
    writeFileSync(join(dir, 'src', 'which.ts'), which('two'));
    change?.(dir);
    const pkg = join(dir, 'package.json');
    writeFileSync(pkg, replaceOrFail(readFileSync(pkg, 'utf8'), '"version": "0.1.0"', '"version": "0.2.0"'));
    await ok(project.otp(['release', '--upgrade-from', '0.1.0']), 'otp release 0.2.0');
  } catch (error) {
    await remove();
    throw error;
  }
  return { script, remove, root: rel };
}

/** A running `upgrade` to `vsn` whose health probe stays open (OTP_UPGRADE_HOLD_FILE) until `release()`; `done` is its outcome. */
export function heldUpgrade(script: (args: string[], env?: NodeJS.ProcessEnv) => Promise<Ran>, root: string, vsn: string): { done: Promise<Ran>; release(): void } {
  const hold = join(dirname(root), `hold-${vsn}`);
  writeFileSync(hold, '');
  return { done: script(['upgrade', vsn, '--probe-ms', '0'], { ...process.env, OTP_UPGRADE_HOLD_FILE: hold }), release: () => rmSync(hold, { force: true }) };
}

/** The source of a module exporting a gen_server registered as `name` and its `start_<name>`: a child an upgrade adds or removes. */
export const namedWorkerSource = (name: string): string => `import { genServer, ok, reply, noreply, type GenServer, type ProcessContext } from '@otp-ts/runtime';

export const ${name}: GenServer<null, string, never, string> = {
  name: '${name}',
  init: () => ok(null),
  handleCall: (request, _from, state) => reply('${name}:' + request, state),
  handleCast: (_request, state) => noreply(state),
};

export const start_${name} = (ctx: ProcessContext) => genServer.startLink(ctx, ${name}, undefined, { name: '${name}' });
`;
