/**
 * The console draws on the terminal's alternate screen, so quitting gives back the shell as it
 * was (no last frame left in the scrollback), and turns bracketed paste on, so a paste reaches a
 * text field as text and never as key commands.
 */
export function enterConsoleScreen(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\x1b[?1049h\x1b[H\x1b[?2004h');
}

/** Back to the main screen, bracketed paste off, the cursor shown. */
export function leaveConsoleScreen(stream: NodeJS.WriteStream): void {
  if (stream.isTTY) stream.write('\x1b[?2004l\x1b[?1049l\x1b[?25h');
}
