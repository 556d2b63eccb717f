import { Box } from 'ink';
import { useEffect, useLayoutEffect, useReducer } from 'react';
import { diffRuleSets } from '../../../domain/index.js';
import { sshSession } from '../../../net/index.js';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useNow } from '../../components/use-now.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import type { KeyBinding } from '../../keymap.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { DiffView } from './diff-view.js';
import { firewallKeys, RULE_CHOICE_KEYS, RULE_FORM_KEYS, type FirewallCommand, type RuleFormCommand } from './firewall-keys.js';
import { firewallReducer, INITIAL_FIREWALL_STATE, otherNames, shownRules } from './firewall-reducer.js';
import { liveRules } from './firewall-snapshot.js';
import { FirewallStatus, STATUS_ROWS, warningRows } from './firewall-status.js';
import { isChoiceField, ruleToRequest, visibleProblems } from './rule-form.js';
import { RULE_FORM_ROWS, RuleFormView } from './rule-form-view.js';
import { RuleTable } from './rule-table.js';
import { useFirewallSnapshot } from './use-firewall-snapshot.js';

/**
 * Firewall: the LIVE rules (what the kernel has now) and, after `e`, a DRAFT to edit: add, change,
 * delete and reorder rules, flip the default policy, look at the diff, save it, and apply it.
 * An applied set is rolled back unless confirmed (`c`) before its countdown ends.
 */
