/**
 * A worker thread's script beside the module at `moduleUrl` (`import.meta.url`): the compiled
 * `NAME.js`, or (tests run the TypeScript source) a few lines that load `NAME.ts` under the
 * TypeScript loader, which a worker does not inherit.
 */
export function workerScript(moduleUrl: string, name: string): { script: string | URL; eval: boolean } {
  if (!moduleUrl.endsWith('.ts')) return { script: new URL(`./${name}.js`, moduleUrl), eval: false };
  const source = new URL(`./${name}.ts`, moduleUrl).href;
  return { script: `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(source)}); });`, eval: true };
}
