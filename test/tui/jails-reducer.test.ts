import { describe, expect, it } from 'vitest';
import { compileErrorLine, editorReducer, editorText, openEditor, NEW_FILTER_TEXT } from '../../src/tui/panes/jails/filter-editor.js';
import type { FilterChoice } from '../../src/control/protocol-results.js';
import { matchFilters, movePick, pickWindowTop } from '../../src/tui/panes/jails/filter-picker.js';
import { checkField, formRequest, newJailForm, editField, stepPick } from '../../src/tui/panes/jails/jail-form.js';

const choice = (name: string, origin: FilterChoice['origin'], dir: string, byName = true): FilterChoice => ({ name, path: `${dir}/${name}.conf`, origin, use: byName ? name : `${dir}/${name}.conf` });
const filters: FilterChoice[] = [
  choice('apache-auth', 'shipped', '/opt/p/filters'),
  choice('nginx-http-auth', 'shipped', '/opt/p/filters'),
  choice('sshd', 'shipped', '/opt/p/filters'),
  choice('postfix-sasl', 'fail2ban', '/etc/fail2ban/filter.d'),
  choice('sshd', 'fail2ban', '/etc/fail2ban/filter.d', false),
  choice('openssh-ldap', 'fail2ban', '/etc/fail2ban/filter.d'),
];
const context = { jailNames: ['sshd'], filters };

describe('Jails pane: the add form', () => {
  it('checks fields as typed, leaving empty optional ones to the global settings', () => {
    expect(checkField('name', 'sshd', context)).toBe('jail "sshd" exists already');
    expect(checkField('name', 'web/1', context)).toMatch(/letters, digits/);
    expect(checkField('filter', 'nope', context)).toBe('no filter name contains "nope"');
    expect(checkField('filter', 'SSH', context)).toBeNull();
    // Not yet read: nothing to check against.
    expect(checkField('filter', 'nope', { jailNames: [], filters: null })).toBeNull();
    expect(checkField('maxretry', '0', context)).toMatch(/whole number >= 1/);
    expect(checkField('findtime', 'permanent', context)).toMatch(/find time must be a duration/);
    expect(checkField('bantime', 'permanent', context)).toBeNull();
    expect(checkField('actions', 'firewall, sms', context)).toMatch(/unknown action "sms"/);
    for (const field of ['maxretry', 'findtime', 'bantime', 'actions'] as const) expect(checkField(field, ' ', context)).toBeNull();
  });

  it('searches filters as typed: the exact name first, then names starting with it, then containing it, in lookup order', () => {
    expect(matchFilters(filters, 'ssh').map((f) => `${f.name}:${f.origin}`)).toEqual(['sshd:shipped', 'sshd:fail2ban', 'openssh-ldap:fail2ban']);
    expect(matchFilters(filters, ' SSHD ').map((f) => f.use)).toEqual(['sshd', '/etc/fail2ban/filter.d/sshd.conf']);
    expect(matchFilters(filters, '')).toEqual(filters);
    expect(movePick(0, -1, 3)).toBe(2);
    expect(movePick(2, 1, 3)).toBe(0);
    expect(movePick(5, 1, 3)).toBe(0);
    expect(pickWindowTop(0, 20, 5)).toBe(0);
    expect(pickWindowTop(10, 20, 5)).toBe(8);
    expect(pickWindowTop(19, 20, 5)).toBe(15);
  });

  it('picks with ←/→ among the matches, a stock filter behind a shipped one by its path, and builds the jail-add request', () => {
    let form = editField(newJailForm(), 'filter', 'sshd', context);
    form = stepPick(form, 1, context);
    form = editField(editField(form, 'name', 'ssh2', context), 'logpath', '/var/log/auth.log', context);
    expect(formRequest(form, context)).toMatchObject({ request: { filter: '/etc/fail2ban/filter.d/sshd.conf' } });
    // Typing again picks the best match again.
    form = editField(form, 'filter', 'postfix', context);
    expect(formRequest(form, context)).toMatchObject({ request: { filter: 'postfix-sasl' } });
    form = editField(form, 'filter', 'nothing', context);
    expect(formRequest(form, context)).toEqual({ field: 'filter', error: 'no filter name contains "nothing"' });
    expect(formRequest(form, { ...context, filters: null })).toEqual({ field: 'filter', error: 'the filters are still being read' });

    form = newJailForm();
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
