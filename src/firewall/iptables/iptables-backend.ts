import { ExclusiveQueue } from '../../domain/exclusive-queue.js';
import { checkAddress } from '../../net/index.js';
import { CommandSession, runCommand, type SessionProtocol } from '../run-command.js';
import { withScriptFile } from '../script-file.js';
import type { BanEntry, CommandTarget, FirewallBackend, LiveRuleset, RuleSet } from '../types.js';
import { rawStartLines, startLines, stopLines } from './chain-script.js';
import {
  banScript,
  checkBan,
  checkTrusted,
  createMissingScript,
  destroyScript,
  parseSetHeaders,
  parseSetSave,
  replaceBansScript,
  replaceScript,
  type SetMember,
  unbanScript,
} from './ipset-script.js';
import { listChainStopLines } from './list-chain.js';
import { allSetNames, FAMILIES, familyTools, LIST_SET_PREFIX, setName, type Family, type SetKind } from './names.js';
import { rulesRestoreScripts } from './rules-script.js';
import { filterTable, OWN_TABLES, parseSave, splitSave } from './save-parser.js';


/**
 * `ipset -exist -`: one command per line; `version` answers without the kernel and marks the end.
 * ipset writes to a pipe through a full stdio buffer, so coreutils' `stdbuf -oL` makes each
 * answer arrive when it is written.
 */
/** Set changes of up to this many lines go through the session; more through a file (see ipsetChange). */
const SESSION_LINES = 1000;

const IPSET_SESSION: SessionProtocol = {
  argv: ['stdbuf', '-oL', 'ipset', '-exist', '-'],
  join: (lines) => lines.join('\n'),
  sentinel: 'version',
  answer: 'protocol version',
};

/**
 * Bans in ipset sets (`portcullis-bans4/6`, `portcullis-trusted4/6`) matched from our own chains,
 * PORTCULLIS-BANS (raw table, from PREROUTING: before connection tracking) and PORTCULLIS-RULES
 * (filter table, from INPUT), for iptables and ip6tables. Every change is one bulk
 * `ipset restore` or one `iptables-restore --noflush` per family; the host's own rules are never
 * rewritten. Calls are serialised so that two replaces never share the temporary sets.
 */
export class IptablesBackend implements FirewallBackend {
  readonly name = 'iptables' as const;
  private readonly queue = new ExclusiveQueue();
  private readonly session: CommandSession;

  constructor(private readonly target: CommandTarget = {}) {
    this.session = new CommandSession(IPSET_SESSION, target);
  }

  async start(trusted: string[]): Promise<void> {
    const members = trusted.flatMap(checkTrusted);
    return this.exclusive(async () => {
      // Only what differs changes, so a second start leaves even the sets' identities alone.
      const existing = await this.existingSets();
      const trustedSame = await this.setsHoldExactly('trusted', members, existing);
      await this.ipset(createMissingScript(existing) + (trustedSame ? '' : replaceScript('trusted', members)));
      for (const family of FAMILIES) {
        const tables = parseSave(await this.save(family));
        const lines = [...rawStartLines(filterTable(tables, 'raw'), family), ...startLines(filterTable(tables))];
        if (lines.length > 0) await this.restore(family, lines);
      }
      this.session.warm();
    });
  }

  async stop(options: { removeBans?: boolean } = {}): Promise<void> {
    return this.exclusive(async () => {
      for (const family of FAMILIES) {
        const tables = parseSave(await this.save(family));
        // The blocklists' chain goes with ours (their sets stay with the bans unless those go too).
        const lists = listChainStopLines(filterTable(tables, 'raw'));
        if (lists.length > 0) await this.restore(family, lists);
        const lines = OWN_TABLES.flatMap((name) => stopLines(filterTable(tables, name)));
        if (lines.length > 0) await this.restore(family, lines);
      }
      // Sets referenced by a rule cannot be destroyed, so this comes after the chains are gone.
      if (options.removeBans) {
        const lists = [...(await this.existingSets())].filter((name) => name.startsWith(LIST_SET_PREFIX));
        await this.ipset(destroyScript([...allSetNames(), ...lists]));
      }
    });
  }

  async ban(entries: BanEntry[]): Promise<void> {
    const members = entries.map(checkBan);
    return this.exclusive(() => this.ipsetChange(banScript(members), members.length));
  }

  async unban(addresses: string[]): Promise<void> {
    const members = addresses.map((a) => checkAddress(a));
    return this.exclusive(() => this.ipsetChange(unbanScript(members), members.length));
  }

  async replaceBans(entries: Iterable<BanEntry>): Promise<void> {
    // The script is made as ipset reads it, once this command's turn comes.
    return this.exclusive(async () => {
      await this.run(['ipset', 'restore', '-exist'], replaceBansScript(entries));
    });
  }

