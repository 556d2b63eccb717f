import { Box, Text } from 'ink';
import { diffRuleSets } from '../../../domain/index.js';
import { tone } from '../../theme.js';
import type { FirewallState } from './firewall-reducer.js';
import { diffCounts, liveRules } from './firewall-snapshot.js';

/** Rows the status takes above the rules (the warnings add theirs, see {@link warningRows}). */
export const STATUS_ROWS = 3;

/** Rows the lock-out warnings take: a title, up to three warnings, the way out. */
export function warningRows(state: FirewallState): number {
  return state.warnings.length ? Math.min(3, state.warnings.length) + 2 : 0;
}

/** Seconds until an applied rule set is rolled back, never below 0. */
export function secondsLeft(deadline: number, now: number): number {
  return Math.max(0, Math.ceil((deadline - now) / 1000));
}

/**
 * What is in force and what is waiting: LIVE (view) or DRAFT (editing), whether the draft differs
 * from what is live, and the countdown of an apply waiting for confirmation or how the last one ended.
 */
export function FirewallStatus({ state, now }: { state: FirewallState; now: number }) {
  const snapshot = state.snapshot;
  if (!snapshot) {
    return (
      <Box flexDirection="column" height={STATUS_ROWS}>
        <Text color={state.loadError ? tone('bad') : tone('muted')} wrap="truncate-end">
          {state.loadError ? `cannot read the firewall: ${state.loadError}` : 'reading the firewall…'}
        </Text>
      </Box>
    );
  }
  const live = liveRules(snapshot);
  const pending = snapshot.pending;
  let first;
  let second;
  if (state.mode === 'edit' && state.draft) {
    const draft = state.draft;
    first = (
      <Text wrap="truncate-end">
        <Text bold inverse color={tone('draft')}>
          {' DRAFT '}
        </Text>
        <Text color={tone('draft')}>
          {` editing · default policy ${draft.defaultPolicy} · ${count(draft.rules.length)} · `}
          {state.dirty ? 'unsaved changes (w saves)' : 'saved'}
        </Text>
      </Text>
    );
    const { added, removed } = diffCounts(diffRuleSets(live, draft));
    const policy = draft.defaultPolicy !== live.defaultPolicy ? ', policy changed' : '';
    second = (
      <Text color={tone('muted')} wrap="truncate-end">
        {added || removed || policy ? `vs live: +${added} -${removed}${policy} (d shows the diff)` : 'same as live'} · nothing changes until applied (A)
      </Text>
    );
  } else {
    first = (
      <Text wrap="truncate-end">
        <Text bold inverse color={tone('accent')}>
          {' LIVE '}
        </Text>
        {pending ? <Text color={tone('warn')}> applied, unconfirmed</Text> : ' rules in force'}
        {` · ${snapshot.backend} backend · default policy ${live.defaultPolicy} · ${count(live.rules.length)}`}
      </Text>
    );
    const lines = diffRuleSets(live, snapshot.draft);
    const { added, removed } = diffCounts(lines);
    const policy = snapshot.draft.defaultPolicy !== live.defaultPolicy;
    second = (
      <Text color={added || removed || policy ? tone('warn') : tone('muted')} wrap="truncate-end">
        {added || removed || policy
          ? `Saved draft differs from live: +${added} -${removed}${policy ? ', policy changed' : ''} (d diff · a apply · e edit)`
          : 'Saved draft: same as live (e edits it)'}
      </Text>
    );
  }
  return (
    <Box flexDirection="column">
      {first}
      {second}
      {pending ? (
        <Text bold color={tone('warn')} wrap="truncate-end">
          {secondsLeft(pending.deadline, now) > 0
            ? `UNCONFIRMED: the previous rules come back in ${secondsLeft(pending.deadline, now)}s · C confirm · R roll back (any pane)`
            : 'UNCONFIRMED: time is up, the previous rules are coming back…'}
        </Text>
      ) : state.outcome ? (
        <Text color={tone(state.outcome.tone)} wrap="truncate-end">
          {state.outcome.text}
        </Text>
      ) : (
        <Text color={tone('muted')} wrap="truncate-end">
          No apply waiting for confirmation
        </Text>
      )}
      {state.warnings.length ? (
        <Box flexDirection="column">
          <Text bold color={tone('bad')} wrap="truncate-end">
            Apply refused: these rules could lock you out
          </Text>
          {state.warnings.slice(0, 3).map((warning, i) => (
            <Text key={i} color={tone('bad')} wrap="truncate-end">
              {`  • ${warning}`}
            </Text>
          ))}
          <Text color={tone('muted')} wrap="truncate-end">
            {state.warnings.length > 3 ? `  (+${state.warnings.length - 3} more) ` : '  '}F applies anyway (asks first), or change the draft
          </Text>
        </Box>
      ) : null}
    </Box>
  );
}

function count(n: number): string {
  return n === 1 ? '1 rule' : `${n} rules`;
}
