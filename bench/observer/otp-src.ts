// `otp` from the repository's sources (the page bundled in memory), so the bench does not depend on a
// dist/ that a concurrent build may be rewriting. Usage: node --import ./scripts/register-ts.mjs bench/observer/otp-src.ts ARGS..
import { main } from '../../packages/cli/src/main.ts';

process.exitCode = await main(process.argv.slice(2));
