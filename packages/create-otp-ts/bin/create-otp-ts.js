#!/usr/bin/env node
// `npm create otp-ts@latest <name>` runs this: the initializer, otp new's scaffold inlined, is built into dist/create.js by `npm run build`.
import { readFileSync } from 'node:fs';

// On a Node.js older than package.json's engines the initializer would fail to load with a stack: say which
// Node.js runs and which is needed (exit 2, as otp does), before loading it.
const { engines } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const [needMajor, needMinor] = (/(\d+)\.(\d+)/.exec(engines.node) ?? []).slice(1).map(Number);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(`create-otp-ts: Node.js ${process.versions.node} is too old: otp-ts needs Node.js ${needMajor}.${needMinor} or later; install a newer one (https://nodejs.org, or nvm install 22) and run npm create otp-ts again\n`);
  process.exit(2);
}
const { create } = await import('../dist/create.js');
process.exitCode = await create(process.argv.slice(2));
