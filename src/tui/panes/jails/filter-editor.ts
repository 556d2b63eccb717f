import type { FilterTestResult } from '../../../control/protocol-results.js';

/** Filter names as `filter-save` takes them (a plain file name in filter.d). */
export const FILTER_NAME = /^[A-Za-z0-9_.-]+$/;

/** What a new filter starts as: one failregex line to fill in, and an ignoreregex. */
export const NEW_FILTER_TEXT = ['[Definition]', '# One regex per line; more lines of a key start with a space. <HOST> captures the address.', 'failregex = ', 'ignoreregex = '];

/** Where the tester's lines come from: lines pasted here, or the end of a jail's log. */
export type TestSource = 'samples' | 'jail';

/** What has the keys in the editor: the text, the sample line, the save name, or nothing (single-key commands). */
export type EditorFocus = 'text' | 'samples' | 'name' | 'command';

/** The filter editor and its live tester. */
export interface FilterEditor {
  /** The name it will be saved under (editable on save). */
  name: string;
  /** A new filter, the user's own, or a copy of a shipped one (saving under its name shadows it). */
  origin: 'new' | 'user' | 'shipped';
  /** The filter's lines; saved and tested joined with newlines. */
  lines: string[];
  /** The line with the cursor, and the first line on screen. */
  row: number;
  top: number;
  focus: EditorFocus;
  /** Sample log lines for the tester, and the one being typed. */
  samples: string[];
  sampleDraft: string;
  source: TestSource;
  /** The jail whose log the tester reads when `source` is `jail`. */
  testJail: string | null;
  /** Changed since it was loaded or saved. */
  dirty: boolean;
  nameError: string | null;
  /** The latest test's answer, or why the test could not run. */
  result: FilterTestResult | null;
  testError: string | null;
}

/** What the editor does; the pane's reducer hands these over. */
export type EditorAction =
  | { type: 'edit-line'; text: string }
  | { type: 'line'; step: number; height: number }
  | { type: 'new-line'; height: number }
  | { type: 'delete-empty-line'; height: number }
  | { type: 'focus'; focus: EditorFocus }
  | { type: 'sample-draft'; text: string }
  | { type: 'add-samples'; lines: string[] }
  | { type: 'clear-samples' }
  | { type: 'source' }
  | { type: 'name'; text: string }
  | { type: 'saved'; name: string }
  | { type: 'tested'; result: FilterTestResult | null; error: string | null };

/** An editor over `text`, with the cursor on the first failregex line. */
export function openEditor(options: { name: string; origin: FilterEditor['origin']; text: string; testJail: string | null }): FilterEditor {
  const lines = options.text.replace(/\r\n/g, '\n').replace(/\n$/, '').split('\n');
  const failregex = lines.findIndex((line) => /^failregex\s*=/.test(line));
  const row = failregex >= 0 ? failregex : 0;
  return {
    name: options.name,
    origin: options.origin,
    lines,
    row,
    top: Math.max(0, row - 2),
    focus: options.origin === 'new' ? 'text' : 'command',
    samples: [],
    sampleDraft: '',
    source: 'samples',
    testJail: options.testJail,
    dirty: false,
    nameError: checkFilterName(options.name),
    result: null,
    testError: null,
  };
}

/** The filter text the editor holds, as saved and tested. */
export function editorText(editor: FilterEditor): string {
  return `${editor.lines.join('\n')}\n`;
}

/** Splits pasted text into lines (a terminal sends CR, a file LF). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Checks a filter name as it is typed. */
export function checkFilterName(name: string): string | null {
  const value = name.trim();
  if (!value) return 'type a name to save the filter under';
  if (!FILTER_NAME.test(value) || /^[.-]/.test(value)) return 'a filter name uses only letters, digits, "_", "." and "-" (not first)';
  if (/\.(conf|local)$/.test(value)) return 'leave out ".conf" / ".local"';
  return null;
}

/** The 1-based line of a compile error (`file.conf:3: ...`), and its message without the file's path. */
export function compileErrorLine(error: string): { line: number | null; message: string } {
  const match = /^(.*?\.(?:conf|local)):(\d+):\s*(.*)$/s.exec(error);
  if (!match) return { line: null, message: error };
  return { line: Number(match[2]), message: `line ${match[2]}: ${match[3]}` };
}

/** Keeps the cursor line inside the window of `height` rows. */
function scrolled(editor: FilterEditor, row: number, height: number): FilterEditor {
  const rows = Math.max(1, height);
  let top = editor.top;
  if (row < top) top = row;
  if (row >= top + rows) top = row - rows + 1;
  return { ...editor, row, top: Math.max(0, top) };
}

export function editorReducer(editor: FilterEditor, action: EditorAction): FilterEditor {
  switch (action.type) {
    case 'edit-line': {
      // A paste of several lines arrives as one string: it becomes as many rows.
      const parts = splitLines(action.text);
      const lines = [...editor.lines.slice(0, editor.row), ...parts, ...editor.lines.slice(editor.row + 1)];
      return { ...editor, lines, row: editor.row + parts.length - 1, dirty: true };
    }
    case 'line':
      return scrolled(editor, Math.min(Math.max(0, editor.row + action.step), editor.lines.length - 1), action.height);
    case 'new-line': {
      const lines = [...editor.lines.slice(0, editor.row + 1), '', ...editor.lines.slice(editor.row + 1)];
      return scrolled({ ...editor, lines, dirty: true }, editor.row + 1, action.height);
    }
    case 'delete-empty-line': {
      if (editor.lines.length <= 1 || editor.lines[editor.row] !== '') return editor;
      const lines = editor.lines.filter((_, i) => i !== editor.row);
      return scrolled({ ...editor, lines, dirty: true }, Math.max(0, editor.row - 1), action.height);
    }
    case 'focus':
      return { ...editor, focus: action.focus };
    case 'sample-draft':
      return { ...editor, sampleDraft: action.text };
    case 'add-samples': {
      const lines = action.lines.filter((line) => line.trim() !== '');
      return { ...editor, samples: [...editor.samples, ...lines], sampleDraft: '', source: 'samples' };
    }
    case 'clear-samples':
      return { ...editor, samples: [], sampleDraft: '' };
    case 'source':
      return { ...editor, source: editor.source === 'samples' && editor.testJail ? 'jail' : 'samples' };
    case 'name':
      return { ...editor, name: action.text, nameError: checkFilterName(action.text) };
    case 'saved':
      return { ...editor, name: action.name, origin: 'user', dirty: false, focus: 'command' };
    case 'tested':
      return { ...editor, result: action.result, testError: action.error };
  }
}
