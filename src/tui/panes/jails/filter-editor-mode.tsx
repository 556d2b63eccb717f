import { useModel, useUiActions } from '../../contexts.js';
import type { KeyBinding } from '../../keymap.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { EditorAction, FilterEditor } from './filter-editor.js';
import { editorRows, FilterEditorView } from './filter-editor-view.js';
import {
  EDITOR_KEYS,
  EDITOR_NAME_KEYS,
  EDITOR_SAMPLE_KEYS,
  EDITOR_TEXT_KEYS,
  type EditorCommand,
  type EditorNameCommand,
  type EditorSampleCommand,
  type EditorTextCommand,
} from './jails-keys.js';
import type { JailsViewProps } from './jails-view-props.js';
import { useFilterActions } from './use-filter-actions.js';
import { useFilterTester } from './use-filter-tester.js';

type AnyEditorCommand = EditorCommand | EditorTextCommand | EditorSampleCommand | EditorNameCommand;

/** The key table for where the editor's focus is. */
function editorKeys(editor: FilterEditor): readonly KeyBinding<AnyEditorCommand>[] {
  switch (editor.focus) {
    case 'command':
      return EDITOR_KEYS;
    case 'text':
      return EDITOR_TEXT_KEYS;
    case 'samples':
      return EDITOR_SAMPLE_KEYS;
    case 'name':
      return EDITOR_NAME_KEYS;
  }
}

/** A filter's editor with its live tester: every key from the table of where the focus is. */
export function FilterEditorMode({ dispatch, config, height, width, selectAfterLoad, state }: JailsViewProps) {
  const model = useModel();
  const actions = useUiActions();
  const editor = state.editor;
  const filterActions = useFilterActions({ model, actions, dispatch, config, selectAfterLoad });
  useFilterTester(model, editor, dispatch);
  const textRows = editorRows(height);
  const go = (action: EditorAction): void => dispatch({ type: 'editor', action });

  const onCommand = (command: AnyEditorCommand): void => {
    if (!editor) return;
    switch (command) {
      case 'type':
      case 'to-text':
        return go({ type: 'focus', focus: 'text' });
      case 'up':
      case 'down':
      case 'previous':
      case 'next':
        return go({ type: 'line', step: command === 'up' || command === 'previous' ? -1 : 1, height: textRows });
      case 'samples':
      case 'to-samples':
        return go({ type: 'focus', focus: 'samples' });
      case 'source':
        if (!editor.testJail) actions.say('no jail to read a log from: paste sample lines (p)', 'warn');
        return go({ type: 'source' });
      case 'clear':
        return go({ type: 'clear-samples' });
      case 'save':
        return go({ type: 'focus', focus: 'name' });
      case 'newline':
        return go({ type: 'new-line', height: textRows });
      case 'join':
        // The text field deletes characters; only an empty line is deleted as a whole.
        if (editor.lines[editor.row] === '') go({ type: 'delete-empty-line', height: textRows });
        return;
      case 'add':
        if (editor.sampleDraft.trim()) go({ type: 'add-samples', lines: [editor.sampleDraft] });
        return;
      case 'save-as':
        return filterActions.save(editor);
      case 'done':
      case 'cancel':
        return go({ type: 'focus', focus: 'command' });
      case 'back':
        if (editor.dirty) actions.confirm(`Leave filter ${editor.name || '(unnamed)'} without saving the changes?`, () => dispatch({ type: 'view', view: 'filters' }));
        else dispatch({ type: 'view', view: 'filters' });
        return;
    }
  };
  usePaneKeys<AnyEditorCommand>('jails', editor ? editorKeys(editor) : EDITOR_KEYS, onCommand, { capture: editor !== null && editor.focus !== 'command' });
  if (!editor) return null;
  return (
    <FilterEditorView
      editor={editor}
      height={height}
      width={width}
      shippedNames={config.filters.filter((f) => f.shipped).map((f) => f.name)}
      onLine={(text) => go({ type: 'edit-line', text })}
      onSample={(text) => go(/[\r\n]/.test(text) ? { type: 'add-samples', lines: text.split(/\r\n|\r|\n/) } : { type: 'sample-draft', text })}
      onName={(text) => go({ type: 'name', text })}
    />
  );
}
