/**
 * Ban actions besides the firewall: e-mail notices for `[notify.email]`, and the exec and
 * webhook hooks of `[actions.NAME]`.
 */
export { EmailNotifier } from './email-notifier.js';
export type { EmailNotifierDeps, EmailNotifierStatus } from './email-notifier.js';
export { createSmtpTransport } from './email-transport.js';
export { DEFAULT_RETRY_DELAYS } from './mail-outbox.js';
export type { MailTransport, OutgoingMail } from './mail-outbox.js';
export { formatBanMessage, formatDigestMessage, banLength } from './email-message.js';
export type { MailText, MessageContext } from './email-message.js';
export { escapeText, headerText } from './email-text.js';
export type { BanNotice, NotifierLog, NotifierLogLevel, NotifierTimers } from './types.js';
export type { EmailSettings, EmailTls } from '../config/schema.js';
export { ExecAction, runProgram } from './exec-action.js';
export { WebhookAction, postJson } from './webhook-action.js';
export type { WebhookBody } from './webhook-action.js';
export { hookActions } from './hook-actions.js';
export type { HookActions } from './hook-actions.js';
export { fillTemplate, hookEventOf } from './hook-event.js';
export type { HookEvent } from './hook-event.js';
export { HookQueue } from './hook-queue.js';
export type { HookJob, HookQueueOptions, HookQueueStatus } from './hook-queue.js';
