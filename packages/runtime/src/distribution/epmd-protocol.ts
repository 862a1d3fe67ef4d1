// EPMD's wire protocol (erts/doc "Distribution Protocol", the EPMD part), as pure encoders and decoders.
// Every request is [Length:16][Code:8][body]; all integers are big-endian.
import { isIP } from 'node:net';

/** The longest node name a registration may carry, in bytes (epmd's MAXSYMLEN; a whole node name is at most as long). */
const MAX_NAME_BYTES = 255;

/** Request and response codes. */
export const EPMD = {
  ALIVE2_REQ: 120,
  ALIVE2_RESP: 121,
  ALIVE2_X_RESP: 118,
  PORT_PLEASE2_REQ: 122,
  PORT2_RESP: 119,
  NAMES_REQ: 110,
  KILL_REQ: 107,
} as const;

/** What a node tells the port mapper about itself. */
export interface NodeEntry {
  /** The node name without the host (`shop` for `shop@localhost`). */
  name: string;
  /** The TCP port its distribution listens on. */
  port: number;
  /** 77 for a normal node, 72 for a hidden one. */
  nodeType: number;
  /** 0: TCP/IPv4. */
  protocol: number;
  highestVersion: number;
  lowestVersion: number;
  extra: Buffer;
}

// An ALIVE2 `extra` saying where an otp-ts node listens: this prefix, then the address in text, nothing else. OTP
// nodes send `extra` empty and ignore it in PORT2_RESP; this prefix is no accident of another client.
const LISTEN_EXTRA = 'otp-ts-listen:';

/** The ALIVE2 `extra` an otp-ts node sends to say the address its distribution listens on (e.g. 127.0.0.2). */
export function encodeListenExtra(address: string): Buffer {
  return Buffer.from(`${LISTEN_EXTRA}${address}`, 'latin1');
}

/** The address an ALIVE2 `extra` says its node listens on; undefined for any other extra (empty, an OTP node's, garbage). */
export function listenAddressOf(extra: Buffer): string | undefined {
  if (extra.length > LISTEN_EXTRA.length + 45 || extra.length <= LISTEN_EXTRA.length) return undefined;
  const text = extra.toString('latin1');
  if (!text.startsWith(LISTEN_EXTRA)) return undefined;
  const address = text.slice(LISTEN_EXTRA.length);
  return isIP(address) === 0 ? undefined : address;
}

function frame(body: Buffer): Buffer {
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(body.length, 0);
  body.copy(out, 2);
  return out;
}

// A node's entry as ALIVE2_REQ and PORT2_RESP both lay it out: PortNo, NodeType, Protocol, versions, name, extra.
function encodeEntry(e: NodeEntry): Buffer {
  const name = Buffer.from(e.name, 'utf8');
  const out = Buffer.alloc(2 + 1 + 1 + 2 + 2 + 2 + name.length + 2 + e.extra.length);
  let o = out.writeUInt16BE(e.port, 0);
  o = out.writeUInt8(e.nodeType, o);
  o = out.writeUInt8(e.protocol, o);
  o = out.writeUInt16BE(e.highestVersion, o);
  o = out.writeUInt16BE(e.lowestVersion, o);
  o = out.writeUInt16BE(name.length, o);
  o += name.copy(out, o);
  o = out.writeUInt16BE(e.extra.length, o);
  e.extra.copy(out, o);
  return out;
}

/** ALIVE2_REQ: register a node. */
export function encodeAlive2(e: NodeEntry): Buffer {
  return frame(Buffer.concat([Buffer.from([EPMD.ALIVE2_REQ]), encodeEntry(e)]));
}

