#!/usr/bin/env node
// The installed entry point: the CLI itself is built into dist/ by `npm run build`.
// `otp --version` alone answers from package.json without loading the CLI (every command and package):
// scripts and editors call it often, and it is the newcomer's first command.
import { readFileSync } from 'node:fs';

// A reader that closes the pipe (`otp trace NODE fn | head -3`) ends otp quietly, as SIGPIPE ends a Unix tool
// (exit 141), instead of a crash with an EPIPE stack; a trace's node sees this client go and ends the session.
// Output that cannot be written otherwise (a full disk, an I/O error: `otp trace NODE fn > trace.log`) is said in one
// sentence and ends otp with exit 1, the work failed; a trace's node ends the session when it sees this client go.
for (const [stream, name] of [[process.stdout, 'standard output'], [process.stderr, 'standard error']]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(141);
    if (stream !== process.stderr) {
      try {
        process.stderr.write(`otp: cannot write to ${name}: ${String(error.message).replace(/, \w+$/, '')}; free space on its disk (or give it write access), or send the output elsewhere\n`);
      } catch {
        // stderr is gone too: the exit code says it
      }
    }
    process.exit(1);
  });
}

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
// On a Node.js older than package.json's engines the CLI would fail to load (a built-in module it imports is
// missing) with a stack no newcomer can read: say which Node.js runs and which is needed, and exit 2 as for
// any environment otp cannot work in (the release start script does the same when it finds no Node.js).
const [needMajor, needMinor] = (/(\d+)\.(\d+)/.exec(pkg.engines.node) ?? []).slice(1).map(Number);
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < needMajor || (major === needMajor && minor < needMinor)) {
  process.stderr.write(`otp: Node.js ${process.versions.node} is too old: otp-ts needs Node.js ${needMajor}.${needMinor} or later; install a newer one (https://nodejs.org, or nvm install 22) and run otp again\n`);
  process.exit(2);
}

if (process.argv.length === 3 && process.argv[2] === '--version') {
  process.stdout.write(`${pkg.version}\n`);
} else {
  const { main } = await import('../dist/index.js');
  process.exitCode = await main(process.argv.slice(2));
}
