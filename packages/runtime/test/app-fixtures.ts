// Fixtures shared by the translations of OTP's application_SUITE (otp-suite2-application, otp-suite3-application).
import { application, genServer, ok, noreply, type GenServer, type OtpNode, type ProcessContext, type Supervisor } from '@otp-ts/runtime';

/** A gen_server that traps exits and otherwise does nothing: what an application's supervisor runs. */
export const worker: GenServer<null, never, never, never, string> = {
  name: 'worker',
  init: (_name, ctx) => {
    ctx.trapExit(true);
    return ok(null);
  },
  handleInfo: (_m, s) => noreply(s),
};

/** A top supervisor over one `worker` registered as `workerName`, which logs `<workerName> down` when it terminates. */
export const topOf = (workerName: string, log?: string[]): Supervisor<void> => ({
  name: 'top_sup',
  init: () => ({
    flags: { strategy: 'oneForOne', intensity: 0, period: 3600 },
    children: [{ id: 'w', start: (ctx) => genServer.startLink(ctx, { ...worker, terminate: () => void log?.push(`${workerName} down`) }, workerName, { name: workerName }) }],
  }),
});

/** What a test's onNodeStop sends it. */
export type NodeStop = { nodeStop: unknown };
/** Whether `m` is what a test's onNodeStop sent it. */
export const isNodeStop = (m: unknown): m is NodeStop => typeof m === 'object' && m !== null && 'nodeStop' in m;

/** Starts the application controller so that a node stop it decides comes to the calling process as a NodeStop instead. */
export async function startControllerReporting(node: OtpNode, ctx: ProcessContext): Promise<void> {
  const me = ctx.self();
  await application.startController(ctx, { onNodeStop: (reason) => node.send(me, { nodeStop: reason }) });
}
