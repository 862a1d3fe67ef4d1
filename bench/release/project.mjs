// The otp-ts side of the release suite: template projects made by `otp new app`, the fleet app (1,000
// gen_servers of one callback module, 0.1.0 and 0.2.0 with a new state shape), and their releases.
import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { must } from './proc.mjs';

/** The repository's otp binary. */
export const otpBin = (repo) => join(repo, 'packages', 'cli', 'bin', 'otp.js');

/** A fresh `otp new app NAME` project in `base`; returns its folder. */
export async function newApp(repo, base, name) {
  await must(process.execPath, [otpBin(repo), 'new', 'app', name, '--quiet'], { cwd: base });
  return join(base, name);
}

/** Runs `otp ARGS..` in a project; resolves to the wall ms of the command. */
export async function otp(repo, dir, args) {
  return (await must(process.execPath, [otpBin(repo), ...args], { cwd: dir })).ms;
}

/** Forgets a project's build outputs (compile cache and releases), so the next release starts cold. */
export function cleanBuild(dir) {
  rmSync(join(dir, '_build'), { recursive: true, force: true });
}

/** The release root `otp release` writes for the project's release `name`. */
export const relRoot = (dir, name) => join(dir, '_build', 'prod', 'rel', name);

/** Sets the project's version in package.json. */
export function setVersion(dir, vsn) {
  const file = join(dir, 'package.json');
  writeFileSync(file, readFileSync(file, 'utf8').replace(/"version": "[^"]+"/, `"version": "${vsn}"`));
}

/** Adds a Node.js flag to config/node.args (lines starting with -- go to Node.js). */
export function addNodeFlag(dir, flag) {
  appendFileSync(join(dir, 'config', 'node.args'), `${flag}\n`);
}

// The fleet's callback module: 0.1.0 keeps { id, count }; 0.2.0 adds `history`, migrated by codeChange
// (and dropped again on a downgrade, whose oldVsn is { down: '0.1.0' }).
function workerSource(vsn) {
  const v2 = vsn !== '0.1.0';
  return `import { genServer, noreply, ok, reply, type GenServer, type ProcessContext } from '@otp-ts/runtime';

/** One worker's state${v2 ? ' (0.2.0: with the history of its counts)' : ''}. */
export interface State {
  id: number;
  count: number;${v2 ? '\n  history: number[];' : ''}
}

/** A worker of the fleet: counts the bumps it is sent. */
export const server: GenServer<State, 'bump' | 'get', 'reset', unknown, number> = {
  name: 'fleet_worker',
  init: (id) => ok({ id, count: 0${v2 ? ', history: []' : ''} }),
  handleCall: (request, _from, state) =>
    request === 'bump' ? reply(state.count + 1, { ...state, count: state.count + 1${v2 ? ', history: [...state.history, state.count + 1].slice(-8)' : ''} }) : reply(state, state),
  handleCast: (_request, state) => noreply({ ...state, count: 0 }),${
    v2
      ? `
  codeChange(oldVsn: unknown, state: State): State {
    if (typeof oldVsn === 'object' && oldVsn !== null && 'down' in oldVsn) return { id: state.id, count: state.count } as State;
    return { ...state, history: [state.count] };
  },`
      : ''
  }
};

/** Starts worker \`id\` linked to its supervisor. */
export const startLink = (ctx: ProcessContext, id: number) => genServer.startLink(ctx, server, id);
`;
}

// The fleet's top supervisor: `count` workers of the one callback module, started with the app.
function supSource(name, count) {
  return `import { supervisor, type Supervisor } from '@otp-ts/runtime';
import { startLink } from './${name}_server.ts';

/** The top supervisor: ${count} workers, each restarted alone. */
export const sup: Supervisor<void> = {
  name: '${name}_sup',
  init: () => ({
    flags: { strategy: 'oneForOne', intensity: 5, period: 10 },
    children: Array.from({ length: ${count} }, (_, i) => supervisor.worker(\`w\${i}\`, (ctx) => startLink(ctx, i))),
  }),
};
`;
}

/** Turns a template project into the fleet app at version `vsn`: `count` workers under the top supervisor. */
export function writeFleet(dir, name, vsn, count) {
  writeFileSync(join(dir, 'src', `${name}_server.ts`), workerSource(vsn));
  writeFileSync(join(dir, 'src', `${name}_sup.ts`), supSource(name, count));
  rmSync(join(dir, 'test'), { recursive: true, force: true });
  setVersion(dir, vsn);
}
