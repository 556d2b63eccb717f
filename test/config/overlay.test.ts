import { existsSync, readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, overlayFile, writeOverlay } from '../../src/config/index.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let tmp: TempDir;
let config: string;
const OWN = '# my own comments stay\n[settings]\nmaxretry = 5\n\n[jails.sshd]\nlogpath = ["/var/log/auth.log"]\n';
beforeEach(() => {
  tmp = makeTempDir('portcullis-overlay-');
  config = tmp.write('config.toml', OWN);
});
afterEach(() => tmp.remove());

describe('run-time edits go to config.d/console.toml', () => {
  it('writes the overlay, merges later edits into it, and never touches the own file', () => {
    expect(writeOverlay(config, { settings: { maxretry: 3 } }).settings.maxretry).toBe(3);
    const after = writeOverlay(config, { jails: { sshd: { enabled: false } } });
    expect(after.settings.maxretry).toBe(3);
    expect(after.jails.sshd!.enabled).toBe(false);
    expect(readFileSync(config, 'utf8')).toBe(OWN);
    expect(loadConfig(config).jails.sshd!.enabled).toBe(false);
  });

  it('refuses an edit that makes the config invalid, leaving every file as it was', () => {
    writeOverlay(config, { settings: { maxretry: 3 } });
    const before = readFileSync(overlayFile(config), 'utf8');
    expect(() => writeOverlay(config, { settings: { maxretry: 'many' } })).toThrow(/settings\.maxretry/);
    expect(readFileSync(overlayFile(config), 'utf8')).toBe(before);
  });

  it('leaves no overlay behind when the first edit is invalid', () => {
    expect(() => writeOverlay(config, { settings: { bantime: '10x' } })).toThrow(/bantime/);
    expect(existsSync(overlayFile(config))).toBe(false);
  });
});
