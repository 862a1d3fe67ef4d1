export { create, nextSteps, usage } from './create.js';
export type { CreateIo } from './create.js';
