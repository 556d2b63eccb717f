// Runs a program on this terminal and writes how it ended to a file: `record-exit.mjs <file>
// <program> [args...]`. tmux does not always report a dead pane's exit status.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';

const [file, program, ...args] = process.argv.slice(2);
const child = spawn(program, args, { stdio: 'inherit' });
child.on('exit', (code, signal) => {
  writeFileSync(file, JSON.stringify({ code, signal }));
  process.exit(0);
});
