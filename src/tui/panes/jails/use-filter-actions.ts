import type { Dispatch, MutableRefObject } from 'react';
import type { ConfigResult } from '../../../control/protocol-results.js';
import type { UiActions } from '../../contexts.js';
import type { ConsoleModel } from '../../model/console-model.js';
import { editorText, NEW_FILTER_TEXT, type FilterEditor } from './filter-editor.js';
import { editorFor, type JailsAction } from './jails-reducer.js';

/** What the filter manager asks of the engine: open a filter, start a new one, save one. */
export interface FilterActions {
  newFilter(testJail: string | null): void;
  editFilter(name: string, testJail: string | null): void;
  save(editor: FilterEditor): void;
}

/** The filter manager's requests, each reporting its outcome on the shell's message line. */
export function useFilterActions(options: {
  model: ConsoleModel;
  actions: UiActions;
  dispatch: Dispatch<JailsAction>;
  config: ConfigResult | null;
  selectAfterLoad: MutableRefObject<{ list: 'jails' | 'filters'; name: string } | null>;
}): FilterActions {
  const { model, actions, dispatch, config, selectAfterLoad } = options;
  // The tester reads the log of a jail that uses the filter, else the jail selected in the list.
  const jailFor = (name: string, fallback: string | null): string | null => config?.jails.find((j) => j.filter === name)?.name ?? fallback;
  return {
    newFilter(testJail) {
      dispatch(editorFor('', 'new', NEW_FILTER_TEXT.join('\n'), testJail));
    },
    editFilter(name, testJail) {
      model.request({ command: 'filter-show', name }).then(
        (shown) => {
          dispatch(editorFor(shown.name, shown.shipped ? 'shipped' : 'user', shown.text, jailFor(shown.name, testJail)));
          if (shown.shipped) actions.say(`${shown.name} is shipped: save the copy under a new name, or under "${shown.name}" to replace it`, 'muted');
        },
        (err: Error) => actions.say(err.message, 'bad'),
      );
    },
    save(editor) {
      const name = editor.name.trim();
      if (editor.nameError) {
        actions.say(editor.nameError, 'bad');
        return;
      }
      model.request({ command: 'filter-save', name, text: editorText(editor) }).then(
        (saved) => {
          dispatch({ type: 'editor', action: { type: 'saved', name: saved.name } });
          selectAfterLoad.current = { list: 'filters', name: saved.name };
          const notes = [
            saved.shadowsShipped ? `it replaces the shipped filter ${saved.name}` : '',
            saved.reloaded ? 'the jails using it were reloaded' : 'no running jail uses it yet',
          ].filter(Boolean);
          actions.say(`saved filter ${saved.name} to ${saved.path}; ${notes.join('; ')}`);
          void model.refreshConfig().then(() => model.changed(true));
        },
        (err: Error) => {
          // Not written: the engine compiles the text first and names the line that fails.
          dispatch({ type: 'editor', action: { type: 'focus', focus: 'command' } });
          actions.say(`not saved: ${err.message}`, 'bad');
        },
      );
    },
  };
}
