import { describe, expect, it } from 'vitest';
import { isIpOrCidr, parseConfig } from '../../src/config/index.js';
import { catchConfigError } from './helpers.js';

const FILE = 'config.toml';

describe('parseConfig defaults', () => {
  it('fills every default into an empty file', () => {
    const config = parseConfig('', FILE);
    expect(config.settings).toEqual({
      enabled: true,
      bantime: 600,
      findtime: 600,
      maxretry: 5,
      escalation: { enabled: false, factor: 2, maxtime: 604_800, scope: 'all' },
      ipv4_prefix: 32,
      ipv6_prefix: 128,
    });
    expect(config.trusted.ranges).toEqual([]);
    expect(config.jails).toEqual({});
    expect(config.daemon).toEqual({
      state_dir: '/var/lib/portcullis',
      socket: '/run/portcullis/portcullis.sock',
      pid_file: '/run/portcullis/portcullis.pid',
      log_file: '/var/log/portcullis.log',
    });
    expect(config.firewall).toEqual({ backend: 'auto', default_policy: 'accept', rules: [], confirm_timeout: 60 });
    expect(config.notify).toBeUndefined();
  });

  it('fills jail defaults and names the filter after the jail', () => {
    const config = parseConfig('[jails.sshd]\nlogpath = ["/var/log/auth.log"]\n', FILE);
    expect(config.jails.sshd).toEqual({
      enabled: true,
      filter: 'sshd',
      logpath: ['/var/log/auth.log'],
      backend: 'file',
      journalmatch: [],
      actions: ['firewall'],
      ignoreregex: [],
      start_at: 'end',
    });
  });

  it('normalises durations to seconds and keeps overrides', () => {
    const config = parseConfig(
      [
        '[settings]',
        'bantime = "permanent"',
        'findtime = "1h30m"',
        '[settings.escalation]',
        'maxtime = "1d"',
        '[jails.web]',
        'backend = "journal"',
        'journalmatch = ["_SYSTEMD_UNIT=nginx.service"]',
        'bantime = -1',
        'findtime = 600',
        'maxretry = 2',
        'logpath = ["logs/web.log"]',
      ].join('\n'),
      FILE,
    );
    expect(config.settings.bantime).toBe(-1);
    expect(config.settings.findtime).toBe(5400);
    expect(config.settings.escalation.maxtime).toBe(86_400);
    expect(config.jails.web).toMatchObject({ bantime: -1, findtime: 600, maxretry: 2, logpath: ['logs/web.log'] });
  });

  it('lets a journal jail go without logpath', () => {
    const config = parseConfig('[jails.sshd]\nbackend = "journal"\n', FILE);
    expect(config.jails.sshd?.logpath).toEqual([]);
  });

  it('reads [notify.email] strictly', () => {
    const config = parseConfig('[notify.email]\nhost = "localhost"\nfrom = "portcullis@localhost"\nto = ["root@localhost"]\n', FILE);
    expect(config.notify?.email).toMatchObject({ host: 'localhost', port: 587, tls: 'starttls', to: ['root@localhost'], batch: 60, max_per_hour: 20 });
  });

  it('reads [[firewall.rules]] with defaults and port ranges', () => {
    const config = parseConfig(
      '[firewall]\ndefault_policy = "drop"\n\n[[firewall.rules]]\nname = "ssh"\naction = "allow"\nports = [22, "8000-8100"]\n\n'
        + '[[firewall.rules]]\nname = "no-ping"\naction = "deny"\nprotocol = "icmp"\nsources = ["198.18.0.0/15", "2001:db8::/32"]\n',
      FILE,
    );
    expect(config.firewall.default_policy).toBe('drop');
    expect(config.firewall.rules).toEqual([
      { name: 'ssh', direction: 'in', action: 'allow', protocol: 'tcp', ports: [22, '8000-8100'], sources: [], comment: '' },
      { name: 'no-ping', direction: 'in', action: 'deny', protocol: 'icmp', ports: [], sources: ['198.18.0.0/15', '2001:db8::/32'], comment: '' },
    ]);
  });
});

