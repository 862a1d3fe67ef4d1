import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StateCopier } from '../src/state-copy.ts';

// One copier serves every state of an upgrade (reset between states): each copy keeps the sharing and the cycles
// of its own state, whatever their number of objects, and shares nothing with the original or with another copy.

// A graph of plain objects and arrays: `links[i]` are the nodes node i points to (cycles and sharing included).
const graphs = fc.integer({ min: 1, max: 30 }).chain((n) =>
  fc.record({
    arrays: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
    links: fc.array(fc.array(fc.nat(n - 1), { maxLength: 4 }), { minLength: n, maxLength: n }),
    leaves: fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null)), { minLength: n, maxLength: n }),
  }),
);

function build(g: { arrays: boolean[]; links: number[][]; leaves: unknown[] }): object[] {
  const nodes: Array<Record<string, unknown> | unknown[]> = g.arrays.map((isArray) => (isArray ? [] : {}));
  nodes.forEach((node, i) => {
    const values = [g.leaves[i], ...g.links[i]!.map((j) => nodes[j])];
    values.forEach((v, k) => {
      if (Array.isArray(node)) node.push(v);
      else node[`k${k}`] = v;
    });
  });
  return nodes;
}

// Walks the original and its copy side by side: the copy maps each original node to one copy node, never to an
// original one, and the same shape throughout.
function sameShape(original: unknown, copy: unknown, seen: Map<object, unknown>, originals: Set<object>): void {
  if (original === null || typeof original !== 'object') return assert.equal(copy, original);
  assert.ok(!originals.has(copy as object), 'a copy never holds an original object');
  if (seen.has(original)) return assert.equal(copy, seen.get(original), 'shared and cyclic references stay shared in the copy');
  seen.set(original, copy);
  assert.equal(Array.isArray(copy), Array.isArray(original));
  assert.deepEqual(Reflect.ownKeys(copy as object), Reflect.ownKeys(original));
  for (const key of Reflect.ownKeys(original)) {
    if (key !== 'length') sameShape((original as Record<string | symbol, unknown>)[key], (copy as Record<string | symbol, unknown>)[key], seen, originals);
  }
}

test('one copier reset between states copies each with its sharing and cycles, sharing nothing across states', () => {
  fc.assert(
    fc.property(graphs, fc.integer({ min: 1, max: 4 }), (g, roots) => {
      // The states are nodes of one graph: they share objects, which their copies must not.
      const nodes = build(g);
      const states = nodes.slice(0, roots);
      const originals = new Set<object>(nodes);
      const copier = new StateCopier();
      const copies = states.map((state) => {
        copier.reset();
        return copier.copy(state, 'state');
      });
      const everyCopyNode = new Set<unknown>();
      states.forEach((state, i) => {
        const seen = new Map<object, unknown>();
        sameShape(state, copies[i], seen, originals);
        for (const c of seen.values()) {
          assert.ok(!everyCopyNode.has(c), 'two states never share a copied object');
          everyCopyNode.add(c);
        }
      });
    }),
  );
});
