// The layering rules of src/ (see ARCHITECTURE.md), checked by `npm run check:layers` in `npm test`.
// Each folder may import only the folders below it; nothing may form a cycle.
const below = {
  net: [],
  domain: ['net'],
  config: ['domain', 'net'],
  firewall: ['config', 'domain', 'net'],
  engine: ['firewall', 'config', 'domain', 'net'],
  actions: ['engine', 'firewall', 'config', 'domain', 'net'],
  fleet: ['engine', 'firewall', 'config', 'domain', 'net'],
  'fail2ban-import': ['engine', 'config', 'domain', 'net'],
  blocklist: ['firewall', 'config', 'domain', 'net'],
  metrics: ['fleet', 'actions', 'engine', 'firewall', 'config', 'domain', 'net'],
  control: ['actions', 'engine', 'firewall', 'config', 'domain', 'net'],
  demo: ['engine', 'config', 'domain', 'net'],
  // The console reaches the engine only through the protocol; data shapes may be imported as types.
  tui: ['control', 'domain', 'net'],
  commands: ['tui', 'demo', 'control', 'metrics', 'fleet', 'fail2ban-import', 'blocklist', 'actions', 'engine', 'firewall', 'config', 'domain', 'net'],
};
const folders = Object.keys(below);
const layerRules = folders.map((folder) => ({
  name: `${folder}-reaches-up`,
  comment: `src/${folder} may import only: ${below[folder].join(', ') || 'nothing of portcullis'}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: {
    path: `^src/(${[...folders.filter((f) => f !== folder && !below[folder].includes(f)).map((f) => `${f}/`), 'cli\\.ts'].join('|')})`,
    ...(folder === 'tui' ? { dependencyTypesNot: ['type-only'] } : {}),
  },
}));
const tuiTypes = {
  name: 'tui-types-only',
  comment: 'the console may name the data shapes of engine, firewall and config, never run their code',
  severity: 'error',
  from: { path: '^src/tui/' },
  to: { path: '^src/(engine|firewall|config|actions|fleet|metrics|demo|commands)/', dependencyTypesNot: ['type-only'] },
};
module.exports = {
  forbidden: [
    { name: 'no-cycle', severity: 'error', from: { path: '^src/' }, to: { circular: true } },
    ...layerRules.map((rule) => (rule.name === 'tui-reaches-up' ? { ...rule, to: { path: '^src/(commands/|demo/|cli\\.ts)' } } : rule)),
    tuiTypes,
  ],
  options: {
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(test|bench|dist)/' },
  },
};
