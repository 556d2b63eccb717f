import type { ControlChannel } from '../../control/channel.js';

/** A firewall apply waiting for confirmation: rolled back at `deadline` (epoch ms) unless confirmed. */
export interface PendingApplyView {
  deadline: number;
}

/** What `firewall show` says is pending; undefined when it cannot be asked (read-only, no firewall). */
export async function readPendingApply(channel: ControlChannel): Promise<PendingApplyView | null | undefined> {
  try {
    const shown = await channel.request({ command: 'firewall', action: 'show' });
    if (shown.action !== 'show') return null;
    return shown.data.pending ? { deadline: shown.data.pending.deadline } : null;
  } catch {
    return undefined;
  }
}
