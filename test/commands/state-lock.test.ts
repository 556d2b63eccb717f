import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, currentHolder, lockText, LockHeld, parseHolder } from '../../src/commands/state-lock.js';
import { ROOT } from '../helpers/cli.js';
import { makeTempDir, type TempDir } from '../helpers/temp-dir.js';
import { waitFor } from '../helpers/wait.js';

let temp: TempDir;
let stateDir: string;
let lockFile: string;
const children: ChildProcess[] = [];

beforeEach(() => {
  temp = makeTempDir('portcullis-lock-');
  stateDir = path.join(temp.dir, 'state');
  lockFile = path.join(stateDir, 'portcullis.lock');
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  }
  temp.remove();
});

/** A process that tries the lock, prints `won` or `held`, and keeps running (holding it if won). */
function locker(): { child: ChildProcess; said: () => string } {
  const script = [
    `import { acquireLock } from ${JSON.stringify(path.join(ROOT, 'src/commands/state-lock.ts'))};`,
    `try { acquireLock(${JSON.stringify(stateDir)}); console.log('won'); }`,
    `catch (err) { console.log(err.name === 'LockHeld' ? 'held' : 'error ' + err.message); }`,
    'setInterval(() => {}, 1000);',
  ].join('\n');
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return { child, said: () => out.trim() };
}

function sleeper(): ChildProcess {
  const child = spawn('sleep', ['120'], { stdio: 'ignore' });
  children.push(child);
  return child;
}

const killed = (child: ChildProcess): Promise<unknown> => {
  child.kill('SIGKILL');
  return new Promise((resolve) => child.once('exit', resolve));
};

describe('acquireLock', () => {
  it('names this process by pid, start time and boot id, and release removes it', () => {
    const lock = acquireLock(stateDir);
    const holder = parseHolder(readFileSync(lockFile, 'utf8'));
    expect(holder).toEqual(currentHolder(process.pid));
    expect(holder!.bootId).toBe(readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
    expect(statSync(lockFile).mode & 0o777).toBe(0o600);
    lock.release();
    expect(existsSync(lockFile)).toBe(false);
    expect(readdirSync(stateDir)).toEqual([]);
  });

  it('makes the state folder 0700, also one that existed wider', () => {
    temp.write('state/keep', 'x');
    chmodSync(stateDir, 0o755);
    acquireLock(stateDir).release();
    expect(statSync(stateDir).mode & 0o777).toBe(0o700);
  });

  it('refuses while a live holder runs, and takes over once it was killed', async () => {
    const holder = locker();
    await waitFor(() => holder.said() !== '', 'the first process to take the lock', 20_000);
    expect(holder.said()).toBe('won');
    expect(() => acquireLock(stateDir)).toThrow(LockHeld);
    expect(() => acquireLock(stateDir)).toThrow(`another portcullis (pid ${holder.child.pid}) is running`);
    await killed(holder.child);
    const lock = acquireLock(stateDir);
    expect(parseHolder(readFileSync(lockFile, 'utf8'))?.pid).toBe(process.pid);
    lock.release();
  }, 30_000);

  it('a lock naming a live unrelated process (the pid reused after a crash or reboot) does not stop acquisition', () => {
    const other = sleeper();
    const pid = other.pid!;
    // The old format: a bare pid, which is alive.
    temp.write('state/portcullis.lock', `${pid}\n`);
    acquireLock(stateDir).release();
    // The pid of a process that started at another time: the daemon that crashed, not this sleep.
    const real = currentHolder(pid)!;
    writeFileSync(lockFile, lockText({ ...real, startTime: String(Number(real.startTime) - 1) }));
    acquireLock(stateDir).release();
    // The same pid and start time, but in an earlier boot.
    writeFileSync(lockFile, lockText({ ...real, bootId: '00000000-0000-0000-0000-000000000000' }));
    acquireLock(stateDir).release();
    // A lock that names that very process is held.
    writeFileSync(lockFile, lockText(real));
    expect(() => acquireLock(stateDir)).toThrow(`pid ${pid}`);
  });

  it('a lock naming a process that no longer exists is taken over', async () => {
    const gone = sleeper();
    const record = currentHolder(gone.pid!)!;
    await killed(gone);
    temp.write('state/portcullis.lock', lockText(record));
    acquireLock(stateDir).release();
  });

  it('six processes racing for a stale lock: exactly one wins', async () => {
    temp.write('state/portcullis.lock', lockText({ pid: 999_999_999, startTime: '1', bootId: 'gone' }));
    const racers = Array.from({ length: 6 }, () => locker());
    await waitFor(() => racers.every((r) => r.said() !== ''), 'every racer to answer', 30_000, 20);
    const said = racers.map((r) => r.said()).sort();
    expect(said).toEqual(['held', 'held', 'held', 'held', 'held', 'won']);
    const winner = racers.find((r) => r.said() === 'won')!;
    expect(parseHolder(readFileSync(lockFile, 'utf8'))?.pid).toBe(winner.child.pid);
  }, 40_000);
});
