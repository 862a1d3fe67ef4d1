// A file system error told in words: which path could not be what, and why, rather than the system's raw text
// ("ENOTDIR: not a directory, mkdir '…'"), so an unpack's failure reads as one sentence.
import { statSync } from 'node:fs';
import { userInfo } from 'node:os';
import { isAbsolute, relative } from 'node:path';

// What each error code means for the path it names; the code itself stays in brackets for a search.
const REASONS: Record<string, string> = {
  ENOTDIR: 'a file stands where a folder goes',
  EISDIR: 'a folder stands where a file goes',
  EEXIST: 'something is already there',
  ENOTEMPTY: 'a folder that is not empty is in the way',
  ENOENT: 'a folder on its way is missing',
  EACCES: 'permission denied',
  EPERM: 'the operation is not permitted',
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is used up',
  EFBIG: 'a file grew past the size limit',
  EROFS: 'the file system is read-only',
  EIO: 'the disk reported an I/O error',
  EMFILE: 'too many files are open',
  ENFILE: 'too many files are open',
  EXDEV: 'it is on another file system',
};

// What the system call was doing to `path` (and `dest`).
function action(syscall: string | undefined, path: string, dest: string | undefined): string {
  switch (syscall) {
    case 'rename':
      // The source is a staging or aside folder, gone with the command: where it was going is what the reader knows.
      return dest === undefined ? `${path} could not be moved` : `${dest} could not be moved into place`;
    case 'mkdir':
      return `${path} could not be created`;
    case 'open':
    case 'write':
    case 'close':
      return `${path} could not be written`;
    case 'rmdir':
    case 'unlink':
    case 'rm':
      return `${path} could not be removed`;
    default:
      return syscall === undefined ? path : `${path} could not be handled (${syscall})`;
  }
}

const errno = (error: unknown): (NodeJS.ErrnoException & { dest?: string }) | undefined => {
  const e = error as NodeJS.ErrnoException | undefined;
  return typeof e?.code === 'string' && /^E[A-Z]+$/.test(e.code) ? e : undefined;
};

/** Why `error` happened, in words with its code: "the disk is full (ENOSPC)"; the message of an error that is not the file system's. */
export function fsReason(error: unknown): string {
  const e = errno(error);
  if (e === undefined) return (error as Error)?.message ?? String(error);
  return `${REASONS[e.code!] ?? 'the file system refused it'} (${e.code})`;
}

/** `error` in words, paths shown from `root` when under it: "lib/x could not be created: a file stands where a folder goes (ENOTDIR)". */
export function describeFsFailure(error: unknown, root?: string): string {
  const e = errno(error);
  if (e?.path === undefined) return fsReason(error);
  const show = (p: string): string => {
    const rel = root === undefined ? '' : relative(root, p);
    return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? p : rel;
  };
  return `${action(e.syscall, show(e.path), e.dest === undefined ? undefined : show(e.dest))}: ${fsReason(e)}`;
}

/**
 * The sentence for a file of the release root that the user running the start script may not read or write (a root
 * built or started by another user, a node.args readable by its owner only): undefined for any other error.
 */
export function permissionRefusal(error: unknown, root: string, name: string): string | undefined {
  const e = errno(error);
  if (e?.path === undefined || (e.code !== 'EACCES' && e.code !== 'EPERM')) return undefined;
  const rel = relative(root, e.path);
  if (rel.startsWith('..') || isAbsolute(rel)) return undefined;
  const user = whoRuns();
  const owner = ownerOf(root);
  const owners = owner === undefined || owner === user.uid ? '' : `, and the root belongs to uid ${owner}`;
  return `${rel === '' ? 'the release root' : rel} in the release root ${root} cannot be used by this user (${user.name}, uid ${user.uid}), ${fsReason(e)}${owners}: run bin/${name} as the user who owns the release, or give ${user.name} the root (chown -R ${user.name} ${root})`;
}

/** The user running this process, by name when the system knows it (else `uid N`). */
export function whoRuns(): { name: string; uid: number } {
  const uid = process.getuid?.() ?? -1;
  try {
    return { name: userInfo().username, uid };
  } catch {
    return { name: `uid ${uid}`, uid };
  }
}

function ownerOf(path: string): number | undefined {
  try {
    return statSync(path).uid;
  } catch {
    return undefined;
  }
}
