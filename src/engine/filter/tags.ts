/**
 * The regex text behind fail2ban's tags, written for RE2 (no lookaround). Addresses are matched
 * loosely here and checked strictly by ipaddr.js afterwards, so a loose match never bans garbage.
 */
const IP4 = String.raw`(?:\d{1,3}\.){3}\d{1,3}`;
// Hex runs are unbounded so V8's linear-time engine can take the pattern; ipaddr.js checks the rest.
const IP6 = String.raw`(?:[0-9A-Fa-f]*:){2,7}(?:(?:\d{1,3}\.){3}\d{1,3}|[0-9A-Fa-f]{1,4})?`;
const DNS = String.raw`[\w\-.^_]*\w`;
// As fail2ban's: brackets are allowed around either family (`[127.0.0.1]`, `[2001:db8::1]`).
const ADDR = `\\[?(?:(?P<ip4>${IP4})|(?P<ip6>${IP6}))\\]?`;
const CIDR = String.raw`\d{1,3}`;

const SIMPLE_TAGS: Record<string, string> = {
  '<IP4>': `(?P<ip4>${IP4})`,
  '<IP6>': `(?P<ip6>${IP6})`,
  '<ADDR>': ADDR,
  '<DNS>': `(?P<dns>${DNS})`,
  '<HOST>': `(?:${ADDR}|(?P<dns>${DNS}))`,
  '<CIDR>': `(?P<cidr>${CIDR})`,
  '<SUBNET>': `${ADDR}(?:/(?P<cidr>${CIDR}))?`,
};

/** Thrown for a tag portcullis knows but does not run (multi-line buffering). */
export class UnsupportedTag extends Error {}

/**
 * Replaces `<HOST>`, `<ADDR>`, `<IP4>`, `<IP6>`, `<DNS>`, `<CIDR>`, `<SUBNET>` and the capture
 * tags `<F-NAME>...</F-NAME>` (which become a group named `name` in lower case).
 */
export function expandTags(pattern: string): string {
  // Lines passed over in a multi-line match (Python's `.` takes no newline), each tag its own group.
  let skips = 0;
  let out = pattern.replace(/<SKIPLINES>/g, () => `\\n(?P<skiplines${skips++}>(?:[^\\n]*\\n)*?)`);
  out = out.replace(/<(?:IP4|IP6|ADDR|DNS|HOST|CIDR|SUBNET)>/g, (tag) => SIMPLE_TAGS[tag] ?? tag);
  out = out.replace(/<F-([A-Za-z0-9_]+)>/g, (_m, name: string) => `(?P<${name.toLowerCase()}>`);
  out = out.replace(/<\/F-([A-Za-z0-9_]+)>/g, ')');
  return out;
}
