import { describe, expect, it } from 'vitest';
import { compileErrorLine, editorReducer, editorText, openEditor, NEW_FILTER_TEXT } from '../../src/tui/panes/jails/filter-editor.js';
import { checkField, cycleFilter, formRequest, newJailForm, editField } from '../../src/tui/panes/jails/jail-form.js';

const context = { jailNames: ['sshd'], filterNames: ['apache-auth', 'nginx-http-auth', 'sshd'] };

describe('Jails pane: the add form', () => {
  it('checks fields as typed, leaving empty optional ones to the global settings', () => {
    expect(checkField('name', 'sshd', context)).toBe('jail "sshd" exists already');
    expect(checkField('name', 'web/1', context)).toMatch(/letters, digits/);
    expect(checkField('filter', 'nope', context)).toMatch(/no filter named "nope"/);
    expect(checkField('maxretry', '0', context)).toMatch(/whole number >= 1/);
    expect(checkField('findtime', 'permanent', context)).toMatch(/find time must be a duration/);
    expect(checkField('bantime', 'permanent', context)).toBeNull();
    expect(checkField('actions', 'firewall, sms', context)).toMatch(/unknown action "sms"/);
    for (const field of ['maxretry', 'findtime', 'bantime', 'actions'] as const) expect(checkField(field, ' ', context)).toBeNull();
  });

  it('cycles filters with ←/→ (from a typed prefix too) and builds the jail-add request', () => {
    expect(cycleFilter('sshd', context.filterNames, 1)).toBe('apache-auth');
    expect(cycleFilter('apache-auth', context.filterNames, -1)).toBe('sshd');
    expect(cycleFilter('ngi', context.filterNames, 1)).toBe('nginx-http-auth');
    let form = newJailForm(context.filterNames);
    expect(formRequest(form, context)).toEqual({ field: 'name', error: 'give the jail a name' });
    form = editField(form, 'name', 'web', context);
    expect(formRequest(form, context)).toEqual({ field: 'logpath', error: 'give at least one log file (comma separated)' });
    form = editField(form, 'logpath', '/var/log/a.log, ,/var/log/b.log', context);
    form = editField(form, 'maxretry', '5', context);
    form = editField(form, 'findtime', '600', context);
    form = editField(form, 'bantime', '1h', context);
    form = editField(form, 'actions', 'firewall,email', context);
    expect(formRequest(form, context)).toEqual({
      request: { command: 'jail-add', name: 'web', filter: 'apache-auth', logpath: ['/var/log/a.log', '/var/log/b.log'], maxretry: 5, findtime: 600, bantime: '1h', actions: ['firewall', 'email'] },
    });
  });
});

describe('Jails pane: the filter editor', () => {
  it('opens on the failregex line, splits a multi-line paste into rows, and deletes empty rows', () => {
    let editor = openEditor({ name: '', origin: 'new', text: NEW_FILTER_TEXT.join('\n'), testJail: 'sshd' });
    expect(editor.lines[editor.row]).toMatch(/^failregex =/);
    editor = editorReducer(editor, { type: 'edit-line', text: 'failregex = ^a <HOST>$\r            ^b <HOST>$' });
    expect(editor.lines.slice(2, 4)).toEqual(['failregex = ^a <HOST>$', '            ^b <HOST>$']);
    expect(editor.row).toBe(3);
    editor = editorReducer(editor, { type: 'new-line', height: 5 });
    expect(editor.lines[4]).toBe('');
    editor = editorReducer(editor, { type: 'delete-empty-line', height: 5 });
    expect(editorText(editor)).toBe(`${NEW_FILTER_TEXT.slice(0, 2).join('\n')}\nfailregex = ^a <HOST>$\n            ^b <HOST>$\nignoreregex = \n`);
    expect(editor.dirty).toBe(true);
    editor = editorReducer(editor, { type: 'add-samples', lines: ['one', '', 'two'] });
    expect(editor.samples).toEqual(['one', 'two']);
    editor = editorReducer(editor, { type: 'name', text: 'x.conf' });
    expect(editor.nameError).toMatch(/leave out/);
  });

  it('reads the line of a compile error without the file path', () => {
    expect(compileErrorLine('/etc/portcullis/filter.d/draft.conf:3: failregex has no <HOST>')).toEqual({ line: 3, message: 'line 3: failregex has no <HOST>' });
    expect(compileErrorLine('something else')).toEqual({ line: null, message: 'something else' });
  });
});
