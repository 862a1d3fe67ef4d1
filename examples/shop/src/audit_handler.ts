import { genEvent, type GenEventHandler, type ProcessContext } from '@otp-ts/runtime';

/** What the shop announces. */
export type ShopEvent = { type: 'added'; item: string; n: number } | { type: 'order'; state: string };

/** Keeps the shop's events, newest last; `count` tells how many it saw. */
export const auditHandler: GenEventHandler<ShopEvent[], ShopEvent, 'count' | 'log', number | ShopEvent[]> = {
  name: 'audit_handler',
  init: () => genEvent.ok([]),
  handleEvent: (event, log) => genEvent.ok([...log, event]),
  handleCall: (req, log) => genEvent.reply(req === 'count' ? log.length : log, log),
};

/** Starts the shop's event manager, registered as 'shop_events', with the audit handler installed. */
export async function startEvents(ctx: ProcessContext) {
  const pid = await genEvent.startLink<ShopEvent>(ctx, { name: 'shop_events' });
  await genEvent.addHandler(ctx, pid, auditHandler, undefined);
  return pid;
}
