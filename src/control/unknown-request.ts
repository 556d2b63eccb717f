/** Whether a daemon refused a request for not knowing its command or field (it predates them). */
export function isUnknownRequest(err: Error, name: string): boolean {
  return err.message.includes(`unknown command "${name}"`) || err.message.includes(`unknown field "${name}"`);
}
