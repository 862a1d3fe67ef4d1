export { start } from './peer.js';
export type { Peer, PeerOptions } from './peer.js';
