import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planTemplate, planProject, substitute, readTemplates, templateNames, packageVersions, OtpError, type Template } from '@otp-ts/cli';

const tpl = (name: string, files: Record<string, string>, sources: Record<string, string>, extra: Partial<Template['manifest']> = {}): Template => ({
  name,
  manifest: { description: name, variables: { name: { description: 'the name' }, greeting: { description: 'a word', default: 'hello' } }, files, ...extra },
  sources,
});

const badTemplate = (body: () => unknown, message: string) =>
  assert.throws(body, (e: unknown) => e instanceof OtpError && e.code === 'badTemplate' && e.message === message && e.exitCode === 1);

test('substitute replaces every {{variable}}, spaces allowed', () => {
  assert.equal(substitute('{{name}}_app says {{ greeting }} to {{name}}', { name: 'shop', greeting: 'hi' }, 't'), 'shop_app says hi to shop');
});

test('a template plans its files as data: paths and contents substituted, defaults filled in', () => {
  const t = tpl('t', { 'src/{{name}}_app.ts': 'app.ts', 'README.md': 'readme' }, { 'app.ts': "export const app = '{{name}}';", readme: '# {{name}}: {{greeting}}' });
  assert.deepEqual(planTemplate(t, { name: 'shop' }), [
    { path: 'src/shop_app.ts', content: "export const app = 'shop';" },
    { path: 'README.md', content: '# shop: hello' },
  ]);
});

test('includes render chosen files of another template into a subfolder', () => {
  const app = tpl('app', { 'src/{{name}}.ts': 'a', 'README.md': 'r' }, { a: '{{name}}', r: 'readme' });
  const umbrella = tpl('umbrella', { 'package.json': 'p' }, { p: '{"workspaces":["apps/*"]}' }, { include: [{ template: 'app', into: 'apps/{{name}}', files: ['src/{{name}}.ts'] }] });
  assert.deepEqual(planTemplate(umbrella, { name: 'store' }, { app }), [
    { path: 'package.json', content: '{"workspaces":["apps/*"]}' },
    { path: 'apps/store/src/store.ts', content: 'store' },
  ]);
});

test('template bugs are named: undeclared or missing variables, missing sources and includes', () => {
  badTemplate(() => planTemplate(tpl('t', { x: 's' }, { s: '{{nmae}}' }), { name: 'a' }), "template 't' s uses {{nmae}}, which its manifest does not declare");
  badTemplate(() => planTemplate(tpl('t', {}, {}), {}), "template 't' needs the variable 'name' (the name)");
  badTemplate(() => planTemplate(tpl('t', { x: 'gone' }, {}), { name: 'a' }), "template 't' maps x to gone, which is not in the template");
  badTemplate(() => planTemplate(tpl('t', {}, {}, { include: [{ template: 'app', into: 'a', files: [] }] }), { name: 'a' }), "template 't' includes 'app', which was not loaded");
  badTemplate(() => planTemplate(tpl('t', {}, {}, { include: [{ template: 'o', into: 'a', files: ['nope'] }] }), { name: 'a' }, { o: tpl('o', {}, {}) }), "template 'o' has no file nope to include");
});

const appFiles = [
  '.gitignore',
  'README.md',
  'config/node.args',
  'config/sys.config.json',
  'otp.config.ts',
  'package.json',
  'src/shop_app.ts',
  'src/shop_server.ts',
  'src/shop_sup.ts',
  'test/shop.suite.ts',
  'test/shop_server.property.test.ts',
  'test/shop_server.test.ts',
  'tsconfig.json',
];

test('the app template: every file of issue 5, the name substituted everywhere, versions of this repository', () => {
  const files = planProject('app', 'shop');
  assert.deepEqual(files.map((f) => f.path).sort(), appFiles);
  for (const f of files) assert.doesNotMatch(f.content, /\{\{/, f.path);
  const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.content);
  const { otpVersion, runtimeVersion, testRunnerVersion } = packageVersions();
  assert.equal(pkg.name, 'shop');
  assert.deepEqual(pkg.otp, { mod: 'src/shop_app.ts', applications: [], registered: ['shop_sup', 'shop_server'], env: { initialCounts: {} } });
  assert.equal(pkg.dependencies['@otp-ts/runtime'], runtimeVersion);
  assert.equal(pkg.devDependencies['@otp-ts/cli'], otpVersion);
  assert.equal(pkg.devDependencies['@otp-ts/test-runner'], testRunnerVersion);
  const server = files.find((f) => f.path === 'src/shop_server.ts')!.content;
  assert.match(server, /codeChange/);
  assert.match(files.find((f) => f.path === 'test/shop_server.test.ts')!.content, /export const \w+Test = /);
  assert.match(files.find((f) => f.path === 'test/shop_server.property.test.ts')!.content, /export const prop\w+ = /);
  assert.match(files.find((f) => f.path === 'test/shop.suite.ts')!.content, /export const all = [\s\S]*export async function initPerSuite/);
});

test('the lib template has no mod and no supervisor; the umbrella puts the app under apps/NAME', () => {
  const lib = planProject('lib', 'backoff');
  assert.equal(JSON.parse(lib.find((f) => f.path === 'package.json')!.content).otp.mod, undefined);
  assert.ok(!lib.some((f) => /_sup|_app/.test(f.path)));
  assert.ok(lib.some((f) => f.path === 'test/backoff.test.ts') && lib.some((f) => f.path === 'test/backoff.property.test.ts'));
  const umbrella = planProject('umbrella', 'store');
  const paths = umbrella.map((f) => f.path);
  for (const p of ['package.json', 'otp.config.ts', 'apps/store/package.json', 'apps/store/src/store_app.ts', 'apps/store/src/store_sup.ts', 'apps/store/src/store_server.ts']) assert.ok(paths.includes(p), p);
  assert.deepEqual(JSON.parse(umbrella.find((f) => f.path === 'package.json')!.content).workspaces, ['apps/*']);
  assert.match(umbrella.find((f) => f.path === 'otp.config.ts')!.content, /'store': \{ version: '0\.1\.0', applications: \['store'\] \}/);
});

test('every template reads, and every variable it uses is declared', () => {
  for (const name of templateNames) {
    const all = readTemplates(name);
    assert.ok(all[name]!.manifest.description.length > 0);
    for (const f of planProject(name, 'probe')) assert.doesNotMatch(f.content + f.path, /\{\{/, `${name}: ${f.path}`);
  }
});

test('planProject validates the name before anything else', () => {
  assert.throws(() => planProject('app', 'Bad'), (e: unknown) => e instanceof OtpError && e.code === 'badName');
});

test("every template's tests use the runner's assertions (with diffs), which its package.json depends on", () => {
  for (const template of ['app', 'lib', 'umbrella'] as const) {
    const files = planProject(template, 'shop');
    const pkg = JSON.parse(files.find((f) => f.path === 'package.json')!.content) as { devDependencies: Record<string, string> };
    assert.equal(pkg.devDependencies['@otp-ts/test-runner'], packageVersions().testRunnerVersion, template);
    const tests = files.filter((f) => /\.(test|suite)\.ts$/.test(f.path));
    assert.ok(tests.length > 0, template);
    for (const f of tests) assert.doesNotMatch(f.content, /node:assert/, `${template} ${f.path}`);
    assert.ok(tests.some((f) => f.content.includes("from '@otp-ts/test-runner/assert'")), template);
  }
});
