// The start script's program (bin/<name>.mjs): boots the release or talks to its running node.
export {};
