// fail2ban's samples are written for its test zone; fix ours before any Date is made.
process.env.TZ = 'Europe/Berlin';

/**
 * npm run conformance:fail2ban [-- --detail] [names...]: every stock fail2ban filter, loaded
 * unchanged by path, over fail2ban's own annotated sample of the same name (Debian package).
 */
const { checkStockFilter, formatStockReport, stockFilterNames } = await import('../test/conformance/stock-report.js');

const args = process.argv.slice(2);
const detail = args.includes('--detail');
const wanted = args.filter((a) => !a.startsWith('--'));
const names = stockFilterNames().filter((n) => wanted.length === 0 || wanted.includes(n));
if (names.length === 0) {
  console.log("No stock filters with samples found: fail2ban's Debian package is not installed.");
  process.exit(1);
}
const started = Date.now();
const rows = names.map((name) => checkStockFilter(name));
console.log(formatStockReport(rows, detail));
console.log(`(${names.length} filters in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
