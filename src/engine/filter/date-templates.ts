/**
 * The date forms fail2ban's `{DATE}` stands for (its default templates), written as strptime
 * text for our own compiler. `(?P<_sep>...)(?P=_sep)` pairs become one alternative per separator,
 * which is exact and needs no backreference.
 */
export const DATE_TEMPLATES: string[] = [
  ...['-', '/', '\\.'].map((sep) => `%ExY${sep}%m${sep}%d(?:T|  ?)%H:%M:%S(?:[.,]%f)?(?:\\s*%z)?`),
  '(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?',
  '(?:%a )?%b %d %ExY %k:%M:%S(?:\\.%f)?',
  ...['-', '/'].map((sep) => `%d${sep}%m${sep}(?:%ExY|%Exy) %k:%M:%S`),
  ...['-', '/'].map((sep) => `%d${sep}%b${sep}%ExY[ :]?%H:%M:%S(?:\\.%f)?(?: %z)?`),
  '%m/%d/%ExY:%H:%M:%S',
  '%m-%d-%ExY %k:%M:%S(?:\\.%f)?',
  'EPOCH',
  '<%m/%d/%Exy@%H:%M:%S>',
  '%Exy%Exm%Exd  ?%H:%M:%S',
  '%b %d, %ExY %I:%M:%S %p',
  '%b-%d-%Exy %k:%M:%S',
  '%ExY%Exm%Exd(?:T|  ?)%ExH%ExM%ExS(?:[.,]%f)?(?:\\s*%z)?',
  '(?:%Z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?',
  '(?:%z )?(?:%a )?%b %d %k:%M:%S(?:\\.%f)?(?: %ExY)?',
  'TAI64N',
];
