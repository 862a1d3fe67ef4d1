export { startLink, start, call, cast, stop } from './api.js';
export { reply } from './types.js';
