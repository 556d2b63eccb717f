import { describe, expect, it } from 'vitest';
import { lookup } from '../../src/fail2ban-import/interpolate.js';
import { readJailFiles } from '../../src/fail2ban-import/jail-files.js';
import { makeTempDir } from '../helpers/temp-dir.js';

// The jail files' %(name)s read by the filter reader's resolver (ValueResolver, without tags).
describe('jail file interpolation', () => {
  it('resolves in the jail\'s context, with __name__, sec/ and known/ references, %% and tags left as text', () => {
    const tmp = makeTempDir('portcullis-h30-interp-');
    try {
      tmp.write('jail.conf', [
        '[DEFAULT]',
        'port = 0',
        'action = ban[port="%(port)s", name=%(__name__)s]',
        'filter = %(__name__)s[mode=%(mode)s]',
        'mode = normal',
        'logpath = /var/log/%(__name__)s.log',
        '           %(other/extra)s',
        'rate = 50%%',
        'failregex = ^<HOST> bad$',
        '',
        '[other]',
        'extra = /var/log/other.log',
        '',
        '[web]',
        'port = 8080',
        'ignoreregex = ^x',
        'broken = %(nowhere)s and %(neither)s',
        'loop = %(loop2)s',
        'loop2 = %(loop)s',
      ].join('\n'));
      tmp.write('jail.local', '[web]\nignoreregex = %(known/ignoreregex)s|^y\nmode = aggressive\n');
      const { sections } = readJailFiles(tmp.dir);
      const text = (jail: string, key: string): string | undefined => lookup(sections, jail, key)?.text;
      expect(text('web', 'action')).toBe('ban[port="8080", name=web]');
      expect(text('sshd', 'action')).toBe('ban[port="0", name=sshd]');
      expect(text('web', 'filter')).toBe('web[mode=aggressive]');
      expect(text('web', 'logpath')).toBe('/var/log/web.log\n/var/log/other.log');
      expect(text('web', 'rate')).toBe('50%');
      expect(text('web', 'failregex')).toBe('^<HOST> bad$');
      // known/: the value jail.conf gave before jail.local replaced it.
      expect(text('web', 'ignoreregex')).toBe('^x|^y');
      expect(lookup(sections, 'web', 'broken')).toMatchObject({ text: '%(nowhere)s and %(neither)s', missing: ['%(nowhere)s', '%(neither)s'], line: 17 });
      expect(lookup(sections, 'web', 'loop')?.missing[0]).toMatch(/too deep/);
      expect(lookup(sections, 'web', 'absent')).toBeUndefined();
    } finally {
      tmp.remove();
    }
  });
});
