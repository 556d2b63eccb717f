import { createContext, useContext, useSyncExternalStore } from 'react';
import type { KeyBinding } from './keymap.js';
import type { ConsoleModel } from './model/console-model.js';
import type { Tone } from './theme.js';

/** The panes, in tab order (their number keys are 1..8). */
export const PANE_IDS = ['bans', 'trusted', 'jails', 'logs', 'settings', 'firewall', 'activity', 'blocklists'] as const;
export type PaneId = (typeof PANE_IDS)[number];

/** What the shell shows over the body: nothing, the help, the `:` or `/` line, a confirmation. */
export type Overlay = null | 'help' | 'command' | 'filter' | 'confirm';

/** The shell's UI state, read by every pane. */
export interface UiState {
  pane: PaneId;
  overlay: Overlay;
  /** The text of a pane's `/` filter, by pane. */
  filters: Record<PaneId, string>;
  /** The active pane's current key table, as it published it (modes change it). */
  paneKeys: readonly KeyBinding[];
  /** The active pane is typing into a form: the shell's own keys are off. */
  capture: boolean;
  /** The latest result or error line. */
  message: { text: string; tone: Tone } | null;
  confirm: { question: string } | null;
  readOnly: boolean;
  /** Rows and columns for the body. */
  size: { columns: number; rows: number };
}

/** What panes may ask of the shell. */
export interface UiActions {
  showPane(pane: PaneId): void;
  /** Shows a line under the body: a result (`good`), a refusal (`bad`), ... */
  say(text: string, tone?: Tone): void;
  /** Asks "question (y/N)" and runs `action` on `y`. */
  confirm(question: string, action: () => void): void;
  /** Publishes the active pane's keys (hint bar, help) and whether it is typing into a form. */
  setPaneKeys(pane: PaneId, keys: readonly KeyBinding[], capture: boolean): void;
  /** Says what a pane holds unsaved (`firewall draft`), or null once it is saved or dropped: `q` asks first. */
  setUnsaved(pane: PaneId, what: string | null): void;
  /** Runs a `:` command line, as typed. */
  runCommand(line: string): void;
  /** Runs an engine request and says its outcome; resolves with its result, or undefined on error. */
  run<T>(what: Promise<T>, success?: (result: T) => string): Promise<T | undefined>;
  quit(): void;
}

export const ModelContext = createContext<ConsoleModel | null>(null);
export const UiStateContext = createContext<UiState | null>(null);
export const UiActionsContext = createContext<UiActions | null>(null);

/** The console model, re-rendering the caller whenever it changes. */
export function useModel(): ConsoleModel {
  const model = useContext(ModelContext);
  if (!model) throw new Error('useModel outside <ModelContext.Provider>');
  useSyncExternalStore(model.subscribe, model.getVersion);
  return model;
}

export function useUiState(): UiState {
  const state = useContext(UiStateContext);
  if (!state) throw new Error('useUiState outside <UiStateContext.Provider>');
  return state;
}

export function useUiActions(): UiActions {
  const actions = useContext(UiActionsContext);
  if (!actions) throw new Error('useUiActions outside <UiActionsContext.Provider>');
  return actions;
}

