import type * as RunCommand from '../../src/firewall/run-command.js';

/**
 * The run-command module with `runCommand` noting each argv in `commands` before it runs: for a
 * test's `vi.mock` factory (vitest hoists `vi.mock` only in the test file itself), to count the
 * processes an operation starts. The long-lived sessions are not among them.
 */
export function recordingRunCommand(original: typeof RunCommand, commands: string[][]): typeof RunCommand {
  return {
    ...original,
    runCommand: (...args: Parameters<typeof original.runCommand>) => {
      commands.push(args[0]);
      return original.runCommand(...args);
    },
  };
}
