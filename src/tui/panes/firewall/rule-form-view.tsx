import { Box, Text } from 'ink';
import { TextField } from '../../input/text-field.js';
import { tone } from '../../theme.js';
import { isChoiceField, RULE_CHOICES, RULE_FIELDS, type FormProblem, type RuleField, type RuleForm } from './rule-form.js';

const LABELS: Record<RuleField, string> = {
  name: 'Name',
  action: 'Action',
  protocol: 'Protocol',
  ports: 'Ports',
  sources: 'From',
  comment: 'Comment',
};

const PLACEHOLDERS: Partial<Record<RuleField, string>> = {
  name: 'ssh, web, block-scanner (letters, digits, _ . -)',
  ports: '22, 80, 8000-8100 (empty: every port; tcp/udp only)',
  sources: '203.0.113.0/24, 2001:db8::/48 (empty: anywhere)',
  comment: 'why this rule exists',
};

/** Rows the form takes: a title, one per field, one for the problems. */
export const RULE_FORM_ROWS = RULE_FIELDS.length + 2;

/** The rule form: typed fields, choice fields, and what is wrong (checked as you type). */
export function RuleFormView({ form, problems, onChange }: { form: RuleForm; problems: FormProblem[]; onChange: (field: RuleField, text: string) => void }) {
  const wrong = new Set(problems.map((p) => p.field));
  const first = problems[0];
  const unnamed = !form.values.name.trim();
  return (
    <Box flexDirection="column">
      <Text bold color={tone('draft')} wrap="truncate-end">
        {form.index === null ? 'New rule' : `Edit rule ${form.index + 1}`}
        <Text color={tone('muted')}> (Tab moves between fields, Enter keeps the rule, Esc cancels)</Text>
      </Text>
      {RULE_FIELDS.map((field) => {
        const focused = form.field === field;
        // Choices start with their bracket, so both kinds line up.
        const label = `${focused ? '›' : ' '} ${LABELS[field].padEnd(isChoiceField(field) ? 9 : 10)}`;
        return (
          <Box key={field}>
            <Text color={wrong.has(field) ? tone('bad') : focused ? tone('accent') : undefined}>{label}</Text>
            {isChoiceField(field) ? (
              <Text wrap="truncate-end">
                {RULE_CHOICES[field].map((option) =>
                  option === form.values[field] ? (
                    <Text key={option} bold inverse={focused}>
                      {`[${option}]`}
                    </Text>
                  ) : (
                    <Text key={option} color={tone('muted')}>{` ${option} `}</Text>
                  ),
                )}
              </Text>
            ) : (
              <TextField
                value={form.values[field]}
                focus={focused}
                onChange={(text) => onChange(field, text)}
                placeholder={focused ? PLACEHOLDERS[field] : ''}
              />
            )}
          </Box>
        );
      })}
      <Text color={first ? tone('bad') : unnamed ? tone('muted') : tone('good')} wrap="truncate-end">
        {first
          ? `${LABELS[first.field].toLowerCase()}: ${first.message}${problems.length > 1 ? ` (+${problems.length - 1} more)` : ''}`
          : unnamed
            ? 'give the rule a name'
            : 'valid: Enter keeps the rule in the draft'}
      </Text>
    </Box>
  );
}
