import { Text } from 'ink';

/** TEMPORARY while the pane is written. */
export function PendingPane() {
  return <Text>this pane is being written</Text>;
}
