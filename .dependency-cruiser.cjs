/* global module */
// The layer order of docs/architecture.md as rules dependency-cruiser checks (test/layers.test.ts runs it).
// Runtime layers, lowest first: a file may import its own layer and the layers below it, never one above.
const runtimeLayers = [
  // Every file at the top of src/ but the entries and sys.ts: pid, messages, process, node, tables, timers, logger…
  ['process primitives', '(?!(index|tools|testing|sys)[.]ts$)[^/]+[.]ts$'],
  ['gen', '(gen/|sys[.]ts$)'],
  ['gen-server, gen-statem, gen-event', '(gen-server|gen-statem|gen-event)/'],
  ['supervisor', 'supervisor/'],
  ['application', 'application/'],
  ['distribution', 'distribution/'],
  ['code server', 'code/'],
  ['rpc', 'rpc/'],
  ['trace, global, pg', '(trace|global|pg)/'],
  ['release handler', 'release/'],
];
const src = '^packages/runtime/src/';

const upward = runtimeLayers.flatMap(([name, path], i) =>
  runtimeLayers.slice(i + 1).map(([above, abovePath]) => ({
    name: 'runtime-layer-order',
    comment: `the ${name} layer imports the ${above} layer above it: reach it through a hook that layer installs, or move a file that is itself a service into its layer's folder (docs/architecture.md, "Layers")`,
    severity: 'error',
    from: { path: `${src}${path}` },
    to: { path: `${src}${abovePath}` },
  })),
);

// The packages' order, lowest first: what each package's sources may import of the others (its package.json's
// dependencies). The runtime imports no other package; the command line sits above every package but the scaffolder.
const packageDeps = {
  runtime: [],
  compiler: ['runtime'],
  'test-runner': ['runtime'],
  tracer: ['runtime'],
  release: ['compiler', 'runtime'],
  cli: ['compiler', 'release', 'runtime', 'test-runner', 'tracer'],
  'create-otp-ts': ['cli'],
};
const packageOrder = Object.entries(packageDeps).map(([name, deps]) => ({
  name: 'package-order',
  comment: `@otp-ts/${name} imports a package that is not below it (it may import ${deps.length ? deps.map((d) => `@otp-ts/${d}`).join(', ') : 'no other package'}): move the shared code down into the lower package, or hand it in through an option (docs/architecture.md, "Layers")`,
  severity: 'error',
  from: { path: `^packages/${name}/src/` },
  to: { path: '^packages/', pathNot: `^packages/(${[name, ...deps].join('|')})/` },
}));

