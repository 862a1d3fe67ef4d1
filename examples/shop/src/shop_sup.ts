import { supervisor, type Supervisor } from '@otp-ts/runtime';
import { startEvents } from './audit_handler.ts';
import { startInventory } from './inventory_server.ts';
import { startCart } from './cart_server.ts';
import { startOrder } from './order_fsm.ts';

/** The shop's top supervisor: the event manager first (the others announce to it), then the workers. */
export const shopSup: Supervisor<void> = {
  name: 'shop_sup',
  init: () => ({
    flags: { strategy: 'oneForOne', intensity: 5, period: 10 },
    children: [
      supervisor.worker('events', startEvents),
      supervisor.worker('inventory', startInventory),
      supervisor.worker('cart', startCart),
      supervisor.worker('order', startOrder),
    ],
  }),
};
