import type { ControlChannel } from '../control/index.js';
import type { LoadedConfig } from './engine-stack.js';
import { openChannel, type ChannelOptions } from './open-channel.js';

export type Out = NodeJS.WritableStream;

/** What every command-line verb gets: the config read once, the socket, the output streams. */
export interface VerbContext {
  loaded: LoadedConfig;
  socket?: string;
  out: Out;
  err: Out;
}

/**
 * Runs a verb against the engine service (the daemon, else in this process) and turns its
 * errors into `portcullis: <message>` and exit code 1. The verb returns its exit code (0 if none).
 */
export async function withChannel(
  ctx: VerbContext,
  options: Omit<ChannelOptions, 'socket'>,
  action: (channel: ControlChannel, where: { attached: boolean; notice?: string }) => Promise<number | void>,
): Promise<number> {
  let opened: Awaited<ReturnType<typeof openChannel>> | null = null;
  // Run here, a firewall command that fails is reported as the daemon would log it, and fails the verb.
  const errors: string[] = [];
  let code = 1;
  try {
    opened = await openChannel(ctx.loaded, { ...options, ...(ctx.socket ? { socket: ctx.socket } : {}) });
    if (!opened.attached) {
      await opened.channel.subscribe((event, data) => {
        if (event === 'error') errors.push(data.message);
      }, ['error']);
    }
    code = (await action(opened.channel, { attached: opened.attached, ...(opened.notice ? { notice: opened.notice } : {}) })) ?? 0;
  } catch (error) {
    ctx.err.write(`portcullis: ${(error as Error).message}\n`);
  } finally {
    await opened?.close();
  }
  for (const message of errors) ctx.err.write(`portcullis: ${message}\n`);
  return errors.length ? 1 : code;
}
