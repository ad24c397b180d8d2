// The anchors GitHub gives a Markdown file's headings, by its rules (github-slugger): the
// heading's rendered text, lower-cased, with everything but letters, digits, marks, `_`, `-` and
// spaces removed, then spaces turned into hyphens; a repeated slug gets `-1`, `-2`, ….

import type { ProseLine } from './markdown.js';

const HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;

/** Every anchor of a file's headings, given its prose lines (code blocks hold no headings). */
export function headingSlugs(prose: readonly ProseLine[]): Set<string> {
  const slugs = new Set<string>();
  const seen = new Map<string, number>();
  for (const { text } of prose) {
    const title = HEADING.exec(text)?.[1];
    if (title === undefined) continue;
    const base = slug(renderedText(title));
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    slugs.add(count === 0 ? base : `${base}-${count}`);
  }
  return slugs;
}

/** GitHub's slug of a heading's rendered text. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The text a heading renders as: no code ticks, link targets, HTML tags or emphasis marks. */
export function renderedText(markdown: string): string {
  return (
    markdown
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/`+/g, '')
      .replace(/\*+/g, '')
      // `_x_` and `__x__` are emphasis only at word boundaries; WARDEN_ERR_X keeps its underscores.
      .replace(/(^|[^\p{L}\p{N}])_{1,2}(?=\S)(.*?\S)_{1,2}(?=[^\p{L}\p{N}]|$)/gu, '$1$2')
      .replace(/\\(.)/g, '$1')
  );
}
