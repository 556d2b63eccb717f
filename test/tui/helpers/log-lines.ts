/** An sshd failure line from `ip`, dated now in the local time zone (syslog style). */
export function sshFailure(ip: string, user = 'root'): string {
  const now = new Date();
  const month = now.toLocaleString('en-US', { month: 'short' });
  const time = [now.getHours(), now.getMinutes(), now.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
  return `${month} ${String(now.getDate()).padStart(2, ' ')} ${time} host sshd[4242]: Failed password for ${user} from ${ip} port 52814 ssh2`;
}
