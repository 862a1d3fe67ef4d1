import { join } from 'node:path';
import * as application from '../application/api.js';
import { codeServerOf } from '../code/server.js';
import { loadBuiltApplication } from '../code/app-loader.js';
import type { VersionFiles } from './files.js';
import type { RunningRelease } from './running.js';

/** Loads a version's applications from lib/ (those not loaded yet) and starts them in order (boot and restart). */
export async function startApplications(state: RunningRelease, files: VersionFiles): Promise<void> {
  const code = codeServerOf(state.node);
  await state.node.run(async (ctx) => {
    await application.setConfig(ctx, files.sysConfig);
    const loaded = new Set((await application.loadedApplications(ctx)).map((a) => a.name));
    for (const app of files.release.applications) {
      if (!loaded.has(app.name)) await application.load(ctx, await loadBuiltApplication(code, join(state.root, 'lib', `${app.name}-${app.vsn}`)));
    }
    for (const app of files.release.applications) {
      await application.start(ctx, app.name, app.type ?? 'permanent');
      state.started.push(app.name);
    }
  });
}

/** Stops the started applications in reverse start order, each even if another failed; resolves to the failures. */
export async function stopApplications(state: RunningRelease): Promise<unknown[]> {
  const failures: unknown[] = [];
  await state.node.run(async (ctx) => {
    for (const app of [...state.started].reverse()) await application.stop(ctx, app).catch((error: unknown) => failures.push(error));
  });
  state.started.length = 0;
  return failures;
}
