import { supervisor, type ApplicationModule } from '@otp-ts/runtime';
import { shopSup } from './shop_sup.ts';

/** The shop application: starts shop_sup. */
const shopApp: ApplicationModule = {
  start: (_type, _args, ctx) => supervisor.startLink(ctx, shopSup, undefined, { name: 'shop_sup' }),
};

export default shopApp;
