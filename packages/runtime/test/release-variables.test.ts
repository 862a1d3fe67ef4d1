// The `${VAR}` a version's files use, which `bin/<name> upgrade` sends the node from its own shell.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseNodeArgs, readVersion, variablesOf, versionVariables, substituteEnv } from '@otp-ts/runtime/tools';

test('variablesOf finds the variables in parsed values, each required unless every use has a default', () => {
  const found = variablesOf({ shop: { db: 'postgres://${DB_HOST}/${DB_NAME:-shop}', ports: ['${PORT:-80}', '${PORT}'], n: 3, key: '${DB_NAME:-x}' } });
  assert.deepEqual(Object.fromEntries(found), { DB_HOST: true, DB_NAME: false, PORT: true });
});

test('versionVariables names the file each variable comes from, and reads node.args words without comments', async () => {
  const root = mkdtempSync(join(tmpdir(), 'vars-'));
  try {
    mkdirSync(join(root, 'releases', '0.2.0'), { recursive: true });
    writeFileSync(join(root, 'releases', '0.2.0', 'sys.config.json'), '{ "shop": { "db": "${SHOP_DB}", "pool": "${POOL:-4}" } }');
    writeFileSync(join(root, 'releases', '0.2.0', 'node.args'), '# --name ${NOT_USED}\n--name shop@127.0.0.1\n--setcookie ${COOKIE}\n');
    assert.deepEqual(await versionVariables(root, '0.2.0'), [
      { name: 'SHOP_DB', file: join('releases', '0.2.0', 'sys.config.json'), required: true },
      { name: 'POOL', file: join('releases', '0.2.0', 'sys.config.json'), required: false },
      { name: 'COOKIE', file: join('releases', '0.2.0', 'node.args'), required: true, line: 3 },
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a value with quotes and braces substitutes into the parsed value, never breaking the JSON', () => {
  assert.deepEqual(substituteEnv({ a: { greeting: '${G}' } }, { G: 'say "hi" } to {all}' }, 'sys.config.json'), { a: { greeting: 'say "hi" } to {all}' } });
});

test('a hand-edited sys.config.json that is not JSON is refused naming the file, the line and column, and the fix', async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-sysconfig-'));
  try {
    mkdirSync(join(root, 'releases', '0.1.0'), { recursive: true });
    writeFileSync(join(root, 'releases', '0.1.0', 'release.json'), JSON.stringify({ name: 'shop', vsn: '0.1.0', applications: [] }));
    writeFileSync(join(root, 'releases', '0.1.0', 'sys.config.json'), '{\n  "shop": { "port": 80 }\n  "web": {}\n}\n');
    await assert.rejects(readVersion(root, '0.1.0', {}), /releases\/0\.1\.0\/sys\.config\.json is not valid JSON at line 3, column 3 \(.*\): fix it there \(an operator's edit: a missing comma or brace\) or rebuild the release with otp release$/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a sys.config.json an operator saved with a byte-order mark and CRLF line ends is read as its JSON', async () => {
  const root = mkdtempSync(join(tmpdir(), 'otp-sysconfig-bom-'));
  try {
    mkdirSync(join(root, 'releases', '0.1.0'), { recursive: true });
    writeFileSync(join(root, 'releases', '0.1.0', 'release.json'), JSON.stringify({ name: 'shop', vsn: '0.1.0', applications: [] }));
    writeFileSync(join(root, 'releases', '0.1.0', 'sys.config.json'), '\uFEFF{\r\n  "shop": { "port": 80 }\r\n}\r\n');
    assert.deepEqual((await readVersion(root, '0.1.0', {})).sysConfig, { shop: { port: 80 } });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('a ${VAR} of node.args that is unset or empty is refused naming file:line and the variable', () => {
  const text = '# the node\n--name shop@127.0.0.1\n\n--setcookie ${SHOP_COOKIE}\n';
  assert.throws(() => parseNodeArgs(text, {}, 'releases/0.1.0/node.args'), { message: 'releases/0.1.0/node.args:4: ${SHOP_COOKIE} is not set: export SHOP_COOKIE, or write ${SHOP_COOKIE:-default}' });
  assert.throws(() => parseNodeArgs(text, { SHOP_COOKIE: '' }, 'releases/0.1.0/node.args'), { message: 'releases/0.1.0/node.args:4: ${SHOP_COOKIE} is set but empty: give SHOP_COOKIE a value, or write ${SHOP_COOKIE:-default}' });
  assert.equal(parseNodeArgs(text, { SHOP_COOKIE: 'c' }, 'releases/0.1.0/node.args').cookie, 'c');
});
