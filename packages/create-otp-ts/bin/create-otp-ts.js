#!/usr/bin/env node
// `npm create otp-ts@latest <name>` runs this: the initializer is built into dist/ by `npm run build`.
import { create } from '../dist/index.js';

process.exitCode = await create(process.argv.slice(2));
