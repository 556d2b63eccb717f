/** Leaves shared by every layer: showing untrusted text safely, and fitting it to columns. */
export { isPrintable, printable } from './printable.js';
export { displayWidth, fitWidth, padEndWidth, padStartWidth, sliceToWidth, truncateWidth } from './display-width.js';
