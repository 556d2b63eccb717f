/**
 * Ban actions besides the firewall: e-mail notices for `[notify.email]`.
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
