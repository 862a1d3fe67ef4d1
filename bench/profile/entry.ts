// The runtime as bench/profile bundles it: the package's entries, plus the node side of otp profile.
export * from '../../packages/runtime/src/index.ts';
export * from '../../packages/runtime/src/tools.ts';
export { profileRpcModule } from '../../packages/runtime/src/trace/profile.ts';