export function FirewallPane({ height, width }: PaneProps) {
  const model = useModel();
  const actions = useUiActions();
  const shown = useUiState().pane === 'firewall';
  const now = useNow(shown ? 500 : null);
  const [state, dispatch] = useReducer(firewallReducer, INITIAL_FIREWALL_STATE);
  const { refresh, confirmTimeout } = useFirewallSnapshot(model, dispatch, shown);
  const snapshot = state.snapshot;
  const rules = shownRules(state);
  const ruleCount = rules?.rules.length ?? 0;
  const listHeight = Math.max(1, height - STATUS_ROWS - warningRows(state) - (state.form ? RULE_FORM_ROWS : 0) - 1);
  const draftShown = state.mode === 'edit' ? state.draft : (snapshot?.draft ?? null);
  const diffLines = snapshot && draftShown ? diffRuleSets(liveRules(snapshot), draftShown) : [];
  const diffHeight = Math.max(1, height - 2);

  useLayoutEffect(() => dispatch({ type: 'clamp', length: ruleCount, height: listHeight }), [ruleCount, listHeight]);
  const unsaved = state.mode === 'edit' && state.dirty;
  useEffect(() => actions.setUnsaved('firewall', unsaved ? 'firewall rule draft' : null), [unsaved]);

  /** Saves the working copy as the draft (the overlay file); false when the engine refused it. */
  const saveDraft = async (): Promise<boolean> => {
    const draft = state.draft;
    if (state.mode !== 'edit' || !draft) return true;
    const result = await actions.run(
      model.request({ command: 'firewall', action: 'draft', rules: draft.rules.map(ruleToRequest), default_policy: draft.defaultPolicy }),
      () => `draft saved: ${plural(draft.rules.length, 'rule')}, default policy ${draft.defaultPolicy} (not live until applied)`,
    );
    if (!result) return false;
    if (result.action === 'draft') dispatch({ type: 'saved', draft: result.data });
    return true;
  };

  /** Shows lock-out warnings and offers to apply anyway. */
  const refuse = (warnings: string[]): void => {
    dispatch({ type: 'refused', warnings });
    actions.confirm(`Not applied: it could lock you out. Apply anyway (${plural(warnings.length, 'warning')})?`, () => void applyDraft(true));
  };

  const applyDraft = async (force: boolean): Promise<void> => {
    if (state.mode === 'edit' && state.dirty && !(await saveDraft())) return;
    try {
      // The service checks the draft against this terminal's SSH session and the trusted ranges.
      const session = sshSession();
      const result = await model.request({ command: 'firewall', action: 'apply', ...(force ? { force: true } : {}), ...(session ? { session } : {}) });
      if (result.action !== 'apply') return;
      if (!result.data.applied) return refuse(result.data.warnings);
      const { pending } = result.data;
      dispatch({ type: 'applied', watched: { applied: pending.applied, deadline: pending.deadline }, at: performance.now() });
      actions.say(`${result.message}: C confirms, R rolls back now (from any pane)`, 'warn');
      model.changed(true);
    } catch (err) {
      actions.say((err as Error).message, 'bad');
    }
    void refresh();
  };

  const onFormCommand = (command: RuleFormCommand): void => {
    switch (command) {
      case 'cancel':
        return dispatch({ type: 'close-form' });
      case 'submit':
        return dispatch({ type: 'submit-form' });
      case 'next-field':
      case 'previous-field':
        return dispatch({ type: 'form-focus', step: command === 'next-field' ? 1 : -1 });
      case 'choose-next':
      case 'choose-previous':
        return dispatch({ type: 'form-choose', how: { step: command === 'choose-next' ? 1 : -1 } });
    }
  };

  const onCommand = (command: FirewallCommand): void => {
    if (state.diff) {
      const step = navigationDelta(command, diffHeight, diffLines.length);
      if (step !== null) return dispatch({ type: 'scroll-diff', step, length: diffLines.length, height: diffHeight - 2 });
    }
    const step = navigationDelta(command, listHeight, ruleCount);
    if (step !== null) return dispatch({ type: 'move', step, length: ruleCount, height: listHeight });
    switch (command) {
      case 'edit':
        if (snapshot) dispatch({ type: 'enter-edit' });
        return;
      case 'leave':
        if (state.dirty) actions.confirm('Leave edit mode and drop the unsaved changes?', () => dispatch({ type: 'leave-edit' }));
        else dispatch({ type: 'leave-edit' });
        return;
      case 'diff':
        return dispatch({ type: 'diff', open: true });
      case 'close-diff':
        return dispatch({ type: 'diff', open: false });
      case 'add':
        return dispatch({ type: 'open-form', edit: false });
      case 'change':
        return dispatch({ type: 'open-form', edit: true });
      case 'delete':
        return dispatch({ type: 'delete' });
      case 'raise':
        return dispatch({ type: 'shift', step: -1 });
      case 'lower':
        return dispatch({ type: 'shift', step: 1 });
      case 'policy':
        return dispatch({ type: 'toggle-policy' });
      case 'save':
        void saveDraft().then(() => refresh());
        return;
      case 'apply':
        void applyDraft(false);
        return;
      case 'force':
        void applyDraft(true);
        return;
      default:
        return;
    }
  };

  // Short enough, with " (y/N)", for one line of 80 columns.
  const applyQuestion = (): string => {
    const set = state.mode === 'edit' ? state.draft : snapshot?.draft;
    const what = set ? `${plural(set.rules.length, 'rule')} (policy ${set.defaultPolicy})` : 'the draft';
    const verb = state.mode === 'edit' && state.dirty ? 'Save and apply' : 'Apply';
    const timeout = confirmTimeout !== null ? ` in ${confirmTimeout}s` : '';
    return `${verb} ${what}? Unconfirmed, it rolls back${timeout}`;
  };

  const onChoice = state.form !== null && isChoiceField(state.form.field);
  const keys: readonly KeyBinding[] = state.form
    ? onChoice
      ? RULE_CHOICE_KEYS
      : RULE_FORM_KEYS
    : firewallKeys({ edit: state.mode === 'edit', diff: state.diff, warnings: state.warnings.length > 0 });
  usePaneKeys<string>('firewall', keys, (command) => (state.form ? onFormCommand(command as RuleFormCommand) : onCommand(command as FirewallCommand)), {
    capture: state.form !== null,
    onText: (input) => {
      // On a choice field a letter picks the choice it starts; on a text field it is typed there.
      if (onChoice && /^[a-z]$/i.test(input)) dispatch({ type: 'form-choose', how: { letter: input } });
    },
    question: (command) => (command === 'force' ? 'Apply anyway, despite the lock-out warnings?' : applyQuestion()),
  });

  if (state.diff) {
    const title = state.mode === 'edit' ? `DIFF live → draft${state.dirty ? ' (unsaved)' : ''}` : 'DIFF live → saved draft';
    return <DiffView title={title} lines={diffLines} top={state.diffTop} height={height} />;
  }
  return (
    <Box flexDirection="column" height={height}>
      <FirewallStatus state={state} now={Math.max(now, Date.now())} />
      {state.form ? (
        <RuleFormView form={state.form} problems={visibleProblems(state.form, otherNames(state))} onChange={(field, text) => dispatch({ type: 'form-text', field, text })} />
      ) : null}
      {rules ? <RuleTable rules={rules} cursor={state.cursor} top={state.top} height={listHeight} width={width} /> : null}
    </Box>
  );
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
