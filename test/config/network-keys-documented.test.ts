import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { knownKeys } from '../../src/config/schema.js';

// Every key of the network-ban tables, as the schema knows them, is described in both
// config.example.toml and the README: a key added to the schema without its words fails here.

const example = readFileSync('config.example.toml', 'utf8');
const readme = readFileSync('README.md', 'utf8');

/** The text of config.example.toml from `header` (a table's line) to the next table line. */
function exampleTable(header: string): string {
  const start = example.indexOf(`\n${header}\n`);
  expect(start, `${header} in config.example.toml`).toBeGreaterThan(-1);
  const rest = example.slice(start + header.length + 2);
  const end = rest.search(/^\[/m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The README's section under `## title`, up to the next one. */
function readmeSection(title: string): string {
  const start = readme.indexOf(`\n## ${title}\n`);
  expect(start, `"## ${title}" in the README`).toBeGreaterThan(-1);
  const rest = readme.slice(start + title.length + 5);
  const end = rest.search(/^## /m);
  return end === -1 ? rest : rest.slice(0, end);
}

/** The README's configuration bullet that starts with `` `table` ``. */
function readmeBullet(table: string): string {
  const section = readmeSection('Configuration');
  const start = section.indexOf(`- \`${table}\``);
  expect(start, `the ${table} bullet in the README`).toBeGreaterThan(-1);
  const rest = section.slice(start + 2);
  const end = rest.search(/^- |^\n/m);
  return end === -1 ? rest : rest.slice(0, end);
}

describe('the network-ban keys are documented', () => {
  it('[settings] ipv4_prefix / ipv6_prefix, and the same per jail', () => {
    const prefixes = knownKeys(['settings'])!.filter((key) => key.endsWith('_prefix'));
    expect(prefixes.sort()).toEqual(['ipv4_prefix', 'ipv6_prefix']);
    for (const key of prefixes) {
      expect(exampleTable('[settings]')).toMatch(new RegExp(`^${key} = `, 'm'));
      expect(exampleTable('[jails.sshd]')).toMatch(new RegExp(`^# ${key} = `, 'm'));
      expect(readmeBullet('[settings]')).toContain(`\`${key}\``);
      expect(readmeBullet('[jails.NAME]')).toContain(key);
    }
  });

  it('[settings.subnets]', () => {
    const keys = knownKeys(['settings', 'subnets'])!;
    expect(keys.length).toBeGreaterThanOrEqual(6);
    for (const key of keys) {
      expect(exampleTable('[settings.subnets]')).toMatch(new RegExp(`^${key} = `, 'm'));
      expect(readmeBullet('[settings.subnets]')).toContain(`\`${key}\``);
    }
  });

  it('[blocklists.NAME]', () => {
    const keys = knownKeys(['blocklists', 'any'])!;
    expect(keys).toEqual(expect.arrayContaining(['source', 'refresh', 'format', 'min_count', 'max_entries']));
    const described = example.slice(example.indexOf('# [blocklists.NAME]'));
    for (const key of keys) {
      expect(described).toMatch(new RegExp(`^#   ${key} +=`, 'm'));
      expect(readmeSection('Blocklists')).toContain(`\`${key}\``);
    }
  });
});
