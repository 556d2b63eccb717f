import { Text } from 'ink';
import { render } from 'ink-testing-library';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { KeyRouterProvider, useKeys } from '../../../src/tui/input/key-router.js';
import { TextField } from '../../../src/tui/input/text-field.js';
import { waitFor } from '../../helpers/wait.js';

/** `:` opens a line whose field takes the keys after it; Enter shows what was typed. */
function Line() {
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [done, setDone] = useState<string | null>(null);
  useKeys((key) => {
    if (!open && key.name === ':') setOpen(true);
    else if (open && key.name === 'enter') {
      setDone(text);
      setOpen(false);
    }
  });
  return <Text>{done !== null ? `ran [${done}]` : open ? <>:<TextField value={text} onChange={setText} /></> : 'closed'}</Text>;
}

const start = () => render(<KeyRouterProvider><Line /></KeyRouterProvider>);

describe('key router', () => {
  it('keys written one by one reach the field the first key opened', async () => {
    const app = start();
    for (const key of [':', 'a', 'b', '\x7f', 'c', '\r']) app.stdin.write(key);
    await waitFor(() => (app.lastFrame() ?? '').includes('ran'), 'the line to run');
    expect(app.lastFrame()).toContain('ran [ac]');
    app.unmount();
  });

  it('keys in one chunk (text, Backspaces, Enter) are each a key of their own', async () => {
    const app = start();
    app.stdin.write(':abcdef\x7f\x7f\x7f\x7f\x7f\x7fxy\x7fz\r');
    await waitFor(() => (app.lastFrame() ?? '').includes('ran'), 'the line to run');
    expect(app.lastFrame()).toContain('ran [xz]');
    app.unmount();
  });

  it('a bracketed paste is text, not keys: its Enter and its letters do not act', async () => {
    const app = start();
    app.stdin.write(':');
    app.stdin.write('\x1b[200~');
    app.stdin.write('ban 198.51.100.7\r1h');
    app.stdin.write('\x1b[201~');
    app.stdin.write('\r');
    await waitFor(() => (app.lastFrame() ?? '').includes('ran'), 'the line to run');
    expect(app.lastFrame()).toContain('ran [ban 198.51.100.7 1h]');
    app.unmount();
  });
});
