import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfigPath, programVersion } from '../../src/config/default-path.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

let tmp: TempDir;
beforeEach(() => {
  tmp = makeTempDir('portcullis-h20-default-');
});
afterEach(() => tmp.remove());

describe('the default config path', () => {
  it('is the checkout example without an installed marker, and PORTCULLIS_CONFIG wins over it', () => {
    tmp.write('package.json', JSON.stringify({ name: 'portcullis', version: '9.8.7' }));
    expect(defaultConfigPath({}, tmp.dir)).toBe('config.example.toml');
    expect(defaultConfigPath({ PORTCULLIS_CONFIG: '/srv/pc.toml' }, tmp.dir)).toBe('/srv/pc.toml');
    expect(defaultConfigPath({ PORTCULLIS_CONFIG: '' }, tmp.dir)).toBe('config.example.toml');
    expect(programVersion(tmp.dir)).toBe('9.8.7');
  });

  it('is the one the package build names in the installed package.json, unless PORTCULLIS_CONFIG says otherwise', () => {
    tmp.write('package.json', JSON.stringify({ name: 'portcullis', version: '1.0.0', portcullis: { defaultConfig: '/etc/portcullis/config.toml' } }));
    expect(defaultConfigPath({}, tmp.dir)).toBe('/etc/portcullis/config.toml');
    expect(defaultConfigPath({ PORTCULLIS_CONFIG: '/srv/pc.toml' }, tmp.dir)).toBe('/srv/pc.toml');
  });

  it('falls back to the example when package.json is missing or unreadable', () => {
    expect(defaultConfigPath({}, tmp.dir)).toBe('config.example.toml');
    expect(programVersion(tmp.dir)).toBe('unknown');
    tmp.write('package.json', '{ not json');
    expect(defaultConfigPath({}, tmp.dir)).toBe('config.example.toml');
  });
});
