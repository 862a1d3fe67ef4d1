// The runtime's public API as code the node runs at run time sees it: `@otp-ts/runtime` in hot-loaded
// modules (never a second copy of the runtime) and the scope of rpc eval. The package entry provides it as
// it loads, so the entry stays the top of the layers instead of a module they import.
let api: Readonly<Record<string, unknown>> = {};

/** Called once by the package entry (src/index.ts) with its own namespace. */
export function provideRuntimeApi(entry: Readonly<Record<string, unknown>>): void {
  api = entry;
}

/** The runtime's public API (empty until the package entry has loaded). */
export function runtimeApi(): Readonly<Record<string, unknown>> {
  return api;
}
