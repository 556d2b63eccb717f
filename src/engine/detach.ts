/**
 * A copy of `text` that shares no memory with the string it was cut from. V8 keeps a slice of a
 * string as a view on its parent, so keeping one 15-character IP from a 1 MiB chunk of a log
 * would keep the whole chunk alive; whatever outlives the line it came from is detached first.
 * V8 copies a cut of fewer than 13 characters anyway. A longer one gets a character added, which
 * makes the text a new string of its own once read, and the cut back from that holds only it: a
 * quarter of the time of a round trip through a Buffer (test/engine/detach.test.ts checks that
 * nothing of the parent is kept).
 */
export function detach(text: string): string {
  return text.length < 13 ? text : `${text} `.slice(0, -1);
}
