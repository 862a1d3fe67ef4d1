export { create, nextSteps, usage } from './create.js';
