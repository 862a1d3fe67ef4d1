import { assert, assertEqual } from '@otp-ts/test-runner/assert';
import { fileURLToPath } from 'node:url';
import { application, createNode, type OtpNode } from '@otp-ts/runtime';
import { bump, count } from '../src/{{name}}_server.ts';
import app from '../src/{{name}}_app.ts';

/** What initPerSuite hands to every case: the node running the application. */
export interface Config {
  node: OtpNode;
}

const appDir = fileURLToPath(new URL('..', import.meta.url));

/** The cases, in order. */
export const all = () => ['serverAnswers', 'crashedServerIsRestarted'];

/** Starts a node and the {{name}} application on it, from this package's package.json. */
export async function initPerSuite(config: Record<string, unknown>): Promise<Config> {
  const node = createNode();
  await node.run(async (ctx) => {
    // The resource comes from package.json; the callback module is the one this suite was built with.
    await application.load(ctx, { ...(await application.readResource(appDir)), mod: app });
    await application.ensureAllStarted(ctx, '{{name}}');
  });
  return { ...config, node };
}

/** Stops the application and the node. */
export async function endPerSuite(config: Config): Promise<void> {
  await config.node.run((ctx) => application.stop(ctx, '{{name}}'));
  config.node.shutdown();
}

/** The running server answers calls. */
export async function serverAnswers(config: Config): Promise<void> {
  await config.node.run(async (ctx) => {
    assertEqual(await bump(ctx, 'suite', 2), 2);
    assertEqual(await count(ctx, 'suite'), 2);
  });
}

/** A killed server is restarted by {{name}}_sup, with fresh state. */
export async function crashedServerIsRestarted(config: Config): Promise<void> {
  await config.node.run(async (ctx) => {
    const before = ctx.whereis('{{name}}_server');
    assert(before, 'the server runs');
    ctx.exit(before, 'kill');
    let after = ctx.whereis('{{name}}_server');
    while (after === undefined || after === before) {
      await ctx.sleep(1);
      after = ctx.whereis('{{name}}_server');
    }
    assertEqual(await count(ctx, 'suite'), 0);
  });
}