/** Reads an ALIVE2_REQ body (after the length and the code byte); throws on a malformed one. */
export function decodeAlive2(body: Buffer): NodeEntry {
  if (body.length < 12) throw new Error('ALIVE2_REQ is too short');
  const nlen = body.readUInt16BE(8);
  if (10 + nlen + 2 > body.length) throw new Error('ALIVE2_REQ name runs past the frame');
  // A node name (name@host) is at most 255 bytes, as epmd's MAXSYMLEN: longer ones would let 1024 registrations make
  // the NAMES answer larger than the 1 MiB a client reads.
  if (nlen > MAX_NAME_BYTES) throw new Error(`ALIVE2_REQ has a node name of ${nlen} bytes, over the ${MAX_NAME_BYTES} a node name may have`);
  const name = body.subarray(10, 10 + nlen).toString('utf8');
  const elen = body.readUInt16BE(10 + nlen);
  if (12 + nlen + elen > body.length) throw new Error('ALIVE2_REQ extra runs past the frame');
  if (!/^[\w.-]+$/.test(name)) throw new Error(`ALIVE2_REQ has an invalid node name ${JSON.stringify(name)}`);
  return {
    port: body.readUInt16BE(0),
    nodeType: body.readUInt8(2),
    protocol: body.readUInt8(3),
    highestVersion: body.readUInt16BE(4),
    lowestVersion: body.readUInt16BE(6),
    name,
    extra: Buffer.from(body.subarray(12 + nlen, 12 + nlen + elen)),
  };
}

/** ALIVE2_X_RESP: the result (0 ok) and the creation assigned to the node. */
export function encodeAlive2Resp(result: number, creation: number): Buffer {
  const out = Buffer.alloc(6);
  out.writeUInt8(EPMD.ALIVE2_X_RESP, 0);
  out.writeUInt8(result, 1);
  out.writeUInt32BE(creation, 2);
  return out;
}

/** PORT_PLEASE2_REQ: where does this node listen? */
export function encodePortPlease(name: string): Buffer {
  return frame(Buffer.concat([Buffer.from([EPMD.PORT_PLEASE2_REQ]), Buffer.from(name, 'utf8')]));
}

/** PORT2_RESP: result 0 with the node's entry, or a non-zero result when unknown. */
export function encodePort2Resp(entry: NodeEntry | undefined): Buffer {
  if (!entry) return Buffer.from([EPMD.PORT2_RESP, 1]);
  return Buffer.concat([Buffer.from([EPMD.PORT2_RESP, 0]), encodeEntry(entry)]);
}

/** Reads a PORT2_RESP; undefined when the node is not registered. */
export function decodePort2Resp(buf: Buffer): NodeEntry | undefined {
  if (buf.length < 2 || buf[0] !== EPMD.PORT2_RESP) throw new Error('not a PORT2_RESP');
  if (buf[1] !== 0) return undefined;
  return decodeAlive2(buf.subarray(2));
}

/** NAMES_REQ. */
export function encodeNames(): Buffer {
  return frame(Buffer.from([EPMD.NAMES_REQ]));
}

/** KILL_REQ: stop the port mapper (answered `OK`, or `NO` while nodes are registered, as epmd -kill). */
export function encodeKill(): Buffer {
  return frame(Buffer.from([EPMD.KILL_REQ]));
}

/** The NAMES response: the port mapper's port, then one `name N at port P` line per node. */
export function encodeNamesResp(epmdPort: number, entries: Iterable<NodeEntry>): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(epmdPort, 0);
  const lines = [...entries].map((e) => `name ${e.name} at port ${e.port}\n`).join('');
  return Buffer.concat([head, Buffer.from(lines, 'utf8')]);
}

/** Reads a NAMES response; undefined when it is not one (no port, or a line that is not `name N at port P`). */
export function decodeNamesResp(buf: Buffer): Array<{ name: string; port: number }> | undefined {
  if (buf.length < 4) return undefined;
  const lines = buf.subarray(4).toString('utf8').split('\n');
  if (lines.pop() !== '') return undefined;
  const out: Array<{ name: string; port: number }> = [];
  for (const line of lines) {
    const m = /^name (\S+) at port (\d+)$/.exec(line);
    if (!m) return undefined;
    out.push({ name: m[1]!, port: Number(m[2]) });
  }
  return out;
}
