// Moved to src/net; kept while the backends' imports move over.
export { checkAddress, type CheckedAddress } from '../net/index.js';