  async listBans(): Promise<string[]> {
    return this.exclusive(async () => {
      const existing = await this.existingSets();
      // concat, not push(...): a spread of two million arguments overflows the stack.
      const [v4, v6] = [await this.setContent('bans', 4, existing), await this.setContent('bans', 6, existing)];
      return v4.concat(v6);
    });
  }

  async setTrusted(ranges: string[]): Promise<void> {
    const members = ranges.flatMap(checkTrusted);
    return this.exclusive(() => this.ipset(replaceScript('trusted', members)));
  }

  planRules(rules: RuleSet): string[] {
    const scripts = rulesRestoreScripts(rules);
    return [...scripts[4], ...scripts[6]];
  }

  async applyRules(rules: RuleSet): Promise<void> {
    // Both scripts are built (and so every rule checked) before either family changes.
    const scripts = rulesRestoreScripts(rules);
    return this.exclusive(async () => {
      for (const family of FAMILIES) await this.restore(family, scripts[family]);
    });
  }

  async live(): Promise<LiveRuleset> {
    return this.exclusive(async () => {
      let managed: string[] = [];
      let foreign: string[] = [];
      for (const family of FAMILIES) {
        const tools = familyTools(family);
        const split = splitSave(await this.save(family), tools.iptables);
        managed = managed.concat(split.managed);
        foreign = foreign.concat([`# ${tools.save}`], split.foreign);
      }
      const counts = parseSetHeaders((await this.run(['ipset', 'list', '-t'])).stdout);
      const bans = FAMILIES.reduce((sum, family) => sum + (counts.get(setName('bans', family)) ?? 0), 0);
      return { backend: this.name, managed, foreign, bans };
    });
  }

  /** Runs `fn` after every call made before it has finished, failed or not. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.queue.run(fn);
  }

  private run(argv: string[], input?: string | Iterable<string>) {
    return runCommand(argv, this.target, input);
  }

  /**
   * Adds or removes set entries: up to SESSION_LINES in the long-lived `ipset -` (no process
   * start before the next ban: a process the size of a daemon holding 100,000 bans pays for
   * every start, 6 s of its CPU for 100,000 bans in small batches), more from a file ipset reads
   * itself. The session needs this process to feed its stdin and read its prompts, one pipe's
   * worth per turn of the event loop; in a flood, while the engine works through a backlog, the
   * session fell behind (5,000 lines took 0.9 s and a million bans piled up 172,000 deep). Only
   * for scripts whose lines stand alone: the session goes on after a failing line, where restore
   * stops; either way the error puts the firewall out of step and the whole state is written again.
   */
  private async ipsetChange(script: string, lines: number): Promise<void> {
    if (script === '') return;
    if (lines <= SESSION_LINES) {
      await this.session.run(script.trimEnd().split('\n'));
      return;
    }
    await withScriptFile(script, (file) => this.run(['ipset', '-exist', '-file', file, 'restore']));
  }

  /** One `ipset restore` for the whole script; nothing runs for an empty one. */
  private async ipset(script: string): Promise<void> {
    if (script !== '') await this.run(['ipset', 'restore', '-exist'], script);
  }

  private async restore(family: Family, lines: string[]): Promise<void> {
    await this.run([familyTools(family).restore, '-w', '--noflush'], `${lines.join('\n')}\n`);
  }

  private async save(family: Family, table?: string): Promise<string> {
    const argv = [familyTools(family).save, ...(table ? ['-t', table] : [])];
    return (await this.run(argv)).stdout;
  }

  /** Addresses in one of our live sets; none when the set does not exist (before the first start). */
  private async setContent(kind: SetKind, family: Family, existing: Set<string>): Promise<string[]> {
    const name = setName(kind, family);
    if (!existing.has(name)) return [];
    return parseSetSave((await this.run(['ipset', 'save', name])).stdout, name);
  }

  /** Whether both families' live sets of `kind` exist and hold exactly `members`. */
  private async setsHoldExactly(kind: SetKind, members: SetMember[], existing: Set<string>): Promise<boolean> {
    for (const family of FAMILIES) {
      if (!existing.has(setName(kind, family))) return false;
      const want = new Set(members.filter((m) => m.family === family).map((m) => m.text));
      const have = new Set(await this.setContent(kind, family, existing));
      if (want.size !== have.size || [...want].some((text) => !have.has(text))) return false;
    }
    return true;
  }

  private async existingSets(): Promise<Set<string>> {
    const { stdout } = await this.run(['ipset', 'list', '-n']);
    return new Set(stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
  }
}
