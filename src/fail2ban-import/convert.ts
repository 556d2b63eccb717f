import { join, resolve } from 'node:path';
import { JAIL_NAME } from '../domain/field-rules.js';
import { isIpOrCidr } from '../net/index.js';
import { lookup, type Resolved } from './interpolate.js';
import { readJailFiles, type JailSections } from './jail-files.js';
import { readJailFilter } from './stock-filter.js';
import { readBool, readSeconds, words } from './values.js';

/** Something that was not carried over, with the file and line it came from. */
export interface ImportNote {
  file: string;
  line: number;
  message: string;
}

export interface ImportedEscalation {
  enabled: boolean;
  factor?: number;
  multipliers?: number[];
  maxtime?: number;
  scope?: 'jail' | 'all';
}

export interface ImportedJail {
  name: string;
  /** fail2ban's filter file the jail named, by its absolute path (`<dir>/filter.d/<name>.conf`). */
  filter: string;
  /** `filter = name[mode=aggressive]`'s options, when the filter loads with them. */
  filterOptions?: Record<string, string>;
  logpath: string[];
  ignoreregex: string[];
  backend: 'file' | 'journal';
  journalmatch: string[];
  bantime?: number;
  findtime?: number;
  maxretry?: number;
  actions: Array<'firewall' | 'email'>;
}

export interface ImportResult {
  /** The jail files read, in the order they were applied. */
  files: string[];
  settings: { bantime?: number; findtime?: number; maxretry?: number; escalation?: ImportedEscalation };
  trusted: string[];
  /** Enabled jails only: a disabled fail2ban jail is one whose filter portcullis would still have to compile. */
  jails: ImportedJail[];
  notes: ImportNote[];
  /** For the e-mail action: fail2ban's `destemail` and `sender`, sent through the local mail server. */
  email?: { from: string; to: string[] };
}

const NOT_JAILS = new Set(['DEFAULT', 'INCLUDES', 'Definition', 'Init']);

/** Reads a fail2ban configuration folder and turns its enabled jails into portcullis settings. */
export function importFail2ban(dir: string): ImportResult {
  const { sections, files } = readJailFiles(dir);
  const notes: ImportNote[] = [];
  const note = (where: { file: string; line: number }, message: string): void => {
    notes.push({ file: where.file, line: where.line, message });
  };
  const get = (jail: string, key: string): Resolved | undefined => {
    const value = lookup(sections, jail, key);
    if (value?.missing.length) note(value, `${jail === 'DEFAULT' ? '' : `jail ${jail}: `}${key}: cannot resolve ${[...new Set(value.missing)].join(', ')}`);
    return value;
  };
  const result: ImportResult = { files, settings: {}, trusted: [], jails: [], notes };
  result.settings = readSettings(get, note);
  result.trusted = readTrusted(get, note);
  for (const name of sections.keys()) {
    if (NOT_JAILS.has(name)) continue;
    const enabled = get(name, 'enabled');
    if (!enabled || readBool(enabled.text) !== true) continue;
    if (!JAIL_NAME.test(name)) {
      note(enabled, `jail ${name}: portcullis jail names may only use letters, digits, "_", "." and "-"; left out`);
      continue;
    }
    const jail = readJail(dir, name, enabled, sections, get, note, result.settings);
    if (!jail) continue;
    if (jail.backend === 'file' && jail.logpath.length === 0) {
      note(get(name, 'logpath') ?? enabled, `jail ${name}: no logpath; left out`);
      continue;
    }
    result.jails.push(jail);
  }
  const mailer = result.jails.find((jail) => jail.actions.includes('email'));
  if (mailer) result.email = readEmail(get, note, mailer.name);
  return result;
}

type Get = (jail: string, key: string) => Resolved | undefined;
type Note = (where: { file: string; line: number }, message: string) => void;

function readTime(get: Get, note: Note, jail: string, key: string, allowPermanent: boolean): number | undefined {
  const value = get(jail, key);
  if (!value) return undefined;
  const seconds = readSeconds(value.text, allowPermanent);
  if (seconds === undefined) note(value, `${jail === 'DEFAULT' ? '' : `jail ${jail}: `}${key} = ${value.text}: not a time portcullis can read`);
  return seconds;
}

