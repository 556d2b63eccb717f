import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DryRunBackend } from '../../src/firewall/dry-run-backend.js';
import { ApplyRefused, RuleApplier } from '../../src/firewall/rule-applier.js';
import type { RuleSet } from '../../src/firewall/types.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';

const DRAFT: RuleSet = {
  defaultPolicy: 'drop',
  rules: [{ name: 'ssh', direction: 'in', action: 'allow', protocol: 'tcp', ports: [22], sources: [], comment: '' }],
};

let tmp: TempDir;
let now = 1_000_000;
beforeEach(() => {
  tmp = makeTempDir('portcullis-applier-');
  now = 1_000_000;
});
afterEach(() => tmp.remove());

const make = (backend = new DryRunBackend()) => ({ backend, applier: new RuleApplier(backend, tmp.dir, () => now) });

describe('RuleApplier', () => {
  it('applies, then keeps the rules on confirm', async () => {
    const { backend, applier } = make();
    await applier.apply(DRAFT, 60);
    expect(backend.appliedRules).toEqual(DRAFT);
    expect(applier.pending()?.deadline).toBe(1_060_000);
    await applier.confirm();
    expect(applier.pending()).toBeNull();
    expect(applier.current()).toEqual(DRAFT);
  });

  it('refuses a second apply while one is pending', async () => {
    const { applier } = make();
    await applier.apply(DRAFT, 60);
    now += 15_000;
    await expect(applier.apply(DRAFT, 60)).rejects.toThrow(/another apply is waiting for confirmation \(45 s left\)/);
    await expect(applier.apply(DRAFT, 60)).rejects.toBeInstanceOf(ApplyRefused);
  });

  it('rolls back to the previous rules when the deadline passes unconfirmed', async () => {
    const { backend, applier } = make();
    await applier.apply(DRAFT, 60);
    await applier.confirm();
    const next: RuleSet = { defaultPolicy: 'drop', rules: [] };
    await applier.apply(next, 60);
    expect(backend.appliedRules).toEqual(next);
    now += 59_000;
    expect(await applier.recover()).toBe('waiting');
    now += 2_000;
    expect(await applier.recover()).toBe('rolled-back');
    expect(backend.appliedRules).toEqual(DRAFT);
    expect(applier.current()).toEqual(DRAFT);
  });

  it('survives a crash: a new applier on the same state folder finds the pending apply and restores', async () => {
    const file = path.join(tmp.dir, 'dry-run-firewall.json');
    const first = make(new DryRunBackend(file));
    await first.applier.apply(DRAFT, 60);
    // The process dies here. The next start:
    const second = make(new DryRunBackend(file));
    expect(second.applier.pending()?.applied).toEqual(DRAFT);
    expect(await second.applier.recover(true)).toBe('rolled-back');
    expect(second.backend.appliedRules).toEqual({ defaultPolicy: 'accept', rules: [] });
    expect(existsSync(path.join(tmp.dir, 'firewall-pending.json'))).toBe(false);
  });

  it('leaves nothing pending when the backend refuses the rules', async () => {
    const backend = new DryRunBackend();
    const { applier } = make(backend);
    const bad: RuleSet = { defaultPolicy: 'drop', rules: [{ ...DRAFT.rules[0]!, sources: ['not-an-ip'] }] };
    await expect(applier.apply(bad, 60)).rejects.toThrow(/not an IP address or CIDR/);
    expect(applier.pending()).toBeNull();
  });

  it('says so when there is nothing to confirm or roll back', async () => {
    const { applier } = make();
    await expect(applier.confirm()).rejects.toThrow(/nothing to confirm/);
    await expect(applier.rollback()).rejects.toThrow(/nothing to roll back/);
  });
});

describe('RuleApplier when the backend fails half-way', () => {
  it('puts the previous rules back at once and leaves nothing pending', async () => {
    const backend = new DryRunBackend();
    const applied: RuleSet[] = [];
    const real = backend.applyRules.bind(backend);
    backend.applyRules = async (rules: RuleSet) => {
      applied.push(rules);
      await real(rules); // half of it made it to the kernel, say the IPv4 family...
      if (rules === DRAFT) throw new Error('ip6tables-restore failed');
    };
    const applier = new RuleApplier(backend, tmp.dir, () => now);
    await expect(applier.apply(DRAFT, 60)).rejects.toThrow(/ip6tables-restore failed/);
    expect(applied.at(-1)).toEqual({ defaultPolicy: 'accept', rules: [] });
    expect(backend.appliedRules).toEqual({ defaultPolicy: 'accept', rules: [] });
    expect(applier.pending()).toBeNull();
  });
});
