// The pg workloads on otp-ts. Usage: node otp.mjs WORKLOAD [REPS]  (prints one JSON line)
import { createNode, pg, loggerOf } from '@otp-ts/runtime';
import { repeat } from '../runtime/repeat.mjs';

const now = () => performance.now();
const result = (ops, ms, extra = {}) => ({ ops, us: Math.round(ms * 1000), rate: ops / (ms / 1000), ...extra });
const idle = async (ctx) => {
  for (;;) await ctx.receive();
};

function onNode(fn) {
  return async () => {
    const node = createNode();
    loggerOf(node).setLevel('emergency');
    try {
      return await node.run(async (ctx) => {
        await pg.start(ctx);
        return fn(ctx);
      });
    } finally {
      node.shutdown();
    }
  };
}

// 10,000 processes each join 10 of 100 groups, one join call at a time (each call monitors a new member once).
const join = onNode(async (ctx) => {
  const procs = Array.from({ length: 10_000 }, () => ctx.spawn(idle));
  const t0 = now();
  for (let g = 0; g < 10; g++) for (let i = 0; i < procs.length; i++) await pg.join(ctx, `group${(i + g) % 100}`, procs[i]);
  return result(procs.length * 10, now() - t0);
});

// 1,000,000 reads of a 100-member group, the group changing (one join and one leave) every 1,000 reads.
const getMembers = onNode(async (ctx) => {
  const procs = Array.from({ length: 100 }, () => ctx.spawn(idle));
  await pg.join(ctx, 'readers', procs);
  const extra = ctx.spawn(idle);
  const n = 1_000_000;
  let seen = 0;
  const t0 = now();
  for (let i = 0; i < n; i++) {
    seen += pg.getMembers(ctx, 'readers').length;
    if (i % 1000 === 999) {
      await pg.join(ctx, 'readers', extra);
      await pg.leave(ctx, 'readers', extra);
    }
  }
  return result(n, now() - t0, { seen });
});

const workloads = { join, get_members: getMembers };
const workload = process.argv[2];
if (!workloads[workload]) {
  console.error(`unknown workload '${workload}': one of ${Object.keys(workloads).join(', ')}`);
  process.exit(2);
}
console.log(JSON.stringify(await repeat(workloads[workload], Number(process.argv[3] ?? 3))));
