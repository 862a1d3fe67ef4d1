import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  application,
  supervisor,
  genServer,
  ok,
  reply,
  isDown,
  ApplicationError,
  type ApplicationModule,
  type AppResource,
  type GenServer,
  type Pid,
  type ProcessContext,
} from '@otp-ts/runtime';
import { quietLogs, withNode } from './helpers.ts';
import { waitFor } from '../../../test/support/wait.ts';

const quiet = quietLogs;

const echo: GenServer<string, 'who', never, string, string> = { init: (app) => ok(app), handleCall: (_r, _f, s) => reply(s, s) };

/** An application whose top supervisor runs one named server, and which logs its lifecycle. */
function makeApp(name: string, log: string[], deps: string[] = [], extra: Partial<AppResource> = {}): AppResource {
  const mod: ApplicationModule<string> = {
    async start(_type, _args, ctx) {
      log.push(`start ${name}`);
      const pid = await supervisor.startLink(ctx, { init: () => ({ children: [{ id: 'srv', start: (c) => genServer.startLink(c, echo, name, { name: `${name}_srv` }) }] }) }, undefined);
      return { pid, state: name };
    },
    prepStop: (s) => {
      log.push(`prepStop ${s}`);
      return s;
    },
    stop: (s) => {
      log.push(`stop ${s}`);
    },
  };
  return { name, vsn: '1.0.0', mod, applications: deps, env: { port: 8080 }, ...extra };
}

test('ensureAllStarted starts dependencies first, in order; stop takes the tree down', async () => {
  await withNode(async (node) => {
    quiet(node);
    const log: string[] = [];
    await node.run(async (ctx) => {
      await application.load(ctx, makeApp('db', log));
      await application.load(ctx, makeApp('cache', log, ['db']));
      await application.load(ctx, makeApp('web', log, ['db', 'cache']));
      await assert.rejects(application.start(ctx, 'web'), (e: ApplicationError) => e.code === 'notStartedDependency' && /needs 'db'/.test(e.message));
      assert.deepEqual(await application.ensureAllStarted(ctx, 'web'), ['db', 'cache', 'web']);
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['web', 'cache', 'db']);
      assert.equal(await genServer.call(ctx, 'web_srv', 'who'), 'web');
      await application.stop(ctx, 'web');
      assert.equal(ctx.whereis('web_srv'), undefined);
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['cache', 'db']);
    });
    assert.deepEqual(log, ['start db', 'start cache', 'start web', 'prepStop web', 'stop web']);
  });
});

test('starting a started application or stopping a stopped one is refused in a sentence naming the fix', async () => {
  await withNode(async (node) => {
    quiet(node);
    await node.run(async (ctx) => {
      await application.load(ctx, makeApp('twice', []));
      await application.start(ctx, 'twice');
      await assert.rejects(application.start(ctx, 'twice'), (e: ApplicationError) => e.code === 'alreadyStarted' && e.message === "application 'twice' is already started: stop it first (application.stop), or call application.ensureStarted, which answers for a started one");
      await application.stop(ctx, 'twice');
      await assert.rejects(application.stop(ctx, 'twice'), (e: ApplicationError) => e.code === 'notStarted' && e.message === "application 'twice' is not started, so there is nothing to stop (application.whichApplications() lists the started ones)");
    });
  });
});

test('env: defaults from the resource, overridden by sys.config, changed at run time', async () => {
  await withNode(async (node) => {
    quiet(node);
    await node.run(async (ctx) => {
      await application.setConfig(ctx, { shop: { port: 9090 } });
      await application.load(ctx, { name: 'shop', vsn: '0.1.0', env: { port: 8080, host: 'localhost' } });
      assert.equal(application.getEnv(ctx, 'shop', 'port'), 9090);
      assert.equal(application.getEnv(ctx, 'shop', 'host'), 'localhost');
      assert.equal(application.getEnv(ctx, 'shop', 'missing', 'fallback'), 'fallback');
      application.setEnv(ctx, 'shop', 'host', '127.0.0.1');
      assert.deepEqual(application.getAllEnv(ctx, 'shop'), { port: 9090, host: '127.0.0.1' });
      await application.start(ctx, 'shop');
      assert.deepEqual(await application.whichApplications(ctx), [{ name: 'shop', description: '', vsn: '0.1.0', type: 'temporary' }]);
    });
  });
});

