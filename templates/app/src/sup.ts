import { supervisor, type Supervisor } from '@otp-ts/runtime';
import { startLink } from './{{name}}_server.ts';

/** The top supervisor: restarts a crashed child alone, up to 5 times in 10 seconds. */
export const sup: Supervisor<void> = {
  name: '{{name}}_sup',
  init: () => ({
    flags: { strategy: 'oneForOne', intensity: 5, period: 10 },
    children: [supervisor.worker('{{name}}_server', startLink)],
  }),
};
