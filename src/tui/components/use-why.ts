import { useEffect, useState } from 'react';
import type { WhyResult } from '../../control/protocol.js';
import type { ConsoleModel } from '../model/console-model.js';

/** The engine's `why` for `ip` (null while asked, or when `ip` is null); asked again when its ban changes. */
export function useWhy(model: ConsoleModel, ip: string | null): { result: WhyResult | null; error: string | null } {
  const [answer, setAnswer] = useState<{ ip: string; result: WhyResult | null; error: string | null } | null>(null);
  const record = ip ? model.bans.get(ip) : undefined;
  useEffect(() => {
    if (!ip) return;
    let live = true;
    model.request({ command: 'why', ip }).then(
      (result) => live && setAnswer({ ip, result, error: null }),
      (err: Error) => live && setAnswer({ ip, result: null, error: err.message }),
    );
    return () => {
      live = false;
    };
  }, [model, ip, record]);
  return answer && answer.ip === ip ? answer : { result: null, error: null };
}
