#!/usr/bin/env node
// `npm create otp-ts@latest <name>` runs this: the initializer, otp new's scaffold inlined, is built into dist/create.js by `npm run build`.
import { create } from '../dist/create.js';

process.exitCode = await create(process.argv.slice(2));
