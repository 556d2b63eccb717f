import { execFile } from 'node:child_process';

/**
 * The gid of a group name, through the system's own lookup (`getent group`, so groups from
 * LDAP or sssd count as they do for login). Fails naming the config key when there is no such
 * group, so the operator knows what to fix.
 */
export function resolveSocketGroup(name: string): Promise<number> {
  return new Promise((resolve, reject) => {
    execFile('getent', ['group', name], { timeout: 10_000 }, (err, stdout) => {
      const fields = stdout.split('\n')[0]?.split(':') ?? [];
      const gid = Number(fields[2]);
      if (!err && fields[0] === name && Number.isSafeInteger(gid) && gid >= 0) return resolve(gid);
      // getent exits 2 for "no such key"; anything else means the lookup itself failed.
      const code = (err as { code?: unknown } | null)?.code;
      if (err && code !== 2) {
        return reject(new Error(`[daemon] socket_group = ${JSON.stringify(name)}: cannot look the group up: ${code === 'ENOENT' ? 'getent is not installed' : err.message}`));
      }
      reject(new Error(`[daemon] socket_group = ${JSON.stringify(name)}: no such group on this system`));
    });
  });
}
