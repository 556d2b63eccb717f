export { loadFilter, loadFilterText, resolveFilterPath, SHIPPED_FILTER_DIR } from './filter-file.js';
export { CompiledFilter, compileFilter, type CompileOptions } from './compiled-filter.js';
export { DateDetector, type DateDetectorOptions } from './date-detector.js';
export { FilterError, parseIni, type IniFile, type IniValue } from './ini-reader.js';
export { normalizeIp } from './host.js';
export type { DateMatch, FilterDefinition, LineResult, PatternSource } from './types.js';
