// Reads the tables of docs/errors.md's "Bad input" section, for the tests that try
// each row (tests/package/bad-input.test.mjs, tests/e2e/bad-input.test.mjs;
// tests/bad_input.rs reads the command-line table the same way).
import { readFileSync } from 'node:fs';

const TABLES = new URL('../docs/errors.md', import.meta.url);

/** Inline code spans of a Markdown table cell, as CommonMark reads them. */
function codeSpans(cell) {
  return [...cell.matchAll(/(`+)(.+?)\1(?!`)/g)].map(([, , text]) => (/^ .* $/.test(text) ? text.slice(1, -1) : text));
}

/**
 * The rows of the table under `### {title}` in "## Bad input":
 * [{id, expected}], where `expected` are the code spans of the last column.
 */
export function badInputRows(title) {
  const text = readFileSync(TABLES, 'utf8');
  const section = text.split(/^## /m).find((s) => s.startsWith('Bad input\n'));
  if (!section) throw new Error('docs/errors.md has no "## Bad input" section');
  const table = section.split(/^### /m).find((s) => s.startsWith(`${title}\n`));
  if (!table) throw new Error(`docs/errors.md's "Bad input" has no "### ${title}" table`);
  return table
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const cells = line.split(/(?<!\\)\|/).slice(1, -1);
      return { id: codeSpans(cells[0])[0], expected: codeSpans(cells.at(-1)) };
    });
}

/** Whether `actual` holds every expected part, in order. */
export function holdsInOrder(actual, expected) {
  let from = 0;
  for (const part of expected) {
    const at = actual.indexOf(part, from);
    if (at < 0) return false;
    from = at + part.length;
  }
  return expected.length > 0;
}
