import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstallReport } from '@otp-ts/runtime/tools';
import { formatReport } from '../../src/control/report.ts';

const report = (killed: InstallReport['killed']): InstallReport => ({
  from: '0.2.0',
  to: '0.3.0',
  direction: 'up',
  modules: { changed: ['shop/worker'], added: [], removed: [] },
  apps: { added: [], removed: [], changed: ['shop'] },
  processes: 1,
  suspendedMs: 1.5,
  killed,
  children: { started: [], stopped: [] },
  ms: 40,
});

test("upgrade's report names the processes the install killed for still running a purged version: how many, each pid and module", () => {
  const text = formatReport(report([{ pid: '<0.41.0>', module: 'shop/worker' }]), 50);
  assert.match(text, /^ {2}processes killed \(still running purged code\): 1: <0\.41\.0> \(shop\/worker\)$/m);
  assert.doesNotMatch(formatReport(report([]), 50), /killed/, 'an install that killed nothing says nothing of it');
});

test("upgrade's report names each process left on the old code for running callbacks a module made at run time, with the fix", () => {
  const text = formatReport({ ...report([]), stranded: [{ pid: '<0.84.0>', module: 'shop/pool' }] }, 50);
  assert.match(text, /^ {2}<0\.84\.0> runs callbacks made at run time by shop\/pool \(not an export\): it stays on the old code, and the next upgrade of shop\/pool kills it; export the callback object or a class$/m);
  assert.doesNotMatch(formatReport(report([]), 50), /old code/, 'an install that left nothing behind says nothing of it');
});

test("upgrade's report names a supervisor made inline as keeping its old child specs (not as killed by the next upgrade), with the fix", () => {
  const text = formatReport({ ...report([]), stranded: [{ pid: '<0.80.0>', module: 'shop/app', kind: 'supervisor' }] }, 50);
  assert.match(text, /^ {2}supervisor <0\.80\.0> was started with callbacks shop\/app made at run time \(not an export\): it keeps its old child specs, the new version's never apply; export its callbacks object/m);
  assert.doesNotMatch(text, /kills it/);
});

test("upgrade's report names a gen_event manager running a handler made at run time as losing that handler to the next upgrade, not as killed", () => {
  const text = formatReport({ ...report([]), stranded: [{ pid: '<0.90.0>', module: 'shop/audit', kind: 'handler' }] }, 50);
  assert.match(text, /^ {2}gen_event manager <0\.90\.0> runs a handler made at run time by shop\/audit \(not an export\): the handler stays on the old code, and the next upgrade of shop\/audit removes it \(the manager lives\)/m);
  assert.doesNotMatch(text, /kills it/);
});

test("downgrade's report says a process left behind stays on the code of the version the downgrade left, not on 'the old code'", () => {
  const down: InstallReport = { ...report([]), from: '0.3.0', to: '0.2.0', direction: 'down' };
  const text = formatReport({ ...down, stranded: [{ pid: '<0.84.0>', module: 'shop/pool' }, { pid: '<0.80.0>', module: 'shop/app', kind: 'supervisor' }] }, 50);
  assert.match(text, /^ {2}<0\.84\.0> runs callbacks made at run time by shop\/pool \(not an export\): it stays on the code of 0\.3\.0, which this downgrade left, and the next upgrade or downgrade of shop\/pool kills it/m);
  assert.match(text, /^ {2}supervisor <0\.80\.0> .*: it keeps the child specs of 0\.3\.0, those of 0\.2\.0 never apply/m);
  assert.doesNotMatch(text, /old code|old child specs|new version/);
});

test("upgrade's report says how much of its time was the health probe's deliberate watch and how to change it, and nothing of it with --probe-ms 0", () => {
  assert.match(formatReport(report([]), 2034).split('\n')[0]!, /^upgraded 0\.2\.0 → 0\.3\.0 in 40 ms \(2034 ms with the connection, 2000 ms of it the health probe's watch \(--probe-ms MS sets it\)\); 0\.3\.0 is permanent$/);
  assert.match(formatReport(report([]), 60, 500).split('\n')[0]!, /, 500 ms of it the health probe's watch/);
  assert.doesNotMatch(formatReport(report([]), 60, 0), /health probe/);
});
