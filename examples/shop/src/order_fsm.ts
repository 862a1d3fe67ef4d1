import { genEvent, genStatem, type From, type GenStatem, type ProcessContext } from '@otp-ts/runtime';
import type { ShopEvent } from './audit_handler.ts';

/** An order's life: open, paid, shipped. */
export type OrderState = 'open' | 'paid' | 'shipped';
/** What the order machine is asked. */
export type OrderCall = 'pay' | 'ship' | 'status' | 'crash';

const announce = (ctx: ProcessContext, state: OrderState) => genEvent.notify<ShopEvent>(ctx, 'shop_events', { type: 'order', state });

/** The order state machine: `pay` then `ship`; anything out of order is refused, not fatal. */
export const orderFsm: GenStatem<OrderState, { id: number }, OrderCall, never, string, void> = {
  name: 'order_fsm',
  callbackMode: 'stateFunctions',
  init: () => genStatem.ok('open', { id: 1 }),
  states: {
    open(event, data, ctx) {
      if (event.type !== 'call') return genStatem.keepStateAndData();
      if (event.content === 'pay') {
        announce(ctx, 'paid');
        return genStatem.nextState('paid', data, [genStatem.reply(event.from, 'paid')]);
      }
      return common(event.content, event.from, 'open');
    },
    paid(event, data, ctx) {
      if (event.type !== 'call') return genStatem.keepStateAndData();
      if (event.content === 'ship') {
        announce(ctx, 'shipped');
        return genStatem.nextState('shipped', data, [genStatem.reply(event.from, 'shipped')]);
      }
      return common(event.content, event.from, 'paid');
    },
    shipped(event) {
      if (event.type !== 'call') return genStatem.keepStateAndData();
      return common(event.content, event.from, 'shipped');
    },
  },
};

function common(request: OrderCall, from: From<string>, state: OrderState): genStatem.Result<OrderState, { id: number }, string> {
  if (request === 'crash') throw new Error('order crashed on request');
  return genStatem.keepStateAndData([genStatem.reply(from, request === 'status' ? state : `cannot ${request} when ${state}`)]);
}

/** Starts the order machine, registered as 'order'. */
export const startOrder = (ctx: ProcessContext) => genStatem.startLink(ctx, orderFsm, undefined, { name: 'order' });
