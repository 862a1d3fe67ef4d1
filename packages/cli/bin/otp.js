#!/usr/bin/env node
// The installed entry point: the CLI itself is built into dist/ by `npm run build`.
import { main } from '../dist/index.js';

process.exitCode = await main(process.argv.slice(2));
