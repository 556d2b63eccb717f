/** The Ink console: the shell, its panes and the model they read. */
export { ConsoleApp, type ConsoleAppProps } from './shell/app.js';
export { ConsoleModel, type ConsoleMode } from './model/console-model.js';
export { PANES } from './panes/index.js';
export { PANE_IDS, type PaneId } from './contexts.js';
export { setNoColor } from './theme.js';
