// Lets Node.js run the repository's TypeScript directly (tests, benches): `node --import ./scripts/register-ts.mjs`.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
