// The links of a Markdown file's prose: inline links and images `[text](target)`, and reference
// definitions `[label]: target`. Code spans and fenced blocks are left out (`[a](b)` in code is
// not a link). A link's text may wrap onto the next line, as prose does.

import type { ProseLine } from './markdown.js';

/** A link and where it is. */
export interface Link {
  /** 1-based line of the link's start. */
  readonly line: number;
  /** The target as written: `docs/http.md#routes`, `#install`, `https://…`. */
  readonly target: string;
}

const INLINE = /!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+(?:"[^"]*"|'[^']*'))?\s*\)/g;
const DEFINITION = /^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+.*)?$/gm;
const CODE_SPAN = /(`+)[\s\S]*?[^`]\1(?!`)/g;

/** Every link in `prose`. */
export function linksIn(prose: readonly ProseLine[]): Link[] {
  const text = prose.map((line) => line.text).join('\n');
  // Blank out code spans, keeping every offset (and so every line number) where it was.
  const bare = text.replace(CODE_SPAN, (span) => span.replace(/[^\n]/g, ' '));
  const lineAt = lineIndex(text, prose);
  const links: Link[] = [];
  for (const pattern of [INLINE, DEFINITION]) {
    for (const match of bare.matchAll(pattern)) {
      links.push({ line: lineAt(match.index), target: match[1] as string });
    }
  }
  return links.sort((a, b) => a.line - b.line);
}

/** True for a target that leaves the repository: a URL with a scheme, or `//host/…`. */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}

/** Maps an offset in the joined prose back to its line number in the file. */
function lineIndex(text: string, prose: readonly ProseLine[]): (offset: number) => number {
  const starts: number[] = [];
  let offset = 0;
  for (const line of text.split('\n')) {
    starts.push(offset);
    offset += line.length + 1;
  }
  return (at) => {
    let index = 0;
    while (index + 1 < starts.length && (starts[index + 1] as number) <= at) index++;
    return (prose[index] as ProseLine).line;
  };
}
