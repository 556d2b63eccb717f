import type Database from 'better-sqlite3';
import type { StoredFailure, StoredMail, StoredNotice } from './types.js';

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
      "INSERT INTO mail_queue (kind, created_at, subject, text, bans) VALUES ('mail', @createdAt, @subject, @text, @bans)",
    ),
    queuedMail: db.prepare<[], StoredMail>(
      "SELECT id, created_at AS createdAt, subject, text, bans FROM mail_queue WHERE kind = 'mail' ORDER BY id",
    ),
    addNotice: db.prepare<[number, string]>(
      "INSERT INTO mail_queue (kind, created_at, subject, text, bans) VALUES ('notice', ?, '', ?, 1)",
    ),
    queuedNotices: db.prepare<[], StoredNotice>(
      "SELECT id, created_at AS createdAt, text AS json FROM mail_queue WHERE kind = 'notice' ORDER BY id",
    ),
    removeMail: db.prepare<[number]>('DELETE FROM mail_queue WHERE id = ?'),
  };
  return {
    ...s,
    clearMany: db.transaction((jail: string, ips: readonly string[]) => {
      for (const ip of ips) s.clearFailures.run(jail, ip);
    }),
    mailFromNotices: db.transaction((ids: readonly number[], mail: Omit<StoredMail, 'id'>) => {
      for (const id of ids) s.removeMail.run(id);
      return Number(s.enqueueMail.run(mail).lastInsertRowid);
    }),
    replaceJail: db.transaction((jail: string, failures: readonly StoredFailure[]) => {
      s.clearJail.run(jail);
      for (const failure of failures) s.addFailure.run(failure);
    }),
  };
}
