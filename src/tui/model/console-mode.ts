import type { ControlChannel } from '../../control/channel.js';

/** How the console reaches the engine, for the header. */
export interface ConsoleMode {
  /** Attached to a running daemon (over its socket), or running the engine itself. */
  attached: boolean;
  /** The built-in demo: temporary logs, dry-run firewall. */
  demo: boolean;
  /** Changes are hidden and refused. */
  readOnly: boolean;
  /** The socket attached to, or the config file run. */
  where: string;
}

/** A connection to the daemon that says when it drops (the daemon's client). */
export interface DroppableChannel extends ControlChannel {
  /** Called once when the connection ends: with null after close(), with the reason otherwise. */
  onClose(listener: (error: Error | null) => void): () => void;
}

/** How the console gets the daemon back after it went away. */
export interface ConsoleModelOptions {
  /** Opens a new connection to the daemon, or gives null while none answers. */
  reconnect?: () => Promise<DroppableChannel | null>;
}

