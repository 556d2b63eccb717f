/** The Ink console: the shell, its panes and the model they read. */
export { ConsoleApp, type ConsoleAppProps } from './shell/app.js';
export { ConsoleModel, type ConsoleMode } from './model/console-model.js';
export { PANES } from './panes/index.js';
export { PANE_IDS, type PaneId } from './contexts.js';
export { setNoColor } from './theme.js';

/**
 * Ink draws at most this many frames a second. A key press waits for the next frame slot, so
 * 60 keeps that wait under 17 ms; a frame costs about 7-10 ms, and frames are only drawn when
 * something changed.
 */
export const CONSOLE_MAX_FPS = 60;
export { enterConsoleScreen, leaveConsoleScreen } from './terminal-screen.js';
export type { ConsoleModelOptions, DroppableChannel } from './model/console-model.js';
