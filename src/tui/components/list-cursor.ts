/** Where a list's cursor is and which row is at the top of its window. */
export interface ListCursor {
  cursor: number;
  top: number;
}

/** Moves the cursor by `step` rows (clamped) and scrolls the window just enough to keep it visible. */
export function moveCursor(state: ListCursor, step: number, length: number, height: number): ListCursor {
  return clampCursor({ cursor: state.cursor + step, top: state.top }, length, height);
}

/** Keeps the cursor inside the list and inside the window after the list or the window changed. */
export function clampCursor(state: ListCursor, length: number, height: number): ListCursor {
  const rows = Math.max(1, height);
  const cursor = length === 0 ? 0 : Math.min(Math.max(0, state.cursor), length - 1);
  let top = Math.min(Math.max(0, state.top), Math.max(0, length - rows));
  if (cursor < top) top = cursor;
  if (cursor >= top + rows) top = cursor - rows + 1;
  return cursor === state.cursor && top === state.top ? state : { cursor, top };
}

/** The two cursor actions every list pane's reducer takes. */
export type CursorAction = { type: 'move'; step: number; length: number; height: number } | { type: 'clamp'; length: number; height: number };

/** A pane state with its cursor moved or clamped; the same object when nothing changed. */
export function applyCursor<S extends ListCursor>(state: S, action: CursorAction): S {
  const next = action.type === 'move' ? moveCursor(state, action.step, action.length, action.height) : clampCursor(state, action.length, action.height);
  return next.cursor === state.cursor && next.top === state.top ? state : { ...state, cursor: next.cursor, top: next.top };
}