function readCount(get: Get, note: Note, jail: string, key: string): number | undefined {
  const value = get(jail, key);
  if (!value) return undefined;
  if (/^\d+$/.test(value.text.trim()) && Number(value.text) >= 1) return Number(value.text);
  note(value, `${jail === 'DEFAULT' ? '' : `jail ${jail}: `}${key} = ${value.text}: expected a whole number >= 1`);
  return undefined;
}

function readSettings(get: Get, note: Note): ImportResult['settings'] {
  const settings: ImportResult['settings'] = {
    bantime: readTime(get, note, 'DEFAULT', 'bantime', true),
    findtime: readTime(get, note, 'DEFAULT', 'findtime', false),
    maxretry: readCount(get, note, 'DEFAULT', 'maxretry'),
  };
  const increment = get('DEFAULT', 'bantime.increment');
  if (increment && readBool(increment.text) === true) settings.escalation = readEscalation(get, note, settings.bantime);
  for (const key of ['bantime.rndtime', 'bantime.formula']) {
    const value = get('DEFAULT', key);
    if (value && value.text.trim() !== '') note(value, `${key}: portcullis has no equivalent; left out`);
  }
  return settings;
}

/**
 * fail2ban's default growth is `bantime × 2^count × factor` (count = earlier bans), capped at
 * maxtime; portcullis multiplies `bantime` by its own multipliers, so that becomes the
 * multipliers 1, 2·factor, 4·factor, ... up to the cap. Explicit multipliers carry over as they are.
 */
function readEscalation(get: Get, note: Note, bantime: number | undefined): ImportedEscalation {
  const escalation: ImportedEscalation = { enabled: true };
  const maxtime = readTime(get, note, 'DEFAULT', 'bantime.maxtime', false);
  if (maxtime !== undefined) escalation.maxtime = maxtime;
  const overall = get('DEFAULT', 'bantime.overalljails');
  escalation.scope = overall && readBool(overall.text) === true ? 'all' : 'jail';
  const multipliers = get('DEFAULT', 'bantime.multipliers');
  const factorValue = get('DEFAULT', 'bantime.factor');
  const factor = factorValue ? Number(factorValue.text) : 1;
  if (factorValue && !(Number.isFinite(factor) && factor > 0)) note(factorValue, `bantime.factor = ${factorValue.text}: expected a number > 0; 1 used`);
  if (multipliers && multipliers.text.trim() !== '') {
    const list = words(multipliers.text).map(Number);
    if (list.every((n) => Number.isFinite(n) && n > 0)) {
      escalation.multipliers = list;
      return escalation;
    }
    note(multipliers, `bantime.multipliers = ${multipliers.text}: expected numbers > 0; left out`);
  }
  const f = Number.isFinite(factor) && factor > 0 ? factor : 1;
  if (f === 1) {
    escalation.factor = 2;
    return escalation;
  }
  const cap = maxtime !== undefined && bantime !== undefined && bantime > 0 ? maxtime / bantime : 2 ** 20 * f;
  const list = [1];
  for (let n = 1; n <= 20 && list[list.length - 1]! < cap; n++) list.push(2 ** n * f);
  escalation.multipliers = list;
  return escalation;
}

function readTrusted(get: Get, note: Note): string[] {
  const value = get('DEFAULT', 'ignoreip');
  if (!value) return [];
  const ranges: string[] = [];
  for (const word of words(value.text)) {
    if (isIpOrCidr(word)) ranges.push(word);
    else note(value, `ignoreip: ${word} is not an address or range (a DNS name is not resolved); left out`);
  }
  return ranges;
}

