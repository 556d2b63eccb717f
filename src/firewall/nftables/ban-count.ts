import { AddressSlots } from '../../net/index.js';

/**
 * The addresses our hash sets hold, kept from what this process added and removed, so that
 * counting them never lists a million elements. Kept as numbers outside the JavaScript heap
 * (`AddressSlots`: about 25 bytes an address, where a Set of strings costs about 80 inside it).
 * Bans that lapse in the kernel by their own timeout stay counted until they are unbanned, which
 * the engine does when they end.
 */
export class BanCount {
  private addresses = new AddressSlots();
  /** False until the sets were written by this process (or counted once). */
  known = false;

  get size(): number {
    return this.addresses.size;
  }

  /** The sets now hold exactly these. */
  reset(texts: string[]): void {
    this.addresses.clear();
    this.known = true;
    this.add(texts);
  }

  /** The sets now hold exactly these addresses (kept as given: not copied). */
  adopt(addresses: AddressSlots): void {
    this.addresses = addresses;
    this.known = true;
  }

  /** The sets were changed in a way not followed here: count again when asked. */
  forget(): void {
    this.addresses.clear();
    this.known = false;
  }

  /** Whether this process put `text` in the sets (and has not taken it out). */
  has(text: string): boolean {
    return this.addresses.has(text);
  }

  add(texts: string[]): void {
    for (const text of texts) this.addresses.add(text);
  }

  remove(texts: string[]): void {
    for (const text of texts) this.addresses.delete(text);
  }
}
