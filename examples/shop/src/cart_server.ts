import { genEvent, genServer, ok, reply, type GenServer, type ProcessContext } from '@otp-ts/runtime';
import type { ShopEvent } from './audit_handler.ts';

/** Requests the cart answers. */
export type CartCall = { op: 'add'; item: string; n: number } | { op: 'list' } | { op: 'crash' };

/** The items in the cart; every accepted item is announced on the shop's event manager. */
export const cartServer: GenServer<Array<[string, number]>, CartCall, never, Array<[string, number]> | 'outOfStock', void> = {
  name: 'cart_server',
  init: () => ok([]),
  async handleCall(req, _from, items, ctx) {
    switch (req.op) {
      case 'add': {
        const left = await genServer.call(ctx, 'inventory', { op: 'take', item: req.item, n: req.n });
        if (left === 'outOfStock') return reply('outOfStock' as const, items);
        genEvent.notify<ShopEvent>(ctx, 'shop_events', { type: 'added', item: req.item, n: req.n });
        const next: Array<[string, number]> = [...items, [req.item, req.n]];
        return reply(next, next);
      }
      case 'list':
        return reply(items, items);
      case 'crash':
        throw new Error('cart crashed on request');
    }
  },
};

/** Starts the cart, registered as 'cart'. */
export const startCart = (ctx: ProcessContext) => genServer.startLink(ctx, cartServer, undefined, { name: 'cart' });
