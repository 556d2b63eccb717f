/**
 * A small repeatable random source, so a failing sequence can be run again: each call gives a
 * whole number from 0 to n - 1.
 */
export function random(seed: number): (n: number) => number {
  let x = seed;
  return (n) => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x >>> 8) % n;
  };
}
