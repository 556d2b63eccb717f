export { IptablesBackend } from './iptables-backend.js';