test("update (a release upgrade): the new resource's version and env replace the old, and a running app's configChange hears the differences", async () => {
  await withNode(async (node) => {
    quiet(node);
    await node.run(async (ctx) => {
      const log: string[] = [];
      const heard: unknown[] = [];
      const v1 = makeApp('shop', log, [], { env: { port: 8080, host: 'localhost', debug: true } });
      await application.setConfig(ctx, { shop: { port: 9090 } });
      await application.load(ctx, v1);
      await application.start(ctx, 'shop');
      const mod2: ApplicationModule<string> = { ...(v1.mod as ApplicationModule<string>), configChange: (changed, added, removed) => void heard.push({ changed, added, removed }) };
      const diff = await application.update(ctx, { ...v1, vsn: '1.1.0', mod: mod2, env: { port: 8080, host: 'example.org', workers: 4 } }, { port: 7070 });
      assert.deepEqual(diff, { changed: { port: 7070, host: 'example.org' }, added: { workers: 4 }, removed: ['debug'] });
      assert.deepEqual(heard, [diff], 'the new callback module is told once, with what changed');
      assert.deepEqual(application.getAllEnv(ctx, 'shop'), { port: 7070, host: 'example.org', workers: 4 });
      assert.equal((await application.whichApplications(ctx))[0]!.vsn, '1.1.0');
      await assert.rejects(application.update(ctx, { name: 'nope', vsn: '1' }), /application 'nope' is not loaded/);
    });
  });
});

test('setConfig and update refuse configuration that is not { app: { key: value } } with badConfig naming it; the controller, the env and the applications stay as they were', async () => {
  await withNode(async (node) => {
    quiet(node);
    await node.run(async (ctx) => {
      const shop = makeApp('cfgbad', [], [], { env: { port: 8080 } });
      await application.load(ctx, shop);
      await application.start(ctx, 'cfgbad');
      const controller = ctx.whereis('application_controller');
      const badConfig = (what: RegExp) => (e: unknown) => e instanceof ApplicationError && e.code === 'badConfig' && what.test(e.message);
      await assert.rejects(application.setConfig(ctx, null as never), badConfig(/application.setConfig needs an object of \{ app: \{ key: value \} \}, got null/));
      await assert.rejects(application.setConfig(ctx, [{ port: 1 }] as never), badConfig(/got \[\{"port":1\}\]/));
      await assert.rejects(application.setConfig(ctx, { cfgbad: null } as never), badConfig(/the settings of 'cfgbad' must be an object of key: value, got null/));
      await assert.rejects(application.setConfig(ctx, { cfgbad: 'port=1' } as never), badConfig(/'cfgbad'.*got "port=1"/));
      await assert.rejects(application.update(ctx, { ...shop, vsn: '1.1.0' }, [9090] as never), badConfig(/application.update: the settings of 'cfgbad'/));
      assert.equal(ctx.whereis('application_controller'), controller, 'the controller runs on');
      assert.deepEqual(application.getAllEnv(ctx, 'cfgbad'), { port: 8080 }, 'nothing was applied');
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => [a.name, a.vsn]), [['cfgbad', '1.0.0']]);
    });
  });
});

test('a temporary application that dies is only reported; a permanent one stops the node', async () => {
  await withNode(async (node) => {
    const logs = quiet(node);
    const log: string[] = [];
    let stopped: unknown;
    await node.run(async (ctx) => {
      await application.startController(ctx, { onNodeStop: (reason) => (stopped = reason) });
      await application.load(ctx, makeApp('tmp', log));
      await application.load(ctx, makeApp('core', log));
      await application.load(ctx, makeApp('other', log));
      await application.start(ctx, 'tmp', 'temporary');
      await application.start(ctx, 'other', 'temporary');
      const tmpSup = await topSupervisor(ctx, 'tmp_srv');
      ctx.exit(tmpSup, 'kill');
      await waitFor('the temporary application to end', async () => (await application.whichApplications(ctx)).every((a) => a.name !== 'tmp'));
      assert.deepEqual((await application.whichApplications(ctx)).map((a) => a.name), ['other']);
      assert.equal(stopped, undefined);
      await application.start(ctx, 'core', 'permanent');
      ctx.exit(await topSupervisor(ctx, 'core_srv'), 'kill');
      await waitFor('the permanent application to stop the node', () => stopped !== undefined);
      assert.deepEqual(stopped, { applicationTerminated: 'core', reason: 'killed' });
      assert.deepEqual(await application.whichApplications(ctx), [], 'the other applications were stopped');
    });
    assert.ok(log.includes('stop other'));
    assert.ok(logs.some((e) => e.level === 'critical'));
  });
});

