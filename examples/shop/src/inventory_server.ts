import { application, genServer, ok, reply, type GenServer, type ProcessContext } from '@otp-ts/runtime';

/** Requests the inventory answers. */
export type InventoryCall = { op: 'stock'; item: string } | { op: 'take'; item: string; n: number } | { op: 'crash' };

/** Stock per item; `take` refuses to go below zero. */
export const inventoryServer: GenServer<Map<string, number>, InventoryCall, never, number | 'outOfStock', void> = {
  name: 'inventory_server',
  init: (_args, ctx) => ok(new Map(Object.entries(application.getEnv<Record<string, number>>(ctx, 'shop', 'initialStock', {})!))),
  handleCall(req, _from, stock) {
    switch (req.op) {
      case 'stock':
        return reply(stock.get(req.item) ?? 0, stock);
      case 'take': {
        const left = (stock.get(req.item) ?? 0) - req.n;
        if (left < 0) return reply('outOfStock' as const, stock);
        return reply(left, new Map(stock).set(req.item, left));
      }
      case 'crash':
        throw new Error('inventory crashed on request');
    }
  },
  codeChange: (_old, stock) => stock,
};

/** Starts the inventory, registered as 'inventory'. */
export const startInventory = (ctx: ProcessContext) => genServer.startLink(ctx, inventoryServer, undefined, { name: 'inventory' });
