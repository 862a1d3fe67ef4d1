import { join, relative } from 'node:path';
import { defineProvider } from '../cli/provider.js';
import { createProgress } from '../cli/progress.js';
import { info } from '../cli/io.js';
import { newProject, sourceCheckout, type NewProjectResult } from '../scaffold/new-project.js';
import { templateNames } from '../scaffold/templates-dir.js';
import { shellWord } from '../scaffold/shell-word.js';
import { isOtpError, OtpError } from '../errors/otp-error.js';

// A bad name's better one, said as the whole command to paste (this template, --dir and the other flags kept).
function commandHint(error: unknown, args: { template: string; name: string; dir?: string; force?: boolean; registry?: boolean }): unknown {
  const better = isOtpError(error) && error.code === 'badName' ? /^Try '([a-z][a-z0-9_]*)'\.$/.exec(error.hint ?? '')?.[1] : undefined;
  if (better === undefined) return error;
  const flags = `${args.dir === undefined ? '' : ` --dir ${shellWord(args.dir)}`}${args.force ? ' --force' : ''}${args.registry ? ' --registry' : ''}`;
  return new OtpError('badName', (error as OtpError).message, { hint: `Try: otp new ${args.template} ${better}${flags}`, cause: error });
}

/** `otp new app|lib|umbrella NAME`: creates a project from a template. */
export const newCommand = defineProvider({
  name: 'new',
  description: 'Create a project from a template: an application, a library or an umbrella of applications. Where otp is not installed yet, npm create otp-ts@latest NAME does the same.',
  deps: [],
  positionals: [
    { name: 'template', description: 'what to create', required: true, choices: templateNames },
    { name: 'name', description: 'the project name: lowercase letters, digits and _', required: true },
  ],
  options: [
    { name: 'dir', alias: 'd', type: 'string', value: 'DIR', description: "the folder to create it in (default: ./NAME; at an umbrella's root, apps/NAME)" },
    { name: 'force', alias: 'f', type: 'boolean', description: 'write into an existing non-empty folder (a file of yours the template also writes is kept as FILE.orig)' },
    { name: 'registry', type: 'boolean', description: 'depend on published @otp-ts versions even when otp runs from a source checkout (which is linked by default)' },
  ],
  examples: [
    { command: 'otp new app shop', description: 'an application with a supervisor, a gen_server and tests, in ./shop' },
    { command: 'otp new umbrella store --dir ~/code/store', description: 'an npm workspace with apps/store' },
    { command: 'otp new app billing', description: "at an umbrella's root: apps/billing, a workspace app added to its release (then npm install there)" },
  ],
  async run(args, io) {
    const progress = createProgress(io, `creating ${args.template} ${args.name}`);
    const linkCheckout = args.registry ? undefined : sourceCheckout();
    let created: NewProjectResult;
    try {
      created = newProject({ template: args.template, name: args.name, dir: args.dir, force: args.force, cwd: io.cwd, progress, linkCheckout });
    } catch (error) {
      progress.stop();
      throw commandHint(error, args);
    }
    const where = relative(io.cwd, created.root) || '.';
    progress.done(`created ${args.template} ${args.name} in ${where} (${created.files.length} files)`);
    if (linkCheckout) info(io, `@otp-ts packages: file: links to the otp-ts checkout at ${linkCheckout} (use --registry for published versions)`);
    if (created.umbrella) {
      const { root, workspace, release } = created.umbrella;
      const at = relative(io.cwd, root) || '.';
      const changes = [workspace ? `added ${workspace} to its workspaces` : undefined, release ? `added ${args.name} to its release ${release}` : undefined].filter(Boolean);
      info(io, `${where} is an application of the umbrella at ${at}${changes.length ? `: ${changes.join(', ')}` : ''}`);
      if (workspace) info(io, `otp test runs its tests once the test.paths of ${join(at, 'otp.config.ts')} cover ${workspace}/test`);
      if (args.template === 'app' && !release) info(io, `add ${args.name} to a release's applications in ${join(at, 'otp.config.ts')} to ship it`);
      info(io, `next: ${at === '.' ? '' : `cd ${shellWord(at)} && `}npm install && npx otp test   (npm install at the umbrella's root links the new workspace)`);
      return;
    }
    const cd = where === '.' ? '' : `cd ${shellWord(where)} && `;
    info(io, `next: ${cd}npm install && npx otp ${args.template === 'lib' ? 'test' : 'shell'}`);
  },
});
