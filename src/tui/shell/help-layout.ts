/** A titled block of the help. */
export interface HelpSection {
  title: string;
  lines: readonly string[];
}

/** One row of a help column. */
export interface HelpLine {
  text: string;
  title: boolean;
}

/**
 * Packs sections into columns of `rows` rows: a section starts a new column when it does not fit
 * whole in what is left of the current one (so no section spills into another), and one longer
 * than a column goes on in the next under its title and "(more)".
 */
export function layoutSections(sections: readonly HelpSection[], rows: number): HelpLine[][] {
  const columns: HelpLine[][] = [];
  let column: HelpLine[] = [];
  const flush = (): void => {
    if (column.length) columns.push(column);
    column = [];
  };
  for (const section of sections) {
    const size = section.lines.length + 1;
    if (column.length && column.length + size + 1 > rows) flush();
    if (column.length) column.push({ text: '', title: false });
    column.push({ text: section.title, title: true });
    for (const text of section.lines) {
      if (column.length >= rows) {
        flush();
        column.push({ text: `${section.title} (more)`, title: true });
      }
      column.push({ text, title: false });
    }
  }
  flush();
  return columns;
}
