/** How the test's node starts a peer: the peer program's only argument, as JSON. */
export interface PeerBoot {
  /** `name@127.0.0.1`. */
  readonly name: string;
  readonly cookie: string;
  /** The port mapper's port: the one the starting node registered with (its epmdPort, else OTP_EPMD_PORT, ERL_EPMD_PORT, 4369). */
  readonly epmdPort?: number;
  readonly tickTime: number;
  /** The test's node: the peer connects to it before it reports ready. */
  readonly parent: string;
  /** Compiled modules to import; a default export that is a function gets the peer's node. */
  readonly modules: readonly string[];
}

/** A command from the test's node to a peer, over the child process's IPC channel (independent of distribution, so it works across a partition). */
export type PeerCommand =
  | { readonly id: number; readonly op: 'block' | 'unblock' | 'ping'; readonly node: string }
  | { readonly id: number; readonly op: 'nodes' };

/** A peer's answers: ready once, then one reply per command. */
export type PeerReply =
  | { readonly ready: true }
  | { readonly ready: false; readonly error: string }
  | { readonly id: number; readonly value: unknown };
