import { isolatePayload } from '../isolation.js';
import { CallMessage, CastMessage, ReplyMessage } from '../gen/messages.js';

// Message isolation freezes what calls, casts and replies carry for the user, not the wrappers.
isolatePayload(CallMessage, (m) => m.request);
isolatePayload(CastMessage, (m) => m.request);
isolatePayload(ReplyMessage, (m) => m.value);
