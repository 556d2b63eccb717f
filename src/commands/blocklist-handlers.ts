import type { CommandHandlers } from '../control/index.js';
import type { DaemonParts } from './daemon-parts.js';

/** `blocklists` and `blocklist-update`, over the stack's blocklists. */
export function blocklistHandlers(parts: DaemonParts): Pick<CommandHandlers, 'blocklists' | 'blocklist-update'> {
  return {
    blocklists: async () => (parts.blocklists ? parts.blocklists.rows() : []),
    'blocklist-update': async (request) => {
      if (!parts.blocklists) throw new Error('no blocklists are configured ([blocklists.NAME] in the config)');
      return parts.blocklists.update(request.name);
    },
  };
}
