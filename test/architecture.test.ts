import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeTempDir } from './helpers/temp-dir.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const CRUISER = path.join(ROOT, 'node_modules', '.bin', 'depcruise');

/** Runs the layer check (ARCHITECTURE.md's rules) over `dir`/src; its exit code and report. */
function checkLayers(dir: string): { code: number; report: string } {
  const result = spawnSync(CRUISER, ['src', '--config', path.join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err'], { cwd: dir, encoding: 'utf8' });
  return { code: result.status ?? -1, report: `${result.stdout}${result.stderr}` };
}

describe('the layering of src/ (ARCHITECTURE.md)', () => {
  it('holds: no folder imports one above it, and nothing forms a cycle', () => {
    const { code, report } = checkLayers(ROOT);
    expect(report).toContain('no dependency violations found');
    expect(code).toBe(0);
  }, 120_000);

  it('fails on an import that reaches up, on a cycle, and on console code running engine code', () => {
    const tmp = makeTempDir('portcullis-layers-');
    try {
      copyFileSync(path.join(ROOT, 'tsconfig.json'), path.join(tmp.dir, 'tsconfig.json'));
      tmp.write('src/net/address.ts', "import { banLength } from '../engine/length.js';\nexport const net = banLength;\n");
      tmp.write('src/engine/length.ts', "import { net } from '../net/address.js';\nexport const banLength = (): unknown => net;\n");
      tmp.write('src/tui/pane.ts', "import { banLength } from '../engine/length.js';\nimport type { Shape } from '../engine/shape.js';\nexport const shown = (s: Shape): unknown => [banLength, s];\n");
      tmp.write('src/engine/shape.ts', 'export interface Shape { ip: string }\n');
      const { code, report } = checkLayers(tmp.dir);
      expect(code).not.toBe(0);
      expect(report).toMatch(/net-reaches-up: src\/net\/address\.ts/);
      expect(report).toMatch(/no-cycle: src\/(net|engine)\//);
      expect(report).toMatch(/tui-types-only: src\/tui\/pane\.ts → \s*src\/engine\/length\.ts/);
      // A type-only import of a data shape is allowed.
      expect(report).not.toMatch(/src\/tui\/pane\.ts → \s*src\/engine\/shape\.ts/);
    } finally {
      tmp.remove();
    }
  }, 120_000);
});
