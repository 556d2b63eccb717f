import type { RuleSet } from '../../../firewall/types.js';
import { applyCursor, type CursorAction, type ListCursor } from '../../components/list-cursor.js';
import { outcomeOf, type ApplyOutcome, type FirewallSnapshot, type WatchedApply } from './firewall-snapshot.js';
import { blankForm, checkRuleForm, chooseOption, formFromRule, isChoiceField, ruleFromForm, RULE_FIELDS, type RuleField, type RuleForm } from './rule-form.js';

/**
 * The Firewall pane's own state. It shows the LIVE rules, or in edit mode a DRAFT: a working copy
 * of the saved draft that changes nothing until it is saved (`w`) and applied.
 */
export interface FirewallState extends ListCursor {
  mode: 'view' | 'edit';
  /** The last `firewall show`, null until the first arrives. */
  snapshot: FirewallSnapshot | null;
  loadError: string | null;
  /** The working copy in edit mode. */
  draft: RuleSet | null;
  /** The working copy has changes not yet saved. */
  dirty: boolean;
  form: RuleForm | null;
  /** The diff between the live rules and the draft is open, scrolled to `diffTop`. */
  diff: boolean;
  diffTop: number;
  /** Lock-out warnings of a refused apply (a forced apply is offered while they show). */
  warnings: string[];
  /** The pending apply, as last seen: when it ends, `outcome` says how. */
  watched: WatchedApply | null;
  outcome: ApplyOutcome | null;
  /** `firewall show` answers to requests sent before this (performance.now()) are stale. */
  staleBefore: number;
}

export type FirewallAction =
  | { type: 'loaded'; snapshot: FirewallSnapshot; startedAt: number; now: number }
  | { type: 'load-failed'; error: string }
  | CursorAction
  | { type: 'enter-edit' }
  | { type: 'leave-edit' }
  | { type: 'open-form'; edit: boolean }
  | { type: 'close-form' }
  | { type: 'form-text'; field: RuleField; text: string }
  | { type: 'form-focus'; step: number }
  | { type: 'form-choose'; how: { step: number } | { letter: string } }
  | { type: 'submit-form' }
  | { type: 'delete' }
  | { type: 'shift'; step: number }
  | { type: 'toggle-policy' }
  | { type: 'saved'; draft: RuleSet }
  | { type: 'diff'; open: boolean }
  | { type: 'scroll-diff'; step: number; length: number; height: number }
  | { type: 'refused'; warnings: string[] }
  | { type: 'applied'; watched: WatchedApply; at: number }
  | { type: 'settled'; outcome: ApplyOutcome; at: number };

export const INITIAL_FIREWALL_STATE: FirewallState = {
  mode: 'view',
  snapshot: null,
  loadError: null,
  draft: null,
  dirty: false,
  form: null,
  diff: false,
  diffTop: 0,
  warnings: [],
  watched: null,
  outcome: null,
  staleBefore: 0,
  cursor: 0,
  top: 0,
};

/** The rules on screen: the working copy in edit mode, else the live ones. */
export function shownRules(state: FirewallState): RuleSet | null {
  if (state.mode === 'edit') return state.draft;
  return state.snapshot ? (state.snapshot.pending?.applied ?? state.snapshot.current) : null;
}

/** The names of the draft's rules other than the one the form edits. */
export function otherNames(state: FirewallState): string[] {
  const rules = state.draft?.rules ?? [];
  return rules.filter((_, i) => i !== state.form?.index).map((r) => r.name);
}

