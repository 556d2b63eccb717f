import { Box, useApp } from 'ink';
import { useMemo, useReducer, useRef, useEffect, type ComponentType } from 'react';
import { PANE_IDS, ModelContext, UiActionsContext, UiStateContext, type PaneId, type UiActions } from '../contexts.js';
import { KeyRouterProvider } from '../input/key-router.js';
import type { ConsoleModel } from '../model/console-model.js';
import type { PaneProps } from '../panes/pane-props.js';
import { useTerminalSize } from '../use-terminal-size.js';
import { BottomLine } from './bottom-line.js';
import { executeCommand } from './execute-command.js';
import { Header, headerRows } from './header.js';
import { HelpOverlay } from './help-overlay.js';
import { HintBar } from './hint-bar.js';
import { initialShellState, shellReducer } from './shell-reducer.js';
import { useGlobalKeys } from './use-global-keys.js';

/** What the console is started with. */
export interface ConsoleAppProps {
  model: ConsoleModel;
  panes: Record<PaneId, ComponentType<PaneProps>>;
  readOnly?: boolean;
  initialPane?: PaneId;
  /** A fixed terminal size (tests); otherwise the terminal's, following resizes. */
  size?: { columns: number; rows: number };
  /** Called on `q` before Ink exits. */
  onQuit?: () => void;
}

/** Header, body and hint bar, the overlays, and the keys that work everywhere. */
export function ConsoleApp(props: ConsoleAppProps) {
  return (
    <KeyRouterProvider>
      <ConsoleShell {...props} />
    </KeyRouterProvider>
  );
}

function ConsoleShell({ model, panes, readOnly = false, initialPane, size: fixedSize, onQuit }: ConsoleAppProps) {
  const size = useTerminalSize(fixedSize);
  const [state, dispatch] = useReducer(shellReducer, { readOnly, pane: initialPane, ...size }, initialShellState);
  const { exit } = useApp();
  const pendingConfirm = useRef<(() => void) | null>(null);
  const sayTimer = useRef<NodeJS.Timeout | null>(null);
  const unsaved = useRef(new Map<PaneId, string>());

  useEffect(() => {
    if (size.columns !== state.size.columns || size.rows !== state.size.rows) dispatch({ type: 'resize', ...size });
  }, [size.columns, size.rows]);

  const actions = useMemo<UiActions>(() => {
    const self: UiActions = {
      showPane: (pane) => dispatch({ type: 'show-pane', pane }),
      say: (text, tone = 'good') => {
        dispatch({ type: 'say', text, tone });
        if (sayTimer.current) clearTimeout(sayTimer.current);
        sayTimer.current = setTimeout(() => dispatch({ type: 'say', text: '', tone: 'muted' }), 15_000);
        sayTimer.current.unref?.();
      },
      confirm: (question, action) => {
        pendingConfirm.current = action;
        dispatch({ type: 'ask', question });
      },
      setPaneKeys: (pane, keys, capture) => dispatch({ type: 'pane-keys', pane, keys, capture }),
      setUnsaved: (pane, what) => {
        if (what) unsaved.current.set(pane, what);
        else unsaved.current.delete(pane);
      },
      runCommand: (line) => executeCommand(line, { model, actions: self, readOnly, openHelp: () => dispatch({ type: 'open', overlay: 'help' }) }),
      run: async (what, success) => {
        try {
          const result = await what;
          const text = success?.(result);
          if (text) self.say(text, 'good');
          model.changed(true);
          return result;
        } catch (err) {
          self.say((err as Error).message, 'bad');
          return undefined;
        }
      },
      quit: () => {
        const leave = (): void => {
          onQuit?.();
          exit();
        };
        const drafts = [...unsaved.current.values()];
        if (drafts.length) self.confirm(`Quit and drop the unsaved ${drafts.join(' and ')}?`, leave);
        else leave();
      },
    };
    return self;
  }, [model, readOnly]);

  useGlobalKeys(state, dispatch, actions, model);

  // Panes stay mounted once shown (hidden while another is active), so a draft, a form's
  // cursor or a paused log survives a look at another pane.
  const visited = useRef(new Set<PaneId>());
  visited.current.add(state.pane);
  const bodyHeight = Math.max(3, state.size.rows - headerRows(model) - 2);
  return (
    <ModelContext.Provider value={model}>
      <UiStateContext.Provider value={state}>
        <UiActionsContext.Provider value={actions}>
          <Box flexDirection="column" width={state.size.columns} height={state.size.rows}>
            <Header />
            <Box height={bodyHeight} flexDirection="column" overflow="hidden">
              {state.overlay === 'help' ? <HelpOverlay height={bodyHeight} /> : null}
              {PANE_IDS.filter((id) => visited.current.has(id)).map((id) => {
                const Pane = panes[id];
                return (
                  <Box key={id} display={id === state.pane && state.overlay !== 'help' ? 'flex' : 'none'} flexDirection="column">
                    <Pane height={bodyHeight} width={state.size.columns} />
                  </Box>
                );
              })}
            </Box>
            <BottomLine
              onCommand={(line) => {
                dispatch({ type: 'close' });
                actions.runCommand(line);
              }}
              onFilter={(text) => dispatch({ type: 'set-filter', text })}
              onFilterDone={(keep) => {
                if (!keep) dispatch({ type: 'clear-filter' });
                dispatch({ type: 'close' });
              }}
              onConfirm={(yes) => {
                const action = pendingConfirm.current;
                pendingConfirm.current = null;
                dispatch({ type: 'close' });
                if (yes) action?.();
                else actions.say('cancelled', 'muted');
              }}
              onClose={() => dispatch({ type: 'close' })}
            />
            <HintBar />
          </Box>
        </UiActionsContext.Provider>
      </UiStateContext.Provider>
    </ModelContext.Provider>
  );
}
