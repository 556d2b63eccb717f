import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { waitFor } from './wait.js';

/** One datagram a notify socket received, with the sender's pid from its credentials. */
export interface NotifyMessage {
  pid: number;
  text: string;
}

/** A real AF_UNIX datagram socket, as systemd's NOTIFY_SOCKET is, that records what it receives. */
export interface NotifySocket {
  path: string;
  messages: NotifyMessage[];
  /** Waits until a message satisfies `match`, returning it. */
  waitFor(match: (m: NotifyMessage) => boolean, what: string, ms?: number): Promise<NotifyMessage>;
  close(): Promise<void>;
}

// Node.js has no datagram Unix sockets, so the receiving end is Python's. It asks for the
// sender's credentials (SO_PASSCRED) and closes every descriptor it is passed: systemd-notify's
// BARRIER=1 waits for exactly that, as systemd itself does.
const RECEIVER = `
import array, json, os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(sys.argv[1])
print(json.dumps({"bound": True}), flush=True)
while True:
    data, anc, flags, addr = s.recvmsg(65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(64 * 4))
    pid = 0
    for level, kind, payload in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
            pid = struct.unpack("iII", payload[:12])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array("i")
            fds.frombytes(payload[: len(payload) - len(payload) % 4])
            for fd in fds:
                os.close(fd)
    print(json.dumps({"pid": pid, "text": data.decode("utf-8", "replace")}), flush=True)
`;

/** Binds a notify socket at `<dir>/notify.sock`. */
export async function openNotifySocket(dir: string): Promise<NotifySocket> {
  const socketPath = path.join(dir, 'notify.sock');
  const child: ChildProcess = spawn('/usr/bin/python3', ['-c', RECEIVER, socketPath], { stdio: ['ignore', 'pipe', 'pipe'] });
  const messages: NotifyMessage[] = [];
  let bound = false;
  let stderr = '';
  let pending = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      const record = JSON.parse(line) as { bound?: boolean } & NotifyMessage;
      if (record.bound) bound = true;
      else messages.push({ pid: record.pid, text: record.text });
    }
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  await waitFor(() => {
    if (child.exitCode !== null) throw new Error(`notify socket receiver exited: ${stderr}`);
    return bound;
  }, 'the notify socket to be bound', 15_000);
  return {
    path: socketPath,
    messages,
    async waitFor(match, what, ms = 30_000) {
      let found: NotifyMessage | undefined;
      await waitFor(() => (found = messages.find(match)) !== undefined, what, ms, 20);
      return found!;
    },
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}
