import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { commandsMarkdown, providers, globalOptions } from '@otp-ts/cli';

test("docs/cli.md's command reference is the one generated from the option tables", () => {
  const doc = readFileSync(new URL('../../../docs/cli.md', import.meta.url), 'utf8');
  const section = /<!-- commands:start -->\n([\s\S]*)<!-- commands:end -->/.exec(doc);
  assert.ok(section, 'docs/cli.md has the commands:start/end markers');
  assert.equal(section[1], commandsMarkdown(providers, globalOptions), 'regenerate the section from commandsMarkdown(providers, globalOptions)');
});

test('every provider declares a description, an example and described options', () => {
  for (const p of providers) {
    assert.ok(p.description.endsWith('.'), p.name);
    assert.ok(p.examples.length > 0 && p.examples.every((e) => e.command.startsWith(`otp ${p.name}`)), p.name);
    for (const o of [...p.options, ...p.positionals]) assert.ok(o.description.length > 0, `${p.name} ${o.name}`);
  }
});
