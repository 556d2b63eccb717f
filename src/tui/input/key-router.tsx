import { useInput, useStdin, type Key } from 'ink';
import { createContext, useCallback, useContext, useLayoutEffect, useRef, useState, type ReactNode } from 'react';
import { KeySplitter, type KeyPress } from './split-keys.js';

/** Something listening for keys: its handler and whether it listens now, as of the last commit. */
interface Listener {
  current: { onKey: (key: KeyPress) => void; active: boolean };
}

/** The keys' one way in: listeners register here instead of with Ink. */
export interface KeyRouter {
  add(listener: Listener): () => void;
}

const KeyRouterContext = createContext<KeyRouter | null>(null);

/** Sent through Ink's input emitter to deliver the next queued key in a later turn. */
const NEXT_KEY = '\u0000portcullis:next-key';

/**
 * Takes every key from Ink and hands them to the listeners one at a time, in the order typed.
 * A key is handled at once when none is in flight; the next one (of the same read, or of reads
 * that came quicker than React commits) waits until the frame the previous key caused has been
 * committed: the listeners then see the state that key left (a form it opened, the text it
 * typed), exactly as when the keys are typed slowly. Listeners' handlers are read through refs
 * set at commit.
 */
export function KeyRouterProvider({ children }: { children: ReactNode }) {
  const listeners = useRef<Listener[]>([]);
  const queue = useRef<KeyPress[]>([]);
  const splitter = useRef(new KeySplitter());
  const { internal_eventEmitter: emitter } = useStdin();
  const router = useRef<KeyRouter>({
    add(listener) {
      listeners.current.push(listener);
      return () => {
        listeners.current = listeners.current.filter((l) => l !== listener);
      };
    },
  });

  const deliver = useCallback((key: KeyPress): void => {
    for (const listener of [...listeners.current]) {
      if (listener.current.active) listener.current.onKey(key);
    }
  }, []);

  // A key was handed out and React has not yet committed what it did: the next one waits.
  const inFlight = useRef(false);
  const onInput = useCallback(
    (input: string, key: Key): void => {
      const waiting = queue.current;
      if (input === NEXT_KEY) inFlight.current = false;
      else waiting.push(...splitter.current.split(input, key));
      if (inFlight.current) return;
      const next = waiting.shift();
      if (!next) return;
      deliver(next);
      // Rendered in the same commit as whatever the key changed; this provider's layout effect
      // runs after every listener's in that commit, and lets the next key go.
      inFlight.current = true;
      setDelivered((n) => n + 1);
    },
    [deliver],
  );
  const [delivered, setDelivered] = useState(0);
  useLayoutEffect(() => {
    if (delivered === 0) return;
    // Out of the commit first; through Ink again, so the next key is batched like one read from the terminal.
    setImmediate(() => emitter.emit('input', NEXT_KEY));
  }, [delivered, emitter]);
  useInput(onInput);
  return <KeyRouterContext.Provider value={router.current}>{children}</KeyRouterContext.Provider>;
}

/**
 * Calls `onKey` for every key press while `active`: the console's only way to read keys. The
 * latest `onKey` is used (set at commit), so a handler never acts on an earlier frame's state.
 */
export function useKeys(onKey: (key: KeyPress) => void, options: { active?: boolean } = {}): void {
  const router = useContext(KeyRouterContext);
  if (!router) throw new Error('useKeys outside <KeyRouterProvider>');
  const listener = useRef<Listener['current']>({ onKey, active: options.active ?? true });
  useLayoutEffect(() => {
    listener.current = { onKey, active: options.active ?? true };
  });
  useLayoutEffect(() => router.add(listener), [router]);
}