/** One enabled jail, or null when its filter cannot run here (noted with the line that names it). */
function readJail(dir: string, name: string, enabled: Resolved, sections: JailSections, get: Get, note: Note, defaults: ImportResult['settings']): ImportedJail | null {
  const filter = readJailFilter(name, join(resolve(dir), 'filter.d'), get(name, 'filter'), enabled, note);
  if (!filter) return null;
  const jail: ImportedJail = { name, filter: filter.file, logpath: [], ignoreregex: [], backend: 'file', journalmatch: [], actions: [] };
  if (filter.options) jail.filterOptions = filter.options;
  const backend = get(name, 'backend');
  const backendName = backend?.text.trim().replace(/\[.*$/s, '') ?? 'auto';
  if (backendName === 'systemd') {
    jail.backend = 'journal';
    if (backend && /\[/.test(backend.text)) note(backend, `jail ${name}: backend options ${backend.text.trim()} are not carried over`);
    const match = get(name, 'journalmatch');
    if (match && match.text.trim() !== '') jail.journalmatch = [match.text.split('\n').join(' ').trim()];
  } else {
    if (backend && !['auto', 'polling', 'pyinotify', 'gamin'].includes(backendName)) note(backend, `jail ${name}: backend ${backendName} is not known; files are read`);
    const logpath = get(name, 'logpath');
    for (const line of (logpath?.text ?? '').split('\n')) {
      const path = line.trim().replace(/\s+(head|tail)$/, '');
      if (path !== '') jail.logpath.push(path);
    }
  }
  // A jail's ignoreregex adds to its filter's, in fail2ban as in portcullis.
  const ignore = get(name, 'ignoreregex');
  jail.ignoreregex = (ignore?.text ?? '').split('\n').map((line) => line.trim()).filter(Boolean);
  for (const key of ['port', 'protocol'] as const) {
    const value = sections.get(name)?.get(key);
    if (value) note(value, `jail ${name}: ${key} = ${value.text.trim()}: portcullis bans all ports and protocols`);
  }
  const bantime = readTime(get, note, name, 'bantime', true);
  const findtime = readTime(get, note, name, 'findtime', false);
  const maxretry = readCount(get, note, name, 'maxretry');
  if (bantime !== undefined && bantime !== defaults.bantime) jail.bantime = bantime;
  if (findtime !== undefined && findtime !== defaults.findtime) jail.findtime = findtime;
  if (maxretry !== undefined && maxretry !== defaults.maxretry) jail.maxretry = maxretry;
  for (const key of ['bantime.increment', 'bantime.factor', 'bantime.maxtime', 'bantime.multipliers', 'ignoreip']) {
    const value = sections.get(name)?.get(key);
    if (value) note(value, `jail ${name}: ${key} per jail is not carried over (portcullis has one for all jails)`);
  }
  readActions(name, get, note, jail);
  return jail;
}

function readActions(name: string, get: Get, note: Note, jail: ImportedJail): void {
  const action = get(name, 'action');
  const add = (kind: 'firewall' | 'email'): void => {
    if (!jail.actions.includes(kind)) jail.actions.push(kind);
  };
  for (const line of (action?.text ?? '').split('\n')) {
    const actionName = /^\s*([^[\s]+)/.exec(line)?.[1];
    if (!actionName || !action) continue;
    if (/^(iptables|nftables|firewallcmd)/.test(actionName)) add('firewall');
    else if (/^(mail|sendmail)/.test(actionName)) add('email');
    else note(action, `jail ${name}: action ${actionName} has no portcullis equivalent; left out`);
  }
  if (jail.actions.length === 0) {
    add('firewall');
    if (action) note(action, `jail ${name}: no firewall action carried over; the firewall action is used`);
  }
}

function readEmail(get: Get, note: Note, jail: string): { from: string; to: string[] } {
  const plain = (value: Resolved | undefined, fallback: string): string => {
    const text = value?.text.trim() ?? '';
    if (/^[^\s<>@]+@[A-Za-z0-9.-]+$/.test(text)) return text;
    if (value) note(value, `${text}: not a plain e-mail address; ${fallback} used`);
    return fallback;
  };
  const to = plain(get(jail, 'destemail'), 'root@localhost');
  const from = plain(get(jail, 'sender'), 'root@localhost');
  return { from, to: [to] };
}
