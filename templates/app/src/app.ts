import { supervisor, type ApplicationModule } from '@otp-ts/runtime';
import { sup } from './{{name}}_sup.ts';

/** The {{name}} application: starts {{name}}_sup, the top of its supervision tree. */
const app: ApplicationModule = {
  start: (_type, _args, ctx) => supervisor.startLink(ctx, sup, undefined, { name: '{{name}}_sup' }),
};

export default app;