// What other packages may import: the entries each package.json declares in "exports".
const entries = '^packages/[^/]+/src/(index|tools|testing|assert/index)[.]ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'an import cycle, even one only types close: the files in it can only be understood, loaded and tested together',
      severity: 'error',
      from: { path: '^packages/[^/]+/src/(.+)' },
      // Type-only imports count too (tsPreCompilationDeps): a lower file that needs a higher one's type declares
      // the little it needs, or an interface the higher file widens to its class (types.ts's ContextNode,
      // process-record.ts's WholeProcess), as docs/architecture.md's "Layers" tells.
      // A module importing its own namespace (the runtime's entry handing itself to loaded code) is no cycle.
      to: { circular: true, pathNot: '^packages/[^/]+/src/$1$' },
    },
    {
      name: 'no-circular-across-folders',
      comment: 'files of different folders know each other, even only by type: a cycle only types may close stays inside one folder (the process primitives, or one service)',
      severity: 'error',
      from: { path: '^(packages/[^/]+/src/[a-z/-]*?)[^/]+$' },
      to: { circular: true, via: { pathNot: '^$1[^/]+$' } },
    },
    {
      name: 'no-circular-in-distribution',
      comment: "distribution's files know each other one way, even by type: the control messages' shape (control-message.ts) sits below the handlers (control.ts) and the links and monitors across nodes (remote.ts)",
      severity: 'error',
      from: { path: `${src}distribution/` },
      to: { circular: true },
    },
    {
      name: 'no-circular-in-code-server',
      comment: "code/'s files know each other one way, even by type: what a purge's helpers (spawned.ts, state-funs.ts) read of the code server is purge-view.ts, below server.ts, which imports them",
      severity: 'error',
      from: { path: `${src}code/` },
      to: { circular: true },
    },
    {
      name: 'tables-and-limits-below-processes',
      comment: "the tables (table*.ts) and the mailbox limit (limits.ts) know no process or node class, not even by type: the tables read a process as TableOwner and the node as TableNode (table-store.ts), and a mailbox's overflow is process-mailbox.ts's, so the process primitives import them one way",
      severity: 'error',
      from: { path: `${src}(table[^/]*|limits)[.]ts$` },
      to: { circular: true, via: { pathNot: `${src}(table[^/]*|limits)[.]ts$` } },
    },
    {
      name: 'below-the-process-files',
      comment: "the timers (node-timers.ts), the run timer's slot (run-timing.ts), the monitors (process-monitors.ts), a body's end (finish.ts), the aliases (alias.ts) and a process's snapshot (node-info.ts) and the logger (logger.ts, keyed by the node as an object) know no process or node class, not even by type: they read a process as the Monitored, Finishing, AliasOwner or Informed shape, a node as AliasNode, a destination as pid.ts's Dest and a timed process as an object, so the process files import them one way",
      severity: 'error',
      from: { path: `${src}(node-timers|run-timing|process-monitors|finish|alias|node-info|logger)[.]ts$` },
      to: { circular: true },
    },
    {
      name: 'no-circular-in-tables',
      comment: "the table files know each other one way, even by type: the store (table-store.ts) sits below its helpers (table-fix, table-select, table-slot, table-update), the public types (table-api.ts) above those, and the handle (table.ts) on top",
      severity: 'error',
      from: { path: `${src}table[^/]*[.]ts$` },
      to: { circular: true },
    },
    {
      name: 'no-circular-outside-the-runtime',
      comment: "the packages above the runtime (cli, compiler, release, test-runner, tracer, create-otp-ts) have no import cycle, not even one only types close: put the shared type in the lower file (as the test runner's plan/types.ts holds TcStatus)",
      severity: 'error',
      from: { path: '^packages/(?!runtime/)[^/]+/src/' },
      to: { circular: true },
    },
    ...packageOrder,
    ...upward,
    {
      name: 'runtime-entry-is-the-top',
      comment: "a runtime module imports the package's own entry: import the module that defines the name",
      severity: 'error',
      from: { path: `${src}.`, pathNot: `${src}(index|tools|testing)[.]ts$` },
      to: { path: `${src}(index|tools|testing)[.]ts$` },
    },
    {
      name: 'other-package-through-its-entry',
      comment: "another package's file is imported directly: import its package entry (@otp-ts/<name> or a subpath in its exports)",
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/', pathNot: ['^packages/$1/', entries] },
    },
    {
      name: 'other-package-by-name',
      comment: "another package is imported by a relative path: import it by its name (@otp-ts/<name>), as a user would",
      severity: 'error',
      from: { path: '^packages/([^/]+)/' },
      to: { path: '^packages/', pathNot: '^packages/$1/', dependencyTypesNot: ['aliased-workspace'] },
    },
    {
      name: 'end-to-end-tests-through-entries',
      comment: "an end-to-end test imports a package's internals: use the package entry or a documented subpath",
      severity: 'error',
      from: { path: '^test/' },
      to: { path: '^packages/', pathNot: entries },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules'] },
    exclude: { path: ['(^|/)node_modules/', '(^|/)dist/', '(^|/)fixtures/', '^bench/', '^examples/', '^templates/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    combinedDependencies: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['otp-ts-source', 'import', 'types', 'default'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
  },
};
