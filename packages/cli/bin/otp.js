#!/usr/bin/env node
// The installed entry point: the CLI itself is built into dist/ by `npm run build`.
// `otp --version` alone answers from package.json without loading the CLI (every command and package):
// scripts and editors call it often, and it is the newcomer's first command.
import { readFileSync } from 'node:fs';

// A reader that closes the pipe (`otp trace NODE fn | head -3`) ends otp quietly, as SIGPIPE ends a Unix tool
// (exit 141), instead of a crash with an EPIPE stack; a trace's node sees this client go and ends the session.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(141);
  });
}

if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/index.js');
  process.exitCode = await main(process.argv.slice(2));
}
