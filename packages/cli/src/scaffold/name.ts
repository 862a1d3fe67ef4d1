import { builtinModules } from 'node:module';
import { OtpError } from '../errors/otp-error.js';

const reservedWords = new Set(
  'break case catch class const continue debugger default delete do else enum export extends false finally for function if implements import in instanceof interface let new null package private protected public return static super switch this throw true try typeof var void while with yield await async arguments eval undefined'.split(' '),
);
/** Applications otp-ts or OTP already use: a project named after one would shadow it. */
const taken = new Set(['otp', 'kernel', 'stdlib', 'sasl', 'logger', 'runtime', 'node_modules', 'favicon', 'test', 'src']);

// The name made valid: accents dropped (`café` → `cafe`, not `caf`), words split at capitals, the rest as `_`.
const suggestion = (name: string): string =>
  name
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '');

/** Checks a project name: a lowercase letter, then lowercase letters, digits or `_` (an npm name and an OTP app name at once). */
export function validateName(name: string): string {
  const fail = (why: string): never => {
    const better = suggestion(name);
    const hint = better && better !== name && !reservedWords.has(better) && !taken.has(better) ? `Try '${better}'.` : 'Choose a name like my_app.';
    throw new OtpError('badName', `invalid name '${name}': ${why}`, { hint });
  };
  if (name === '') fail('the name is empty');
  if (name.length > 100) fail(`it is ${name.length} characters long; keep it under 100`);
  if (/[A-Z]/.test(name)) fail('application names are lowercase');
  if (/^[0-9]/.test(name)) fail('it must start with a letter, not a digit');
  if (name.includes('-')) fail("use '_' instead of '-' (application names are module-name prefixes)");
  if (!/^[a-z][a-z0-9_]*$/.test(name)) fail('use only lowercase letters, digits and _, starting with a letter');
  if (name.endsWith('_')) fail("it must not end with '_'");
  if (reservedWords.has(name)) fail('it is a reserved word in JavaScript');
  if (builtinModules.includes(name)) fail('it is the name of a Node.js built-in module');
  if (taken.has(name)) fail('the name is taken by otp-ts or OTP');
  return name;
}
