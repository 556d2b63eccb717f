// Moved to src/domain; kept while the console's imports move over.
export * from '../domain/rule-set.js';
export { rangeContains, sshSession, type SshSession } from '../net/index.js';