export function firewallReducer(state: FirewallState, action: FirewallAction): FirewallState {
  switch (action.type) {
    case 'loaded':
      return loaded(state, action.snapshot, action.startedAt, action.now);
    case 'load-failed':
      return { ...state, loadError: action.error };
    case 'move':
    case 'clamp':
      return applyCursor(state, action);
    case 'enter-edit':
      if (!state.snapshot) return state;
      return { ...state, mode: 'edit', draft: structuredClone(state.snapshot.draft), dirty: false, form: null, diff: false, cursor: 0, top: 0 };
    case 'leave-edit':
      return { ...state, mode: 'view', draft: null, dirty: false, form: null, diff: false, cursor: 0, top: 0 };
    case 'open-form': {
      if (!state.draft) return state;
      const rule = state.draft.rules[state.cursor];
      if (action.edit) return rule ? { ...state, form: formFromRule(rule, state.cursor) } : state;
      return { ...state, form: blankForm() };
    }
    case 'close-form':
      return { ...state, form: null };
    case 'form-text':
      return state.form ? { ...state, form: { ...state.form, values: { ...state.form.values, [action.field]: action.text } } } : state;
    case 'form-focus': {
      if (!state.form) return state;
      const at = RULE_FIELDS.indexOf(state.form.field);
      const field = RULE_FIELDS[(at + action.step + RULE_FIELDS.length) % RULE_FIELDS.length]!;
      return { ...state, form: { ...state.form, field } };
    }
    case 'form-choose': {
      const form = state.form;
      if (!form || !isChoiceField(form.field)) return state;
      const value = chooseOption(form.field, form.values[form.field], action.how);
      return { ...state, form: { ...form, values: { ...form.values, [form.field]: value } } };
    }
    case 'submit-form':
      return submitForm(state);
    case 'delete': {
      if (!state.draft || !state.draft.rules[state.cursor]) return state;
      const rules = state.draft.rules.filter((_, i) => i !== state.cursor);
      return { ...state, draft: { ...state.draft, rules }, dirty: true, cursor: Math.min(state.cursor, Math.max(0, rules.length - 1)) };
    }
    case 'shift': {
      const rules = state.draft ? [...state.draft.rules] : [];
      const to = state.cursor + action.step;
      if (!state.draft || to < 0 || to >= rules.length) return state;
      [rules[state.cursor], rules[to]] = [rules[to]!, rules[state.cursor]!];
      return { ...state, draft: { ...state.draft, rules }, dirty: true, cursor: to };
    }
    case 'toggle-policy':
      if (!state.draft) return state;
      return { ...state, draft: { ...state.draft, defaultPolicy: state.draft.defaultPolicy === 'accept' ? 'drop' : 'accept' }, dirty: true };
    case 'saved':
      return state.mode === 'edit' ? { ...state, draft: action.draft, dirty: false } : state;
    case 'diff':
      return { ...state, diff: action.open, diffTop: 0, form: action.open ? null : state.form };
    case 'scroll-diff': {
      const max = Math.max(0, action.length - action.height);
      return { ...state, diffTop: Math.min(max, Math.max(0, state.diffTop + action.step)) };
    }
    case 'refused':
      return { ...state, warnings: action.warnings };
    case 'applied':
      // The working copy was saved before the apply: leave edit mode to watch the countdown.
      return {
        ...state,
        mode: 'view',
        draft: null,
        dirty: false,
        form: null,
        diff: false,
        warnings: [],
        watched: action.watched,
        outcome: null,
        staleBefore: action.at,
        snapshot: state.snapshot ? { ...state.snapshot, pending: { previous: state.snapshot.current, ...action.watched } } : null,
      };
    case 'settled':
      return { ...state, watched: null, outcome: action.outcome, staleBefore: action.at };
  }
}

function loaded(state: FirewallState, snapshot: FirewallSnapshot, startedAt: number, now: number): FirewallState {
  // An answer to a request sent before our own apply, confirm or rollback would undo what it showed.
  if (startedAt < state.staleBefore) return state;
  let { watched, outcome } = state;
  if (snapshot.pending) {
    if (!watched || watched.deadline !== snapshot.pending.deadline) outcome = null;
    watched = { applied: snapshot.pending.applied, deadline: snapshot.pending.deadline };
  } else if (watched) {
    outcome = outcomeOf(watched, snapshot, now);
    watched = null;
  }
  return { ...state, snapshot, loadError: null, watched, outcome };
}

function submitForm(state: FirewallState): FirewallState {
  const form = state.form;
  if (!form || !state.draft) return state;
  if (checkRuleForm(form, otherNames(state)).length > 0) return { ...state, form: { ...form, tried: true } };
  const rule = ruleFromForm(form);
  const rules = [...state.draft.rules];
  let cursor: number;
  if (form.index === null) {
    rules.push(rule);
    cursor = rules.length - 1;
  } else {
    rules[form.index] = rule;
    cursor = form.index;
  }
  return { ...state, draft: { ...state.draft, rules }, dirty: true, form: null, cursor };
}
