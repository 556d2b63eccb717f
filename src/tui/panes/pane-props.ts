/** What the shell gives the active pane: the body's size. */
export interface PaneProps {
  height: number;
  width: number;
}
