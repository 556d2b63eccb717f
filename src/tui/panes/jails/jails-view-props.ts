import type { Dispatch, MutableRefObject } from 'react';
import type { ConfigJail, ConfigResult, FilterInfo } from '../../../control/protocol-results.js';
import type { FormContext } from './jail-form.js';
import type { JailsAction, JailsState } from './jails-reducer.js';

/** What the Jails pane hands each of its views (list, add form, filters, filter editor). */
export interface JailsViewProps {
  state: JailsState;
  dispatch: Dispatch<JailsAction>;
  config: ConfigResult;
  height: number;
  width: number;
  /** The `/` filter, lower-cased. */
  filter: string;
  jailRows: ConfigJail[];
  filterRows: FilterInfo[];
  /** The jail under the list's cursor (also the filter tester's default log). */
  selectedJail: ConfigJail | undefined;
  context: FormContext;
  /** After adding a jail or saving a filter: the row the cursor goes to once the config is read again. */
  selectAfterLoad: MutableRefObject<{ list: 'jails' | 'filters'; name: string } | null>;
  /** Reads the config and the counts again after a change. */
  afterChange(): Promise<void>;
}
