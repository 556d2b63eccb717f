import { z } from 'zod';
import { ACTION_NAMES } from '../domain/field-rules.js';
import { describeValue } from './errors.js';
import { duration, positiveInt, table, text } from './schema-parts.js';

/** The placeholders an exec template may use; each fills one argument, never splits it. */
export const HOOK_PLACEHOLDERS = ['<ip>', '<jail>', '<bantime>', '<failures>'] as const;

/** What every hook action shares: how long one run may take and how hard to retry. */
interface HookCommon {
  /** Seconds one run (or one request) may take before it is killed (aborted). */
  timeout: number;
  /** Further attempts after a failure, with doubling delays (1s, 2s, 4s, ...). */
  retries: number;
  /** Runs (requests) at once at most. */
  concurrency: number;
  /** Runs waiting at most; beyond it new ones are dropped and the drop is logged. */
  queue: number;
}

/** `[actions.NAME]` with `type = "exec"`: runs a program with an argument array, no shell. */
export interface ExecActionSettings extends HookCommon {
  type: 'exec';
  /** Program and arguments run on a ban; `<ip>`, `<jail>`, `<bantime>`, `<failures>` filled in. */
  ban?: string[];
  /** The same on an unban. */
  unban?: string[];
}

/** `[actions.NAME]` with `type = "webhook"`: POSTs a JSON body to a URL. */
export interface WebhookActionSettings extends HookCommon {
  type: 'webhook';
  url: string;
  /** Extra request headers, e.g. Authorization. */
  headers: Record<string, string>;
  /** Which events are sent ("ban", "unban"). */
  events: Array<'ban' | 'unban'>;
}

export type HookActionSettings = ExecActionSettings | WebhookActionSettings;

const argv = () =>
  z.array(z.string({ error: 'expected a string' }), { error: 'expected an array of strings (program, then arguments)' })
    .min(1, { error: 'expected at least the program' })
    .superRefine((args, ctx) => {
      if (!args[0]!.startsWith('/')) ctx.addIssue({ code: 'custom', path: [0], message: `${describeValue(args[0])} is not an absolute program path` });
      args.forEach((arg, i) => {
        if (/[\x00]/.test(arg)) ctx.addIssue({ code: 'custom', path: [i], message: 'expected an argument without NUL characters' });
        for (const tag of arg.match(/<[a-z_]+>/g) ?? []) {
          if (!(HOOK_PLACEHOLDERS as readonly string[]).includes(tag)) {
            ctx.addIssue({ code: 'custom', path: [i], message: `unknown placeholder ${tag} (known: ${HOOK_PLACEHOLDERS.join(', ')})` });
          }
        }
      });
    });

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

// One shape for both types, so a misspelt key gets a suggestion; the type's own keys are checked below.
export const hookShape = {
  type: z.enum(['exec', 'webhook'], { error: 'expected "exec" or "webhook"' }),
  ban: argv().optional(),
  unban: argv().optional(),
  url: text().optional(),
  headers: z.record(z.string(), z.string({ error: 'expected a string' }), { error: 'expected a table of header names and values' }).optional(),
  events: z.array(z.enum(['ban', 'unban'], { error: 'expected "ban" or "unban"' }), { error: 'expected an array of "ban" or "unban"' }).optional(),
  // Stopping the engine waits for the runs under way, so one may not take long.
  timeout: duration().pipe(z.number().max(600, { error: 'expected at most "10m"' })).prefault('10s'),
  retries: z.number({ error: 'expected an integer 0-10' }).int({ error: 'expected an integer 0-10' }).min(0, { error: 'expected an integer 0-10' }).max(10, { error: 'expected an integer 0-10' }).default(3),
  concurrency: positiveInt().max(32, { error: 'expected an integer 1-32' }).default(2),
  queue: positiveInt().max(100000, { error: 'expected an integer 1-100000' }).default(1000),
};

const ONLY: Record<'exec' | 'webhook', string[]> = { exec: ['ban', 'unban'], webhook: ['url', 'headers', 'events'] };

const hookSchema = table(hookShape).transform((hook, ctx): HookActionSettings => {
  const other = hook.type === 'exec' ? 'webhook' : 'exec';
  for (const key of ONLY[other]) {
    if ((hook as Record<string, unknown>)[key] !== undefined) ctx.addIssue({ code: 'custom', path: [key], message: `is for type = "${other}", not "${hook.type}"` });
  }
  const common = { timeout: hook.timeout, retries: hook.retries, concurrency: hook.concurrency, queue: hook.queue };
  if (hook.type === 'exec') {
    if (!hook.ban && !hook.unban) ctx.addIssue({ code: 'custom', path: ['ban'], message: 'an exec action needs `ban`, `unban` or both' });
    return { type: 'exec', ...common, ...(hook.ban ? { ban: hook.ban } : {}), ...(hook.unban ? { unban: hook.unban } : {}) };
  }
  let url: URL | null = null;
  try {
    url = hook.url === undefined ? null : new URL(hook.url);
  } catch {
    url = null;
  }
  if (hook.url === undefined) ctx.addIssue({ code: 'custom', path: ['url'], message: 'a webhook action needs `url`' });
  else if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    ctx.addIssue({ code: 'custom', path: ['url'], message: `${describeValue(hook.url)} is not an http:// or https:// URL` });
  }
  for (const [name, value] of Object.entries(hook.headers ?? {})) {
    if (!HEADER_NAME.test(name)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: `${describeValue(name)} is not a header name` });
    if (/[\r\n\x00]/.test(value)) ctx.addIssue({ code: 'custom', path: ['headers', name], message: 'expected a header value without line breaks' });
  }
  return { type: 'webhook', ...common, url: hook.url ?? '', headers: hook.headers ?? {}, events: hook.events ?? ['ban', 'unban'] };
});

/** `[actions]`: hook actions by name; jails list the names in their `actions`. */
export const actionsSchema = z
  .record(
    z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, { error: 'action names may only use letters, digits, "_", "." and "-"' }),
    hookSchema,
    { error: 'expected a table of actions' },
  )
  .superRefine((actions, ctx) => {
    for (const name of Object.keys(actions)) {
      if ((ACTION_NAMES as readonly string[]).includes(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is a built-in action; give the hook another name` });
      }
    }
  });

/** Whether `name` is an action a jail may list: a built-in one or one of `[actions]`. */
export function isKnownAction(name: string, actions: Record<string, HookActionSettings> | undefined): boolean {
  return (ACTION_NAMES as readonly string[]).includes(name) || (actions !== undefined && Object.hasOwn(actions, name));
}
