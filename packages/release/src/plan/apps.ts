import { ReleaseError } from '../errors.js';
import { didYouMean } from '../command/suggest.js';

/** What start ordering needs of an application: the applications it depends on, and where they are declared. */
export interface AppDeps {
  applications: string[];
  /** The file declaring its dependencies (for errors). */
  file?: string;
}

// Erlang/OTP's own applications that an .app file lists and otp-ts has no application for.
const OTP_BASE: ReadonlySet<string> = new Set(['kernel', 'stdlib', 'sasl', 'compiler', 'crypto', 'ssl', 'inets', 'public_key', 'runtime_tools', 'os_mon']);

/**
 * The applications a release starts, in start order (each after its dependencies, transitively), from
 * the ones it names (pure). An unknown name or a circle is a ReleaseError naming where it was declared.
 */
export function startOrder(wanted: readonly string[], known: ReadonlyMap<string, AppDeps>, declaredIn: string): string[] {
  const out: string[] = [];
  const visit = (name: string, path: string[], from: { app?: string; file?: string }): void => {
    if (out.includes(name)) return;
    const app = known.get(name);
    if (!app && from.app && OTP_BASE.has(name)) {
      // Erlang's .app files list kernel and stdlib; here the runtime is what they are, always there.
      throw new ReleaseError('unknownApp', `application ${from.app} depends on '${name}', an Erlang/OTP base application that otp-ts has no application for (@otp-ts/runtime is always there): remove '${name}' from otp.applications in ${from.file ?? `${from.app}'s package.json`}`, { file: from.file ?? declaredIn });
    }
    if (!app) {
      const where = from.app ? `application ${from.app} depends on '${name}'` : `the release names application '${name}'`;
      const fix = from.app ? `fix otp.applications in ${from.file ?? `${from.app}'s package.json`}` : `fix the release in ${declaredIn}`;
      throw new ReleaseError('unknownApp', `${where}, which the project does not have${didYouMean(name, known.keys())}: ${fix} (the project's applications: ${[...known.keys()].join(', ') || 'none'})`, { file: from.file ?? declaredIn });
    }
    if (path.includes(name)) {
      throw new ReleaseError('circularApps', `applications depend on each other in a circle (${[...path.slice(path.indexOf(name)), name].join(' → ')}): remove one of these from otp.applications`, { file: app.file });
    }
    for (const dep of app.applications) visit(dep, [...path, name], { app: name, file: app.file });
    out.push(name);
  };
  for (const name of wanted) visit(name, [], {});
  return out;
}