describe('[[firewall.rules]] errors', () => {
  it('names each bad field with its rule index and line', () => {
    const error = catchConfigError(() =>
      parseConfig(
        '[[firewall.rules]]\nname = "ssh"\naction = "allow"\n\n[[firewall.rules]]\nname = "ssh"\naction = "deny"\n'
          + 'protocol = "icmp"\nports = [70000, "9-3"]\nsources = ["10.0.0.0/33"]\ncolour = "red"\n',
        FILE,
      ),
    );
    const text = error.message;
    expect(text).toContain('firewall.rules[1].name: duplicate rule name "ssh"');
    expect(text).toContain('firewall.rules[1].ports[0]: 70000 is not a port');
    expect(text).toContain('firewall.rules[1].ports[1]: "9-3" is not a port');
    expect(text).toContain('firewall.rules[1].ports: ports need protocol "tcp" or "udp", not "icmp"');
    expect(text).toContain('firewall.rules[1].sources[0]: "10.0.0.0/33" is not an IP address or CIDR');
    expect(text).toMatch(/config\.toml:11: firewall\.rules\[1\]\.colour: unknown key/);
  });

  it('requires an action', () => {
    expect(catchConfigError(() => parseConfig('[[firewall.rules]]\nname = "x"\n', FILE)).message).toContain('firewall.rules[0].action');
  });
});

