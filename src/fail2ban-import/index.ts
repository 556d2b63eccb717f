export { importFail2ban, type ImportedEscalation, type ImportedJail, type ImportNote, type ImportResult } from './convert.js';
export { renderConfig } from './render.js';
export { readJailFiles, type JailFiles, type JailSections, type JailValue } from './jail-files.js';
export { readBool, readOptions, readSeconds } from './values.js';
