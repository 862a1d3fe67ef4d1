/** What went wrong while planning or assembling a release, for programs. */
export type ReleaseErrorCode =
  /** An application of the release has no compiled output (`app.json`). */
  | 'notCompiled'
  /** The release names an application the project does not have. */
  | 'unknownApp'
  /** Applications depend on each other in a circle. */
  | 'circularApps'
  /** `--name` names no release of otp.config.ts, or the name cannot be a folder name. */
  | 'unknownRelease'
  /** config/sys.config.json is missing or not an object of objects. */
  | 'badSysConfig'
  /** config/node.args does not parse as the node would read it at boot (a flag without its value, a word that is no flag, a bad node name). */
  | 'badNodeArgs'
  /** `--upgrade-from` names a version the release root does not hold. */
  | 'unknownVersion'
  /** The tarball given to `--upgrade-from` cannot be read as a release. */
  | 'badTarball'
  /** An application changed but kept a version another installed release uses, or a release kept its version while its applications' changed. */
  | 'sameVersion'
  /** An application's upgrade.ts returned something that is not a valid AppChange. */
  | 'badOverride'
  /** A package the release needs (the runtime, an npm dependency) is not installed. */
  | 'missingPackage'
  /** An application's module statically imports a package that is not installed, so the release would fail at boot. */
  | 'missingImport'
  /** The version being built is being installed, from the release root, on its running node; nothing was written. */
  | 'installing'
  /** Writing the release failed; nothing was changed. */
  | 'assembly';

/** Options of a ReleaseError beyond its code and message. */
export interface ReleaseErrorOptions {
  /** The file the error is about, when there is one. */
  file?: string;
  cause?: unknown;
}

/** A release problem a person can act on: a code, one sentence naming the thing and the fix, and the file. */
export class ReleaseError extends Error {
  readonly file: string | undefined;

  constructor(
    readonly code: ReleaseErrorCode,
    message: string,
    options: ReleaseErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ReleaseError';
    this.file = options.file;
  }
}
