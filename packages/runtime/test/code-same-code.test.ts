import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { withNode, codeServerFor } from './helpers.ts';

// What a release install compares to leave a module alone (sameCode): the compiled code, its source map line aside, and
// the packages it binds, which a module's copy in another application folder resolves from that folder.
const here = import.meta.dirname;

test('sameCode: same code is the same whatever its source map line; a package-requiring module in another folder is not', async () => {
  await withNode(async (node) => {
    const code = codeServerFor(node);
    const plain = 'exports.f = () => 1;';
    await code.load({ name: 'app/plain', code: `${plain}\n//# sourceMappingURL=plain.js.map`, filename: join(here, 'a', 'plain.js') });
    assert.equal(code.sameCode({ name: 'app/plain', code: `${plain}\n//# sourceMappingURL=other.js.map`, filename: join(here, 'b', 'plain.js') }), true);
    assert.equal(code.sameCode({ name: 'app/plain', code: 'exports.f = () => 2;', filename: join(here, 'a', 'plain.js') }), false);
    const pkg = 'const e = require("esbuild"); exports.v = () => e.version;';
    await code.load({ name: 'app/pkg', code: pkg, filename: join(here, 'a', 'pkg.js') });
    assert.equal(code.sameCode({ name: 'app/pkg', code: pkg, filename: join(here, 'a', 'pkg.js') }), true, 'same folder, same packages');
    assert.equal(code.sameCode({ name: 'app/pkg', code: pkg, filename: join(here, 'b', 'pkg.js') }), false, 'another folder binds its own packages');
    assert.equal(code.sameCode({ name: 'app/none', code: plain }), false, 'a module not loaded');
  });
});
