import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { definingFiles, loadConfig, overlayFile, removeFromOverlay, userFilterDir, writeOverlay } from '../../src/config/index.js';
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

describe('removeFromOverlay, definingFiles, userFilterDir', () => {
  it('removes a jail added at run time and tells which files define a key', () => {
    writeOverlay(config, { jails: { web: { logpath: ['/var/log/web.log'], filter: 'sshd' }, sshd: { enabled: false } } });
    expect(definingFiles(config, ['jails', 'web'])).toEqual([overlayFile(config)]);
    expect(definingFiles(config, ['jails', 'sshd'])).toEqual([config, overlayFile(config)]);
    expect(definingFiles(config, ['jails', 'none'])).toEqual([]);
    const after = removeFromOverlay(config, ['jails', 'web']);
    expect(Object.keys(after.jails)).toEqual(['sshd']);
    expect(after.jails.sshd!.enabled).toBe(false);
    expect(readFileSync(config, 'utf8')).toBe(OWN);
    expect(() => removeFromOverlay(config, ['jails', 'web'])).toThrow(`jails.web is not in ${overlayFile(config)}`);
  });

  it('refuses a removal that leaves the config invalid, changing nothing', () => {
    writeOverlay(config, { jails: { web: { logpath: ['/var/log/web.log'], actions: ['email'] } }, notify: { email: { host: 'mail.example.org', from: 'a@example.org', to: ['b@example.org'] } } });
    const before = readFileSync(overlayFile(config), 'utf8');
    expect(() => removeFromOverlay(config, ['notify'])).toThrow(/uses the "email" action/);
    expect(readFileSync(overlayFile(config), 'utf8')).toBe(before);
  });

  it('puts the user filter folder next to the config file', () => {
    expect(userFilterDir(config)).toBe(path.join(tmp.dir, 'filter.d'));
  });
});
