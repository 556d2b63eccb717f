// Runs a program on this terminal and writes how it ended to a file, and what it wrote to
// stderr to `<file>.stderr` (still shown on the terminal): `record-exit.mjs <file> <program>
// [args...]`. tmux does not always report a dead pane's exit status, or keep its last words.
import { spawn } from 'node:child_process';
import { appendFileSync, renameSync, writeFileSync } from 'node:fs';

const [file, program, ...args] = process.argv.slice(2);
writeFileSync(`${file}.stderr`, '');
const child = spawn(program, args, { stdio: ['inherit', 'inherit', 'pipe'] });
child.stderr.on('data', (chunk) => {
  appendFileSync(`${file}.stderr`, chunk);
  process.stderr.write(chunk);
});
child.on('exit', (code, signal) => {
  // Written whole, then renamed: a test that sees the file never reads it half written.
  writeFileSync(`${file}.part`, JSON.stringify({ code, signal }));
  renameSync(`${file}.part`, file);
  process.exit(0);
});
