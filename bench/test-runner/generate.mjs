// Writes the same test suite three times: for `otp test`, node:test and vitest. 200 files × 10 small tests,
// plus 50 files of 4 process-heavy tests each (a ring of 200 processes passing a token 10 times round).
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const SMALL_FILES = 200;
export const SMALL_TESTS = 10;
export const PROC_FILES = 50;
export const PROC_TESTS = 4;

const smallBody = (i, t) => `const xs = Array.from({ length: ${10 + t} }, (_, k) => k * ${i + 1});
  const sum = xs.reduce((a, b) => a + b, 0);
  eq(sum, ${((10 + t) * (9 + t)) / 2} * ${i + 1});
  eq({ n: xs.length, first: xs[0] }, { n: ${10 + t}, first: 0 });`;

// The ring: each process forwards the token to the next; the test waits for it to come back `laps` times.
const ring = `async function ring(ctx, size, laps) {
  const me = ctx.self();
  const pids = [];
  let next = me;
  for (let i = 0; i < size; i++) {
    const to = next;
    next = ctx.spawn(async (c) => { for (;;) { const m = await c.receive(); if (m === 'stop') return; c.send(to, m); } });
    pids.push(next);
  }
  for (let lap = 0; lap < laps; lap++) {
    ctx.send(next, lap);
    const back = await ctx.receive();
    if (back !== lap) throw new Error('lost the token');
  }
  for (const pid of pids) ctx.send(pid, 'stop');
}`;

const flavours = {
  otp: {
    ext: '.test.ts',
    small: (i) => `import { assertEqual as eq } from '@otp-ts/test-runner/assert';\n${Array.from({ length: SMALL_TESTS }, (_, t) => `\nexport function case${t}Test() {\n  ${smallBody(i, t)}\n}\n`).join('')}`,
    proc: () => `import type { ProcessContext } from '@otp-ts/runtime';\n${ring}\n${Array.from({ length: PROC_TESTS }, (_, t) => `\nexport async function ring${t}Test(ctx: ProcessContext) {\n  await ring(ctx, 200, 10);\n}\n`).join('')}`,
  },
  nodetest: {
    ext: '.test.mjs',
    small: (i) => `import { test } from 'node:test';\nimport { deepStrictEqual as eq } from 'node:assert/strict';\n${Array.from({ length: SMALL_TESTS }, (_, t) => `\ntest('case${t}', () => {\n  ${smallBody(i, t)}\n});\n`).join('')}`,
    proc: () => `import { test } from 'node:test';\nimport { createNode } from '@otp-ts/runtime';\n${ring}\n${Array.from({ length: PROC_TESTS }, (_, t) => `\ntest('ring${t}', async () => {\n  const node = createNode();\n  try { await node.run((ctx) => ring(ctx, 200, 10)); } finally { node.shutdown(); }\n});\n`).join('')}`,
  },
  vitest: {
    ext: '.test.ts',
    small: (i) => `import { test, expect } from 'vitest';\nconst eq = (a: unknown, b: unknown) => expect(a).toEqual(b);\n${Array.from({ length: SMALL_TESTS }, (_, t) => `\ntest('case${t}', () => {\n  ${smallBody(i, t)}\n});\n`).join('')}`,
    proc: () => `import { test } from 'vitest';\nimport { createNode } from '@otp-ts/runtime';\n${ring}\n${Array.from({ length: PROC_TESTS }, (_, t) => `\ntest('ring${t}', async () => {\n  const node = createNode();\n  try { await node.run((ctx) => ring(ctx, 200, 10)); } finally { node.shutdown(); }\n});\n`).join('')}`,
  },
};

/** Writes the three projects under `work`; returns their roots by flavour. */
export function generate(work, repoRoot) {
  rmSync(work, { recursive: true, force: true });
  const roots = {};
  for (const [name, f] of Object.entries(flavours)) {
    const root = join(work, name);
    mkdirSync(join(root, 'test', 'small'), { recursive: true });
    mkdirSync(join(root, 'test', 'proc'), { recursive: true });
    symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'), 'dir');
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: `bench-${name}`, version: '0.1.0', type: 'module', private: true, otp: {} }, null, 2));
    // vitest's cache stays inside the project (node_modules is the repository's, shared).
    if (name === 'vitest') writeFileSync(join(root, 'vitest.config.mjs'), "export default { cacheDir: '.vite-cache', test: { include: ['test/**/*.test.ts'] } };\n");
    for (let i = 0; i < SMALL_FILES; i++) writeFileSync(join(root, 'test', 'small', `s${i}${f.ext}`), f.small(i));
    for (let i = 0; i < PROC_FILES; i++) writeFileSync(join(root, 'test', 'proc', `p${i}${f.ext}`), f.proc(i));
    roots[name] = root;
  }
  return roots;
}
