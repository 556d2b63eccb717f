import { Box } from 'ink';
import { useEffect, useReducer } from 'react';
import { diffRuleSets } from '../../../domain/index.js';
import { sshSession } from '../../../net/index.js';
import { navigationDelta } from '../../components/navigation-keys.js';
import { useNow } from '../../components/use-now.js';
import { useModel, useUiActions, useUiState } from '../../contexts.js';
import type { KeyBinding } from '../../keymap.js';
import { usePaneKeys } from '../../use-pane-keys.js';
import type { PaneProps } from '../pane-props.js';
import { DiffView } from './diff-view.js';
import { firewallKeys, RULE_FORM_KEYS, type FirewallCommand } from './firewall-keys.js';
import { firewallReducer, INITIAL_FIREWALL_STATE, otherNames, shownRules } from './firewall-reducer.js';
import { CONFIRMED, liveRules, ROLLED_BACK } from './firewall-snapshot.js';
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
  const now = useNow(useUiState().pane === 'firewall' ? 500 : null);
  const [state, dispatch] = useReducer(firewallReducer, INITIAL_FIREWALL_STATE);
  const { refresh, confirmTimeout } = useFirewallSnapshot(model, dispatch);
  const snapshot = state.snapshot;
  const rules = shownRules(state);
  const ruleCount = rules?.rules.length ?? 0;
  const listHeight = Math.max(1, height - STATUS_ROWS - warningRows(state) - (state.form ? RULE_FORM_ROWS : 0) - 1);
  const draftShown = state.mode === 'edit' ? state.draft : (snapshot?.draft ?? null);
  const diffLines = snapshot && draftShown ? diffRuleSets(liveRules(snapshot), draftShown) : [];
  const diffHeight = Math.max(1, height - 2);

  useEffect(() => dispatch({ type: 'clamp', length: ruleCount, height: listHeight }), [ruleCount, listHeight]);
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
      actions.say(`${result.message}: c confirms, r rolls back now`, 'warn');
      model.changed(true);
    } catch (err) {
      actions.say((err as Error).message, 'bad');
    }
    void refresh();
  };

  const settle = async (what: 'confirm' | 'rollback'): Promise<void> => {
    const result = await actions.run(model.request({ command: 'firewall', action: what }), (r) => r.message);
    if (result) dispatch({ type: 'settled', outcome: what === 'confirm' ? CONFIRMED : ROLLED_BACK, at: performance.now() });
    void refresh();
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
      case 'confirm':
      case 'rollback':
        void settle(command);
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

  // The form's keys are only shown: while it is open every key goes to onText.
  const keys: readonly KeyBinding[] = state.form
    ? RULE_FORM_KEYS
    : firewallKeys({ edit: state.mode === 'edit', diff: state.diff, pending: snapshot?.pending != null, warnings: state.warnings.length > 0 });
  usePaneKeys<string>('firewall', keys, (command) => onCommand(command as FirewallCommand), {
    capture: state.form !== null,
    onText: (input, name) => {
      const field = state.form?.field;
      if (name === 'esc') dispatch({ type: 'close-form' });
      else if (name === 'enter') dispatch({ type: 'submit-form' });
      else if (name === 'tab' || name === 'down') dispatch({ type: 'form-focus', step: 1 });
      else if (name === 'S-tab' || name === 'up') dispatch({ type: 'form-focus', step: -1 });
      else if (field && isChoiceField(field)) {
        if (name === 'space' || name === 'right') dispatch({ type: 'form-choose', how: { step: 1 } });
        else if (name === 'left') dispatch({ type: 'form-choose', how: { step: -1 } });
        else if (/^[a-z]$/i.test(input)) dispatch({ type: 'form-choose', how: { letter: input } });
      }
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