describe('parseConfig errors', () => {
  it('rejects unknown keys, naming key, file and line', () => {
    const error = catchConfigError(() => parseConfig('[settings]\nbantime = 60\nbogus = 1\n', FILE));
    expect(error.problems).toHaveLength(1);
    expect(error).toMatchObject({ file: FILE, line: 3, key: 'settings.bogus' });
    expect(error.message).toMatch(/^config\.toml:3: settings\.bogus: unknown key/);
  });

  it('suggests the key that was probably meant', () => {
    const error = catchConfigError(() => parseConfig('[jails.sshd]\nlogpathh = ["/x"]\nlogpath = ["/y"]\n', FILE));
    expect(error.message).toBe('config.toml:2: jails.sshd.logpathh: unknown key (did you mean "logpath"?)');
  });

  it('rejects unknown top-level sections', () => {
    const error = catchConfigError(() => parseConfig('[setings]\nenabled = true\n', FILE));
    expect(error).toMatchObject({ key: 'setings', line: 1 });
  });

  it('rejects wrong types, quoting the value', () => {
    const text = '[settings]\nenabled = "yes"\n\n[jails.sshd]\nlogpath = ["/x"]\nmaxretry = "five"\n';
    const error = catchConfigError(() => parseConfig(text, FILE));
    expect(error.problems.map((p) => `${p.line} ${p.key}: ${p.message}`)).toEqual([
      '2 settings.enabled: expected true or false, got "yes"',
      '6 jails.sshd.maxretry: expected an integer >= 1, got "five"',
    ]);
  });

  it('rejects a string where an array is expected', () => {
    const error = catchConfigError(() => parseConfig('[jails.sshd]\nlogpath = "/var/log/auth.log"\n', FILE));
    expect(error.message).toBe('config.toml:2: jails.sshd.logpath: expected an array of strings, got "/var/log/auth.log"');
  });

  it('rejects bad durations with the key and line', () => {
    const error = catchConfigError(() => parseConfig('\n[settings]\nbantime = "10x"\n', FILE));
    expect(error.message).toBe(
      'config.toml:3: settings.bantime: bad duration "10x" (use 600, "10m", "1h", "1d", "1w" or "permanent")',
    );
  });

  it('rejects "permanent" outside ban times', () => {
    const error = catchConfigError(() => parseConfig('[settings]\nfindtime = "permanent"\n', FILE));
    expect(error.key).toBe('settings.findtime');
  });

  it('names a bad CIDR and its index, on its own line', () => {
    const text = '[trusted]\nranges = [\n  "127.0.0.1/8",\n  "::1",\n  "10.0.0.0/33",\n]\n';
    const error = catchConfigError(() => parseConfig(text, FILE));
    expect(error.message).toBe('config.toml:5: trusted.ranges[2]: "10.0.0.0/33" is not an IP address or CIDR');
  });

  it('names a bad action and its jail', () => {
    const text = '[jails.sshd]\nlogpath = ["/x"]\nactions = ["firewall", "sms"]\n';
    const error = catchConfigError(() => parseConfig(text, FILE));
    expect(error.key).toBe('jails.sshd.actions[1]');
    expect(error.line).toBe(3);
    expect(error.message).toContain('unknown action "sms"');
  });

  it('requires a logpath for file jails', () => {
    const error = catchConfigError(() => parseConfig('[jails.sshd]\nenabled = true\n', FILE));
    expect(error).toMatchObject({ key: 'jails.sshd.logpath', line: 1 });
  });

  it('rejects odd jail names', () => {
    const error = catchConfigError(() => parseConfig('[jails."ssh d"]\nlogpath = ["/x"]\n', FILE));
    expect(error).toMatchObject({ key: 'jails."ssh d"', line: 1 });
  });

  it('rejects bad enum values', () => {
    const error = catchConfigError(() => parseConfig('[firewall]\nbackend = "pf"\n', FILE));
    expect(error.message).toBe(
      'config.toml:2: firewall.backend: expected "auto", "iptables", "nftables" or "dry-run", got "pf"',
    );
  });

  it('finds keys set through dotted keys and inline tables', () => {
    const error = catchConfigError(() =>
      parseConfig('[settings]\nescalation = { factor = 0.5 }\n\n[jails]\nsshd.logpath = ["/x"]\nsshd.maxretry = 0\n', FILE),
    );
    expect(error.problems.map((p) => [p.key, p.line])).toEqual([
      ['settings.escalation.factor', 2],
      ['jails.sshd.maxretry', 6],
    ]);
  });

  it('lists every problem in one error, in file order', () => {
    const text = [
      '[settings]',
      'maxretry = 0',
      'bantime = "soon"',
      '[trusted]',
      'ranges = ["10"]',
      '[jails.x]',
      'logpath = ["/x"]',
      'actions = ["page"]',
    ].join('\n');
    const error = catchConfigError(() => parseConfig(text, FILE));
    expect(error.problems.map((p) => p.line)).toEqual([2, 3, 5, 8]);
    expect(error.message.split('\n')).toHaveLength(4);
  });

  it('turns TOML syntax errors into file:line', () => {
    const error = catchConfigError(() => parseConfig('[settings]\nenabled = true\nbantime = \n', FILE));
    expect(error).toMatchObject({ file: FILE, line: 3 });
    expect(error.message).toMatch(/^config\.toml:3: TOML syntax error: /);
  });

  it('rejects keys that could poison objects', () => {
    const error = catchConfigError(() => parseConfig('[jails.__proto__]\nlogpath = ["/x"]\n', FILE));
    expect(error.line).toBe(1);
  });
});

describe('isIpOrCidr', () => {
  it.each(['127.0.0.1', '127.0.0.1/8', '::1', '2001:db8::/32', '198.18.0.0/15', '::ffff:192.0.2.1', '0.0.0.0/0'])(
    'accepts %s',
    (value) => expect(isIpOrCidr(value)).toBe(true),
  );
  it.each(['10', '127.1', '0x7f.0.0.1', '10.0.0.0/33', '::1/129', '1.2.3.4/', '1.2.3.4/08', 'fe80::1%eth0', ' 1.2.3.4', 'example.com', ''])(
    'rejects %j',
    (value) => expect(isIpOrCidr(value)).toBe(false),
  );
});
