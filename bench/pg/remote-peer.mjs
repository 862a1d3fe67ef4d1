// The pg cross-node workloads' otp-ts peer node: a pg scope and a watcher, `pg_watch`, that counts the joins
// of the scope as seen on this node and tells the measuring node. Usage: node remote-peer.mjs NAME COOKIE
import { createNode, loggerOf, pg } from '@otp-ts/runtime';

const [name, cookie] = process.argv.slice(2);
const node = createNode();
loggerOf(node).setLevel('emergency');
await node.startDistribution({ name, cookie, log: () => {} });
await node.run((ctx) => pg.start(ctx));
// { want, each, replyTo }: subscribes to the scope, answers { subscribed }, then (with `each`) the running count
// after each join it sees, and { seen } once it has seen `want` joins.
node.spawn(
  async (ctx) => {
    for (;;) {
      const req = await ctx.receive();
      const { ref } = await pg.monitorScope(ctx);
      ctx.send(req.replyTo, { subscribed: true });
      let seen = 0;
      while (seen < req.want) {
        const u = await ctx.receive((m) => pg.isUpdate(m) && m.ref === ref);
        if (u.kind !== 'join') continue;
        seen += u.pids.length;
        if (req.each) ctx.send(req.replyTo, { ack: seen });
      }
      await pg.demonitor(ctx, ref);
      ctx.send(req.replyTo, { seen });
    }
  },
  { name: 'pg_watch' },
);
process.stdout.write('ready\n');
