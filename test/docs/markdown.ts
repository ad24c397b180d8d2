// A small Markdown scanner, enough for the docs tests: fenced code blocks (with the HTML comment
// right before each, which is how a block is marked), and the lines outside them (where
// headings and links are). Fences follow CommonMark: three or more backticks or tildes, at any
// indentation (a block inside a list item is indented), closed by a fence of the same character
// at least as long; the opening fence's indentation is removed from the block's lines.

/** A fenced code block. */
export interface FencedBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  /** The info string's first word (`ts`, `sh`, …), or '' when there is none. */
  readonly lang: string;
  /** The block's text, without the fences, its indentation removed; ends with a newline. */
  readonly code: string;
  /** The text of the HTML comment that ends on the line before the fence, if any. */
  readonly marker: string | undefined;
  /** The text of the nearest heading above the block ('' before the first). */
  readonly heading: string;
}

/** A line that is not inside a fenced block. */
export interface ProseLine {
  /** 1-based line number. */
  readonly line: number;
  readonly text: string;
}

/** What {@link scanMarkdown} finds. */
export interface ScannedMarkdown {
  readonly blocks: FencedBlock[];
  readonly prose: ProseLine[];
}

const FENCE = /^( *)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING = /^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$/;

/** Split `text` into fenced blocks and prose lines. Throws on a fence that is never closed. */
export function scanMarkdown(text: string): ScannedMarkdown {
  const lines = text.split('\n');
  const blocks: FencedBlock[] = [];
  const prose: ProseLine[] = [];
  let heading = '';
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const open = FENCE.exec(line);
    if (open === null) {
      prose.push({ line: i + 1, text: line });
      const title = HEADING.exec(line)?.[1];
      if (title !== undefined) heading = title;
      continue;
    }
    const indent = (open[1] as string).length;
    const fence = open[2] as string;
    const body: string[] = [];
    let end = i + 1;
    for (; end < lines.length; end++) {
      const candidate = (lines[end] as string).trim();
      if (candidate.startsWith(fence) && /^(`+|~+)$/.test(candidate)) break;
      body.push(dedent(lines[end] as string, indent));
    }
    if (end === lines.length) throw new Error(`line ${i + 1}: a code fence is never closed`);
    blocks.push({
      line: i + 1,
      lang: (open[3] as string).toLowerCase(),
      code: body.length === 0 ? '' : `${body.join('\n')}\n`,
      marker: markerBefore(lines, i),
      heading,
    });
    i = end;
  }
  return { blocks, prose };
}

function dedent(line: string, indent: number): string {
  let removed = 0;
  while (removed < indent && line[removed] === ' ') removed++;
  return line.slice(removed);
}

/** The HTML comment (possibly spanning lines) that ends on the line just before `fence`. */
function markerBefore(lines: string[], fence: number): string | undefined {
  const last = lines[fence - 1]?.trim();
  if (last === undefined || !last.endsWith('-->')) return undefined;
  for (let start = fence - 1; start >= 0; start--) {
    const first = (lines[start] as string).trim();
    if (first.startsWith('<!--')) {
      const comment = lines
        .slice(start, fence)
        .map((l) => l.trim())
        .join(' ');
      return comment.slice('<!--'.length, -'-->'.length).trim();
    }
  }
  return undefined;
}
