import { useEffect, useRef, type Dispatch } from 'react';
import type { ConsoleModel } from '../../model/console-model.js';
import { editorText, type FilterEditor } from './filter-editor.js';
import type { JailsAction } from './jails-reducer.js';

/** How long the text must rest before it is tested again, in ms. */
export const TEST_DEBOUNCE_MS = 300;
/** Lines read from the end of a jail's log for the tester. */
export const TEST_TAIL = 100;

/**
 * Runs `filter-test` with the editor's unsaved text over the sample lines or the end of the
 * chosen jail's log, {@link TEST_DEBOUNCE_MS} after the last change. An answer that arrives after
 * a newer test started is dropped, so the verdicts always belong to the text on screen.
 */
export function useFilterTester(model: ConsoleModel, editor: FilterEditor | null, dispatch: Dispatch<JailsAction>): void {
  const latest = useRef(0);
  const text = editor ? editorText(editor) : null;
  const samples = editor?.samples;
  const source = editor?.source;
  const jail = editor?.testJail ?? null;
  // Whether a verdict is on screen: with no sample lines there is only something to clear then,
  // not on every key typed (a dispatch per key from this effect would re-render the pane twice).
  const shown = useRef(false);
  shown.current = editor !== null && (editor.result !== null || editor.testError !== null);

  useEffect(() => {
    if (text === null || !samples || !source) return;
    const id = ++latest.current;
    if (source === 'samples' && samples.length === 0) {
      if (shown.current) dispatch({ type: 'editor', action: { type: 'tested', result: null, error: null } });
      return;
    }
    const timer = setTimeout(() => {
      const request =
        source === 'jail' && jail
          ? model.request({ command: 'filter-test', text, jail, tail: TEST_TAIL })
          : model.request({ command: 'filter-test', text, lines: samples });
      request.then(
        (result) => {
          if (id === latest.current) dispatch({ type: 'editor', action: { type: 'tested', result, error: null } });
        },
        (err: Error) => {
          if (id === latest.current) dispatch({ type: 'editor', action: { type: 'tested', result: null, error: err.message } });
        },
      );
    }, TEST_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [model, text, samples, source, jail, dispatch]);
}
