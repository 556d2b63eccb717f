import { writeOverlay } from '../config/index.js';
import { banColumnsAnswer, packEachBan, type CommandHandlers } from '../control/index.js';
import { checkAddress, ownSessionConflict } from '../net/index.js';
import { blocklistHandlers } from './blocklist-handlers.js';
import { applyOverlayChange, configHandlers } from './config-handlers.js';
import type { DaemonParts } from './daemon-parts.js';
import { filterHandlers } from './filter-handlers.js';
import { filterListHandler } from './filter-list-handler.js';
import { firewallHandler } from './firewall-handler.js';

export type { DaemonParts } from './daemon-parts.js';

/** One handler per control command, over the running engine. */
export function daemonHandlers(parts: DaemonParts): CommandHandlers {
  const { engine, log, configPath } = parts;
  return {
    status: async (req) => ({
      ...engine.status({ bannedIps: req.bannedIps ?? true }),
      mail: parts.mail?.status() ?? null,
      ...(parts.blocklists?.configured ? { blocklists: parts.blocklists.summary() } : {}),
    }),
    bans: async () => engine.list(),
    'ban-columns': async (req) => {
      // The order of the bans now; each part read from the table as it is sent.
      const order = engine.listingOrder();
      return banColumnsAnswer(order.slots.length, req.part, (from, to) => packEachBan((visit) => engine.eachListedIn(order, from, to, visit)));
    },
    ban: async (req) => {
      const own = ownSessionConflict(req.ip, req.session ?? parts.operatorSession ?? null);
      if (own) throw new Error(own);
      if (req.jail !== undefined && !engine.config.jails[req.jail]) throw new Error(`no jail named "${req.jail}"`);
      return engine.bans.banManually(req.ip, { ...(req.seconds !== undefined ? { seconds: req.seconds } : {}), ...(req.jail ? { jail: req.jail } : {}) });
    },
    unban: async (req) => {
      if (req.all) return { unbanned: await engine.bans.unbanAll() };
      if (!req.ip) throw new Error('unban needs an address or "all"');
      if (!(await engine.bans.unban(req.ip))) throw new Error(`${req.ip} is not banned`);
      return { unbanned: 1 };
    },
    trust: async (req) => {
      if (req.action === 'list') return { action: 'list', ranges: engine.trusted.list() };
      if (!req.range) throw new Error(`trust ${req.action} needs an IP or CIDR`);
      // Reported as it is kept: 10.1.2.3/24 is trusted as 10.1.2.0/24.
      const range = checkAddress(req.range).text;
      if (req.action === 'add') return { action: 'add', range, unbanned: await engine.bans.trust(range, req.note ?? '') };
      return { action: 'rm', range, removed: await engine.bans.untrust(range) };
    },
    jails: async () => engine.status({ bannedIps: true }).jails,
    jail: async (req) => {
      if (!engine.config.jails[req.name]) throw new Error(`no jail named "${req.name}"`);
      // Run-time edits go to the overlay file, never to the administrator's own config.
      await applyOverlayChange(parts, () => writeOverlay(configPath, { jails: { [req.name]: { enabled: req.enabled } } }));
      log.notice(req.name, `Jail ${req.enabled ? 'enabled' : 'disabled'} at run time`);
      parts.emit?.({ event: 'config', data: { change: 'jail', name: req.name } });
      return { name: req.name, enabled: req.enabled };
    },
    reload: async () => {
      const message = await parts.reload();
      parts.emit?.({ event: 'config', data: { change: 'reload' } });
      return { message };
    },
    logs: async (req) => {
      const entries = log.entries();
      return req.limit ? entries.slice(-req.limit) : entries;
    },
    firewall: firewallHandler(parts),
    activity: async () => engine.activity.report(),
    ...configHandlers(parts),
    ...filterHandlers(parts),
    ...filterListHandler(parts),
    ...blocklistHandlers(parts),
    why: async (req) => {
      const ip = checkAddress(req.ip).text;
      const record = engine.bans.get(ip);
      return { ip, banned: record !== undefined, ...(record ? { record } : {}), history: engine.history(ip) };
    },
  };
}
