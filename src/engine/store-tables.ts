import type Database from 'better-sqlite3';
import type { StoredFailure, StoredMail } from './types.js';

/** The statements of the failures and mail_queue tables (schema version 2). */
export function prepareQueueStatements(db: Database.Database) {
  const s = {
    addFailure: db.prepare('INSERT INTO failures (jail, ip, time, line) VALUES (@jail, @ip, @time, @line)'),
    clearFailures: db.prepare<[string, string]>('DELETE FROM failures WHERE jail = ? AND ip = ?'),
    clearJail: db.prepare<[string]>('DELETE FROM failures WHERE jail = ?'),
    failures: db.prepare<[string, number], StoredFailure>(
      'SELECT jail, ip, time, line FROM failures WHERE jail = ? AND time > ? ORDER BY time, rowid',
    ),
    pruneFailures: db.prepare<[string, number]>('DELETE FROM failures WHERE jail = ? AND time <= ?'),
    enqueueMail: db.prepare(
      'INSERT INTO mail_queue (created_at, subject, text, bans) VALUES (@createdAt, @subject, @text, @bans)',
    ),
    queuedMail: db.prepare<[], StoredMail>(
      'SELECT id, created_at AS createdAt, subject, text, bans FROM mail_queue ORDER BY id',
    ),
    removeMail: db.prepare<[number]>('DELETE FROM mail_queue WHERE id = ?'),
  };
  return {
    ...s,
    clearMany: db.transaction((jail: string, ips: readonly string[]) => {
      for (const ip of ips) s.clearFailures.run(jail, ip);
    }),
    replaceJail: db.transaction((jail: string, failures: readonly StoredFailure[]) => {
      s.clearJail.run(jail);
      for (const failure of failures) s.addFailure.run(failure);
    }),
  };
}
