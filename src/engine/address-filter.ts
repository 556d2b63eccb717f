/**
 * Bits per address in a layer, at least (a layer's bits are rounded up to a power of two, so 16 with
 * these capacities), and hashes per address: 0.1-0.2% false positives measured up to 1,000,000.
 */
const BITS_PER_ENTRY = 10;
const HASHES = 7;
/** The first layer's capacity; each next layer holds four times the one before. */
const FIRST_CAPACITY = 65_536;

/** murmur3's 32-bit finalizer: every input bit moves every output bit. */
function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units, finalised. */
function hashOf(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return mix(h);
}

interface Layer {
  bits: Uint32Array;
  /** Bits in the layer (a power of two). */
  size: number;
  capacity: number;
  count: number;
}

function layerOf(capacity: number): Layer {
  let size = 32;
  while (size < capacity * BITS_PER_ENTRY) size *= 2;
  return { bits: new Uint32Array(size / 32), size, capacity, count: 0 };
}

/**
 * The texts seen, as a Bloom filter that grows: `mayHave` is false only for a text never added,
 * and true for about 0.2% of the others. A full layer is followed by one four times its size, so
 * the rate holds however many are added (1,000,000 addresses: three layers, 2.6 MiB).
 */
export class AddressFilter {
  private layers: Layer[] = [layerOf(FIRST_CAPACITY)];

  add(text: string): void {
    let layer = this.layers[this.layers.length - 1]!;
    if (layer.count >= layer.capacity) {
      layer = layerOf(layer.capacity * 4);
      this.layers.push(layer);
    }
    const h1 = hashOf(text);
    const h2 = mix(h1 ^ 0x9e3779b9) | 1;
    const mask = layer.size - 1;
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & mask;
      layer.bits[bit >>> 5] = layer.bits[bit >>> 5]! | (1 << (bit & 31));
    }
    layer.count++;
  }

  mayHave(text: string): boolean {
    const h1 = hashOf(text);
    const h2 = mix(h1 ^ 0x9e3779b9) | 1;
    for (const layer of this.layers) {
      const mask = layer.size - 1;
      let all = true;
      for (let i = 0; i < HASHES && all; i++) {
        const bit = (h1 + Math.imul(i, h2)) & mask;
        all = (layer.bits[bit >>> 5]! & (1 << (bit & 31))) !== 0;
      }
      if (all) return true;
    }
    return false;
  }

  /** Texts added (each time counted). */
  get count(): number {
    return this.layers.reduce((n, layer) => n + layer.count, 0);
  }

  /** Bytes held by the bits. */
  get bytes(): number {
    return this.layers.reduce((n, layer) => n + layer.bits.byteLength, 0);
  }
}
