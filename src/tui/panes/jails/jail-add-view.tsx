import { Box } from 'ink';
import { useEffect } from 'react';
import { useModel, useUiActions } from '../../contexts.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import { FORM_CHROME_ROWS, JailFormView } from './jail-form-view.js';
import { formRequest } from './jail-form.js';
import { JAIL_FORM_KEYS, type JailFormCommand } from './jails-keys.js';
import type { JailsViewProps } from './jails-view-props.js';

/** Most rows the filter picker lists at once. */
const MOST_PICK_ROWS = 8;

/** The add-a-jail form: checked as it is typed, then checked by the engine before it is kept. */
export function JailAddView({ state, dispatch, config, height, width, context, selectAfterLoad, afterChange }: JailsViewProps) {
  const model = useModel();
  const actions = useUiActions();
  const form = state.form;

  // The filters to pick from are read through the channel each time the form opens: a filter
  // dropped into a folder since shows up.
  useEffect(() => {
    let live = true;
    model.request({ command: 'filter-list' }).then(
      (list) => {
        if (live) dispatch({ type: 'filter-choices', filters: list.filters });
      },
      (err: Error) => {
        if (live) dispatch({ type: 'form-refused', field: 'filter', error: `cannot read the filters: ${err.message}` });
      },
    );
    return () => {
      live = false;
    };
  }, [model]);

  const submit = (): void => {
    if (!form || form.busy) return;
    const checked = formRequest(form, context);
    if ('error' in checked) return dispatch({ type: 'form-refused', field: checked.field, error: checked.error });
    dispatch({ type: 'form-busy', busy: true });
    model.request(checked.request).then(
      (jail) => {
        selectAfterLoad.current = { list: 'jails', name: jail.name };
        dispatch({ type: 'view', view: 'list' });
        actions.say(`added jail ${jail.name}: filter ${jail.filter}, ${jail.logpath.length} log file${jail.logpath.length === 1 ? '' : 's'}, ${jail.enabled ? 'running' : 'off'}`);
        void afterChange();
      },
      (err: Error) => {
        // Nothing was written: the engine checks the jail (and its filter) before it keeps it.
        dispatch({ type: 'form-refused', error: err.message });
        actions.say(`jail not added: ${err.message}`, 'bad');
      },
    );
  };

  const onCommand = (command: JailFormCommand): void => {
    switch (command) {
      case 'cancel':
        return dispatch({ type: 'view', view: 'list' });
      case 'next':
      case 'previous':
        return dispatch({ type: 'form-field', step: command === 'next' ? 1 : -1 });
      case 'pick-previous':
      case 'pick-next':
        if (form?.field === 'filter') dispatch({ type: 'form-pick', step: command === 'pick-previous' ? -1 : 1, context });
        return;
      case 'submit':
        return submit();
    }
  };
  usePaneKeys('jails', JAIL_FORM_KEYS, onCommand, { capture: true });
  if (!form) return null;
  return (
    <Box height={height} flexDirection="column">
      <JailFormView
        form={form}
        filters={state.filterChoices}
        pickRows={Math.max(1, Math.min(MOST_PICK_ROWS, height - FORM_CHROME_ROWS))}
        settings={config.settings}
        width={width}
        onChange={(field, text) => dispatch({ type: 'form-edit', field, text, context })}
      />
    </Box>
  );
}