test('a transient application stops the node only when it exits abnormally', async () => {
  await withNode(async (node) => {
    quiet(node);
    let stopped: unknown;
    await node.run(async (ctx) => {
      await application.startController(ctx, { onNodeStop: (reason) => (stopped = reason) });
      await application.load(ctx, makeApp('tr', []));
      await application.start(ctx, 'tr', 'transient');
      const sup = await topSupervisor(ctx, 'tr_srv');
      const ref = ctx.monitor(sup);
      await genServer.stop(ctx, sup, 'normal');
      await ctx.receive((m) => isDown(m, ref));
      await waitFor('the transient application to end', async () => (await application.whichApplications(ctx)).every((a) => a.name !== 'tr'));
      assert.equal(stopped, undefined);
      await application.start(ctx, 'tr', 'transient');
      await genServer.stop(ctx, await topSupervisor(ctx, 'tr_srv'), 'boom');
      await waitFor('the transient application to stop the node', () => stopped !== undefined);
      assert.deepEqual(stopped, { applicationTerminated: 'tr', reason: 'boom' });
    });
  });
});

test('loading from a package.json otp field, with clear errors for bad resources and circular dependencies', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-app-'));
  try {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: '@acme/cart-service', version: '0.3.0', otp: { applications: [], env: { size: 3 } } }));
    await withNode(async (node) => {
      quiet(node);
      await node.run(async (ctx) => {
        await application.load(ctx, dir);
        const [loaded] = await application.loadedApplications(ctx);
        assert.deepEqual(loaded, { name: 'cart_service', description: '', vsn: '0.3.0', applications: [] });
        assert.equal(application.getEnv(ctx, 'cart_service', 'size'), 3);
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bad', version: '1.0.0', otp: { applications: 'db' } }));
        await assert.rejects(application.load(ctx, dir), /otp.applications must be an array of application names, got "db"/);
        writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'plain', version: '1.0.0' }));
        await assert.rejects(application.load(ctx, dir), /has no "otp" object/);
        await application.load(ctx, { name: 'a', vsn: '1', applications: ['b'] });
        await application.load(ctx, { name: 'b', vsn: '1', applications: ['a'] });
        await assert.rejects(application.ensureAllStarted(ctx, 'a'), (e: ApplicationError) => e.code === 'circular' && /a -> b -> a/.test(e.message));
        await assert.rejects(application.ensureAllStarted(ctx, 'nope'), (e: ApplicationError) => e.code === 'notLoaded');
      });
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an application whose start fails is not started and the error names it', async () => {
  await withNode(async (node) => {
    quiet(node);
    await node.run(async (ctx) => {
      await application.load(ctx, { name: 'broken', vsn: '1', mod: { start: () => { throw new Error('port in use'); } } });
      await assert.rejects(application.start(ctx, 'broken'), (e: ApplicationError) => e.code === 'startFailed' && /'broken' failed to start: port in use/.test(e.message));
      assert.deepEqual(await application.whichApplications(ctx), []);
    });
  });
});

// The top supervisor of an application: the parent (first link) of its named server.
async function topSupervisor(ctx: ProcessContext, server: string): Promise<Pid> {
  const pid = ctx.whereis(server)!;
  const links = ctx.processInfo(pid)!.links;
  return links.find((l) => ctx.processInfo(l)?.behaviour === 'supervisor')!;
}

test("an application whose start returns an unlinked top supervisor is refused at start, naming the fix, instead of one whose stop never ends", async () => {
  await withNode(async (node) => {
    quiet(node);
    await node.run(async (ctx) => {
      const mod: ApplicationModule = { start: (_t, _a, c) => supervisor.start(c, { init: () => ({ children: [{ id: 'srv', start: (cc) => genServer.startLink(cc, echo, 'loose', { name: 'loose_srv' }) }] }) }, undefined) };
      await application.load(ctx, { name: 'loose', vsn: '1.0.0', mod, applications: [], env: {} });
      await assert.rejects(application.start(ctx, 'loose'), (e: ApplicationError) => /loose's start returned <[\d.]+>, which is not linked to the application: start the top supervisor with supervisor\.startLink \(not start\)/.test(e.message));
      assert.equal(ctx.whereis('loose_srv'), undefined, 'the tree it started was taken down');
      assert.deepEqual(await application.whichApplications(ctx), []);
    });
  });
});
