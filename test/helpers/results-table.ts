/** Plain-text tables for the results a test prints once its cases ran. */

export type TableRow = Record<string, string | number | boolean | undefined>;

/** Columns in the order of the first row's keys; widths fit the longest cell. */
export function formatTable(rows: readonly TableRow[], title?: string): string {
  if (rows.length === 0) return title ? `${title}: no rows` : 'no rows';
  const columns = Object.keys(rows[0]);
  const cell = (row: TableRow, column: string): string => {
    const value = row[column];
    return value === undefined ? '' : String(value).replace(/\s+/g, ' ');
  };
  const widths = columns.map((column) =>
    Math.max(column.length, ...rows.map((row) => cell(row, column).length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((text, index) => text.padEnd(widths[index]))
      .join(' | ')
      .trimEnd();
  const lines = [
    line(columns),
    widths.map((width) => '-'.repeat(width)).join('-|-'),
    ...rows.map((row) => line(columns.map((column) => cell(row, column)))),
  ];
  return (title ? [title, ...lines] : lines).join('\n');
}

/** Cuts text to `length` characters for a table cell. */
export function clip(text: string, length = 70): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > length ? `${oneLine.slice(0, length - 1)}…` : oneLine;
}
