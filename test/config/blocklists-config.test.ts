import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blocklistSettings } from '../../src/blocklist/index.js';
import { loadConfig } from '../../src/config/index.js';
import { catchConfigError, makeTempDir } from './helpers.js';

describe('[blocklists.NAME] in the config', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => {
    tmp = makeTempDir();
  });
  afterEach(() => {
    tmp.remove();
  });

  it('reads every key, fills the defaults and resolves a relative file source against the config folder', () => {
    const file = tmp.write('config.toml', [
      '[blocklists.drop]',
      'source = "https://lists.example.org/drop.txt"',
      '',
      '[blocklists.ipsum]',
      'source = "lists/ipsum.txt"',
      'refresh = "12h"',
      'format = "ipsum"',
      'min_count = 3',
      'max_entries = 500000',
      '',
    ].join('\n'));
    const config = loadConfig(file);
    expect(config.blocklists).toEqual({
      drop: { source: 'https://lists.example.org/drop.txt', refresh: 21_600, format: 'auto', min_count: 1, max_entries: 1_000_000 },
      ipsum: { source: 'lists/ipsum.txt', refresh: 43_200, format: 'ipsum', min_count: 3, max_entries: 500_000 },
    });
    expect(blocklistSettings(file, config.blocklists)).toEqual([
      { name: 'drop', source: 'https://lists.example.org/drop.txt', refresh: 21_600, format: 'auto', minCount: 1, maxEntries: 1_000_000 },
      { name: 'ipsum', source: path.join(tmp.dir, 'lists', 'ipsum.txt'), refresh: 43_200, format: 'ipsum', minCount: 3, maxEntries: 500_000 },
    ]);
    expect(loadConfig(tmp.write('none.toml', '')).blocklists).toBeUndefined();
  });

  const bad: [string, string[], number, string, RegExp][] = [
    ['a missing source', ['[blocklists.drop]', 'refresh = "1h"'], 1, 'blocklists.drop.source', /expected a string, but it is missing/],
    ['an ftp source', ['[blocklists.drop]', 'source = "ftp://example.org/x"'], 2, 'blocklists.drop.source', /only https:\/\/ and http:\/\//],
    ['a refresh below a minute', ['[blocklists.drop]', 'source = "/x"', 'refresh = "30s"'], 3, 'blocklists.drop.refresh', /at least "1m"/],
    ['a refresh that is no duration', ['[blocklists.drop]', 'source = "/x"', 'refresh = "soon"'], 3, 'blocklists.drop.refresh', /./],
    ['an unknown format', ['[blocklists.drop]', 'source = "/x"', 'format = "csv"'], 3, 'blocklists.drop.format', /expected "auto", "plain", "spamhaus" or "ipsum"/],
    ['max_entries 0', ['[blocklists.drop]', 'source = "/x"', 'max_entries = 0'], 3, 'blocklists.drop.max_entries', /integer >= 1/],
    ['a misspelt key', ['[blocklists.drop]', 'source = "/x"', 'min_cont = 2'], 3, 'blocklists.drop.min_cont', /did you mean "min_count"/],
    ['a bad name', ['[blocklists.Drop-List]', 'source = "/x"'], 1, 'blocklists.Drop-List', /1-16 of a-z/],
    ['a name too long', ['[blocklists.abcdefghijklmnopq]', 'source = "/x"'], 1, 'blocklists.abcdefghijklmnopq', /1-16 of a-z/],
  ];
  for (const [what, lines, line, key, message] of bad) {
    it(`names file, line and key for ${what}`, () => {
      const file = tmp.write('config.toml', `[settings]\nmaxretry = 3\n\n${lines.join('\n')}\n`);
      const error = catchConfigError(() => loadConfig(file));
      expect(error.problems[0]).toMatchObject({ file, line: line + 3, key });
      expect(error.problems[0]!.message).toMatch(message);
    });
  }
});
