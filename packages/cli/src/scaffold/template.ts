import { OtpError } from '../errors/otp-error.js';

/** A variable a template uses, with an optional default. */
export interface TemplateVariable {
  description: string;
  default?: string;
}

/** Files of another template rendered into a subfolder (an umbrella's app). */
export interface TemplateInclude {
  template: string;
  /** The subfolder, itself a pattern (`apps/{{name}}`). */
  into: string;
  /** Which of the other template's destination patterns to take. */
  files: string[];
}

/** A template's manifest.json: its variables and the files it writes (destination pattern → source file). */
export interface TemplateManifest {
  description: string;
  variables: Record<string, TemplateVariable>;
  files: Record<string, string>;
  include?: TemplateInclude[];
}

/** A template as data: its manifest and the contents of its source files, by source path. */
export interface Template {
  name: string;
  manifest: TemplateManifest;
  sources: Record<string, string>;
}

/** One file a plan writes. */
export interface PlannedFile {
  path: string;
  content: string;
}

/** Replaces every `{{variable}}` in `text`; an unknown variable is a template bug, reported as such. */
export function substitute(text: string, vars: Readonly<Record<string, string>>, where: string): string {
  return text.replace(/\{\{\s*([A-Za-z][A-Za-z0-9]*)\s*\}\}/g, (_m, key: string) => {
    const value = vars[key];
    if (value === undefined) throw new OtpError('badTemplate', `template ${where} uses {{${key}}}, which its manifest does not declare`);
    return value;
  });
}

/** Plans the files of a template with its variables (pure: no I/O); `templates` resolves includes. */
export function planTemplate(template: Template, vars: Readonly<Record<string, string>>, templates: Readonly<Record<string, Template>> = {}): PlannedFile[] {
  const { manifest } = template;
  const values: Record<string, string> = {};
  for (const [key, v] of Object.entries(manifest.variables)) {
    const value = vars[key] ?? v.default;
    if (value === undefined) throw new OtpError('badTemplate', `template '${template.name}' needs the variable '${key}' (${v.description})`);
    values[key] = value;
  }
  const files: PlannedFile[] = [];
  for (const [dest, source] of Object.entries(manifest.files)) {
    const text = template.sources[source];
    if (text === undefined) throw new OtpError('badTemplate', `template '${template.name}' maps ${dest} to ${source}, which is not in the template`);
    files.push({ path: substitute(dest, values, `'${template.name}'`), content: substitute(text, values, `'${template.name}' ${source}`) });
  }
  for (const inc of manifest.include ?? []) {
    const other = templates[inc.template];
    if (!other) throw new OtpError('badTemplate', `template '${template.name}' includes '${inc.template}', which was not loaded`);
    const picked: Template = { ...other, manifest: { ...other.manifest, files: pick(other, inc.files), include: [] } };
    const into = substitute(inc.into, values, `'${template.name}'`);
    for (const f of planTemplate(picked, values, templates)) files.push({ path: `${into}/${f.path}`, content: f.content });
  }
  return files;
}

function pick(template: Template, dests: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    dests.map((d) => {
      const source = template.manifest.files[d];
      if (source === undefined) throw new OtpError('badTemplate', `template '${template.name}' has no file ${d} to include`);
      return [d, source];
    }),
  );
}
