import { isolatePayload } from '../isolation.js';
import { CallMessage, CastMessage, ReplyMessage, SystemMessage } from '../gen/messages.js';
import type { Ref } from '../pid.js';

// The tags of sys requests delivered while isolation is on: their replies may carry a process's own state
// (getState, and suspend with the state during an upgrade), which OTP copies and the process keeps
// changing, so they are not frozen (gen/sys-handler.ts also wraps some of them in SysState).
const systemTags = new WeakSet<Ref>();

// Message isolation freezes what calls, casts and replies carry for the user, not the wrappers.
isolatePayload(CallMessage, (m) => m.request);
isolatePayload(CastMessage, (m) => m.request);
isolatePayload(ReplyMessage, (m) => (systemTags.has(m.tag) ? undefined : m.value));
isolatePayload(SystemMessage, (m) => {
  systemTags.add(m.from.tag);
  return undefined;
});
