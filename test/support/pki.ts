// Certificates for the TLS tests, made with openssl (node:crypto cannot sign X.509 certificates).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The TLS files of one node or tool: its certificate and key, and the CA it trusts (absolute paths). */
export interface TlsFiles {
  cert: string;
  key: string;
  ca: string;
}

/** CAs and the certificates they signed, in a temp folder: `<ca>.pem`, `<name>.pem`, `<name>.key`. */
export interface Pki {
  dir: string;
  /** The files of `name`, trusting `ca` (default: the first CA). */
  tls(name: string, ca?: string): TlsFiles;
  /** The same files as `--proto tls --ssl-cert … --ssl-key … --ssl-ca …`. */
  flags(name: string, ca?: string): string[];
  remove(): void;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

// One CA and the certificates it signs, each usable as TLS server and client on loopback.
function makeCa(dir: string, ca: string, names: readonly string[]): void {
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(['req', '-x509', ...ec, '-keyout', `${ca}.key`, '-out', `${ca}.pem`, '-days', '2', '-subj', `/CN=${ca}`], dir);
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\nbasicConstraints=CA:FALSE\n');
  for (const n of names) {
    openssl(['req', '-new', ...ec, '-keyout', `${n}.key`, '-out', `${n}.csr`, '-subj', `/CN=${n}`], dir);
    openssl(['x509', '-req', '-in', `${n}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-days', '2', '-extfile', 'ext.cnf', '-out', `${n}.pem`], dir);
  }
}

/** Makes each CA of `cas` (name → the names it signs) in a fresh temp folder. */
export function makePki(cas: Record<string, readonly string[]>): Pki {
  const dir = mkdtempSync(join(tmpdir(), 'otp-pki-'));
  for (const [ca, names] of Object.entries(cas)) makeCa(dir, ca, names);
  const first = Object.keys(cas)[0]!;
  const tls = (name: string, ca = first): TlsFiles => ({ cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`), ca: join(dir, `${ca}.pem`) });
  return {
    dir,
    tls,
    flags: (name, ca) => {
      const f = tls(name, ca);
      return ['--proto', 'tls', '--ssl-cert', f.cert, '--ssl-key', f.key, '--ssl-ca', f.ca];
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
