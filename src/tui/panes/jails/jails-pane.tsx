import { Text } from 'ink';
import type { PaneProps } from '../pane-props.js';

/** TEMPORARY: replaced by the real pane. */
export function JailsPane(_props: PaneProps) {
  return <Text>this pane is being written</Text>;
}
