/**
 * The console's `--demo` mode: a throw-away config with a dry-run firewall and temporary logs,
 * and a generator that fills those logs with attacks and normal traffic.
 */
export { prepareDemo, assertDemoConfig, DEMO_TIMING } from './prepare-demo.js';
export type { DemoSetup, PrepareDemoOptions } from './prepare-demo.js';
export { DemoGenerator } from './demo-generator.js';
export type { DemoGeneratorOptions, DemoCounts } from './demo-generator.js';
export { DEMO_SERVICES, isDemoService, attackBurst, attackLine, normalSession, noiseLine, syslogTime, nginxTime, apacheTime } from './traffic.js';
export type { DemoService, LineMaker } from './traffic.js';
export { DEMO_RANGES, makeAddressPool, DEFAULT_POOL } from './addresses.js';
export type { AddressPool, AttackerKind, DemoAttacker, PoolSizes } from './addresses.js';
export { demoRandom, mulberry32 } from './random.js';
export type { DemoRandom } from './random.js';
