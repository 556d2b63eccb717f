// Address maths shared by every layer: parsing and checking addresses, ranges, containment and
// overlap, and where the operator's SSH session comes from. Imports nothing of portcullis.
export { checkAddress, isCanonicalIPv4, isIpOrCidr, type CheckedAddress } from './address.js';
export { isMapped, keyOf, parseDottedQuad, parseRange, rangeContains, rangesOverlap, word, type ParsedRange } from './ranges.js';
export { ownSessionConflict, sshSession, type SshSession } from './session.js';
export { prefixOf, SINGLE_ADDRESS, type PrefixLengths } from './prefix.js';
export { readCanonicalIPv6 } from './ipv6-text.js';
export { AddressSlots } from './address-slots.js';
