import { Box, Text } from 'ink';
import { TextField } from '../../input/text-field.js';
import { fit } from '../../components/format.js';
import { tone } from '../../theme.js';
import { compileErrorLine, type FilterEditor } from './filter-editor.js';
import { FilterResults } from './filter-results.js';
import { TEST_TAIL } from './use-filter-tester.js';

/** Columns of the line numbers in front of the text. */
const GUTTER = 5;

/** How many text rows the editor gets in a body of `height` rows (the tester takes the rest). */
export function editorRows(height: number): number {
  return Math.max(3, Math.floor((height - 3) * 0.45));
}

/** The filter's text, one row per line (the cursor's row is a text field while typing), over the live tester. */
export function FilterEditorView(props: {
  editor: FilterEditor;
  height: number;
  width: number;
  shippedNames: readonly string[];
  onLine: (text: string) => void;
  onSample: (text: string) => void;
  onName: (text: string) => void;
}) {
  const { editor, height, width, shippedNames } = props;
  const rows = editorRows(height);
  const textWidth = Math.max(10, width - GUTTER);
  const typing = editor.focus === 'text';
  const current = editor.lines[editor.row] ?? '';
  // While typing, a long line wraps onto up to 3 rows so the cursor at its end stays visible.
  const cursorRows = typing ? Math.min(3, Math.max(1, Math.ceil((current.length + 1) / textWidth))) : 1;
  const start = Math.max(0, Math.min(editor.top, editor.row), editor.row - (rows - cursorRows));
  const visible = editor.lines.slice(start, start + rows - cursorRows + 1);
  const compile = editor.result?.error ? compileErrorLine(editor.result.error) : null;
  const naming = editor.focus === 'name';
  const shadows = shippedNames.includes(editor.name.trim());
  const origin = editor.origin === 'new' ? 'new filter' : editor.origin === 'shipped' ? `copy of the shipped filter` : 'your filter';

  return (
    <Box flexDirection="column" height={height}>
      <Text bold wrap="truncate-end">
        {`Filter ${editor.name || '(unnamed)'} `}
        <Text color={tone('muted')}>{`· ${origin} · ${editor.lines.length} lines`}</Text>
        {editor.dirty ? <Text color={tone('draft')}> · unsaved</Text> : null}
      </Text>
      {naming ? (
        <Box flexDirection="column">
          <Box height={1} overflow="hidden">
            <Text color={tone('accent')}>{'Save as: '}</Text>
            <TextField value={editor.name} onChange={props.onName} placeholder="my-app" />
          </Box>
          <Text wrap="truncate-end" color={editor.nameError ? tone('bad') : shadows ? tone('warn') : tone('good')}>
            {editor.nameError ??
              (shadows
                ? `"${editor.name.trim()}" is a shipped filter: yours will replace it, and the jails using it reload`
                : `saved to filter.d/${editor.name.trim()}.conf (checked first: a filter that does not compile is refused)`)}
          </Text>
        </Box>
      ) : null}
      <Box flexDirection="column" height={rows} overflow="hidden">
        {visible.map((line, i) => {
          const index = start + i;
          const isCursor = index === editor.row;
          const bad = compile?.line === index + 1;
          const gutter = `${String(index + 1).padStart(GUTTER - 2)}${bad ? '!' : ' '}${isCursor ? '›' : '│'}`;
          if (isCursor && typing) {
            return (
              <Box key={`edit-${index}`} height={cursorRows} overflow="hidden">
                <Text color={bad ? tone('bad') : tone('accent')}>{gutter}</Text>
                <Box width={textWidth}>
                  <TextField key={index} value={line} onChange={props.onLine} placeholder=" " />
                </Box>
              </Box>
            );
          }
          return (
            <Text key={index} wrap="truncate-end">
              <Text color={bad ? tone('bad') : tone('muted')}>{gutter}</Text>
              <Text inverse={isCursor && editor.focus === 'command'} color={line.trimStart().startsWith('#') ? tone('muted') : undefined}>
                {fit(line, textWidth).trimEnd() || (isCursor ? ' ' : '')}
              </Text>
            </Text>
          );
        })}
      </Box>
      <Text wrap="truncate-end" color={tone('accent')}>
        {`─ Test on ${editor.source === 'jail' && editor.testJail ? `the last ${TEST_TAIL} lines of ${editor.testJail}'s log` : `${editor.samples.length} sample line${editor.samples.length === 1 ? '' : 's'}`}`}
        {editor.result && !editor.result.error ? <Text color={tone('muted')}>{` · ${editor.result.matched} matched, ${editor.result.missed} missed`}</Text> : null}
        <Text color={tone('muted')}>{editor.testJail ? ' · t switches' : ''}</Text>
      </Text>
      <Box height={1} overflow="hidden">
        {editor.focus === 'samples' ? (
          <>
            <Text color={tone('accent')}>{'Lines: '}</Text>
            <TextField lines value={editor.sampleDraft} onChange={props.onSample} placeholder="paste log lines here (every line of a paste is added)" />
          </>
        ) : (
          <Text color={tone('muted')} wrap="truncate-end">
            {editor.focus === 'text' ? 'Tab: sample lines · Esc: done editing' : 'i/Enter: edit text · p: paste sample lines · x: clear them · s: save · Esc: back'}
          </Text>
        )}
      </Box>
      <FilterResults editor={editor} compile={compile} height={Math.max(1, height - rows - 3 - (naming ? 2 : 0))} width={width} />
    </Box>
  );
}
