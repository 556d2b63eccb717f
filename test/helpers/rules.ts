import type { FirewallRule } from '../../src/firewall/types.js';

/** An incoming tcp allow rule from anywhere, named `r`, with `over` on top. */
export const rule = (over: Partial<FirewallRule>): FirewallRule => ({
  name: 'r',
  direction: 'in',
  action: 'allow',
  protocol: 'tcp',
  ports: [],
  sources: [],
  comment: '',
  ...over,
});
