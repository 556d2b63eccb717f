// Runs a program on this terminal and writes how it ended to a file, and what it wrote to
// stderr to `<file>.stderr` (still shown on the terminal): `record-exit.mjs <file> <program>
// [args...]`. tmux does not always report a dead pane's exit status, or keep its last words.
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';

const [file, program, ...args] = process.argv.slice(2);
writeFileSync(`${file}.stderr`, '');
const child = spawn(program, args, { stdio: ['inherit', 'inherit', 'pipe'] });
child.stderr.on('data', (chunk) => {
  appendFileSync(`${file}.stderr`, chunk);
  process.stderr.write(chunk);
});
child.on('exit', (code, signal) => {
  writeFileSync(file, JSON.stringify({ code, signal }));
  process.exit(0);
});
