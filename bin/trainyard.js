#!/usr/bin/env node
// The installed entry point runs the compiled CLI; `npm install` in a checkout builds it (prepare).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('trainyard: the CLI is not built yet; run `npm run build` in the Trainyard folder first.');
  process.exit(1);
}
await import(main.href);
