export { Blocklist, type BlocklistStatus, type ListSink, type RefreshOutcome } from './blocklist.js';
export { checkParsed, checkText, MIN_FOR_SHRINK, SHRINK_LIMIT } from './check.js';
export { fetchList, isUrl, type FetchResult, type Validators } from './fetch.js';
export { LIST_FORMATS, networkFamily, parseList, type ListFormat, type ParsedList } from './parse.js';
export { checkBlocklists, DEFAULT_MAX_ENTRIES, DEFAULT_REFRESH, type BlocklistSettings } from './settings.js';
export { listFile, loadList, saveList, type SavedList } from './store.js';
