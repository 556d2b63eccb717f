export { NftablesBackend } from './nftables-backend.js';
export { BAN_SETS, CHAINS, TABLE, TRUSTED_SETS } from './nft-script.js';
