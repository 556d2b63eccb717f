import { useEffect, useState } from 'react';

/**
 * The current time, updated every `everyMs` (for "time left" columns and countdowns); frozen
 * while `everyMs` is null, so a pane kept mounted but hidden draws no frames of its own.
 */
export function useNow(everyMs: number | null = 1000): number {
  const [now, setNow] = useState(Date.now);
  useEffect(() => {
    if (everyMs === null) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
