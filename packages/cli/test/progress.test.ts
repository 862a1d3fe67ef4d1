import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createProgress } from '@otp-ts/cli';
import { captureIo } from './helpers.ts';

test('off a terminal (CI), progress is plain lines: the title, one line per step, the summary', () => {
  const io = captureIo();
  const p = createProgress(io, 'compiling');
  p.step('src/a.ts');
  p.step('src/b.ts');
  p.done('compiled 2 modules');
  assert.equal(io.out(), 'compiling\n  src/a.ts\n  src/b.ts\ncompiled 2 modules\n');
});

test('on a terminal, progress rewrites one live line and leaves only the summary', () => {
  const io = captureIo();
  io.stdout.isTTY = true;
  const p = createProgress(io, 'compiling');
  p.step('src/a.ts');
  p.done('compiled 1 module');
  assert.equal(io.out(), '\r\x1b[K⠙ compiling: src/a.ts\r\x1b[Kcompiled 1 module\n');
});

test('--quiet shows nothing; --verbose on a terminal keeps every step', () => {
  const quiet = captureIo({ verbosity: 'quiet' });
  const p = createProgress(quiet, 'x');
  p.step('a');
  p.done('done');
  assert.equal(quiet.out(), '');
  const verbose = captureIo({ verbosity: 'verbose' });
  verbose.stdout.isTTY = true;
  const v = createProgress(verbose, 'x');
  v.step('a');
  v.done('done');
  assert.equal(verbose.out(), 'x\n  a\ndone\n');
});

test('stop before any step writes nothing', () => {
  const io = captureIo();
  io.stdout.isTTY = true;
  createProgress(io, 'x').stop();
  assert.equal(io.out(), '');
});
