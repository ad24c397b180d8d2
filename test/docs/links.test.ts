// Every relative link in README.md and docs/*.md leads somewhere: the file exists, and an
// `#anchor` names a heading of the file it points to, by GitHub's slug rules. External links
// (https://…) are not fetched.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { docFiles, REPO_ROOT } from './doc-files.js';
import { isExternal, linksIn } from './links.js';
import { scanMarkdown } from './markdown.js';
import { headingSlugs, renderedText, slug } from './slugs.js';

const docs = docFiles().map((doc) => ({ ...doc, scanned: scanMarkdown(doc.text) }));
const anchorsByPath = new Map(docs.map((doc) => [doc.path, headingSlugs(doc.scanned.prose)]));

describe('links between the docs', () => {
  for (const doc of docs) {
    test(`${doc.path}: every relative link and anchor resolves`, () => {
      const broken: string[] = [];
      for (const { line, target } of linksIn(doc.scanned.prose)) {
        if (isExternal(target)) continue;
        const [pathPart = '', anchor] = target.split('#');
        const file = pathPart === '' ? doc.path : join(dirname(doc.path), decodeURI(pathPart));
        const where = `${doc.path}:${line} → ${target}`;
        if (!existsSync(join(REPO_ROOT, file))) {
          broken.push(`${where}: no file ${file}`);
          continue;
        }
        if (anchor === undefined) continue;
        const anchors = anchorsByPath.get(file);
        if (anchors === undefined) {
          broken.push(`${where}: an anchor into a file that is not README.md or docs/*.md`);
        } else if (!anchors.has(anchor)) {
          broken.push(`${where}: no heading with the anchor #${anchor}`);
        }
      }
      assert.deepEqual(broken, []);
    });
  }
});

describe('GitHub heading slugs', () => {
  test('follow GitHub: punctuation dropped, spaces to hyphens, code and emphasis unwrapped', () => {
    assert.equal(slug(renderedText('`warden serve`')), 'warden-serve');
    assert.equal(
      slug(renderedText('HTTP (`http/submit`, `http/sse-fan-out`)')),
      'http-httpsubmit-httpsse-fan-out',
    );
    assert.equal(
      slug(renderedText('WARDEN_ERR_CANCELLED — `CancelledError`')),
      'warden_err_cancelled--cancellederror',
    );
    assert.equal(slug(renderedText('Run 4 (2026-11-22 21:45 UTC)')), 'run-4-2026-11-22-2145-utc');
    assert.equal(slug(renderedText('_Your_ **own** [types](x.md)')), 'your-own-types');
  });

  test('a repeated heading gets -1, -2', () => {
    const prose = ['## Options', 'text', '## Options', '### Options'].map((text, i) => ({
      line: i + 1,
      text,
    }));
    assert.deepEqual([...headingSlugs(prose)], ['options', 'options-1', 'options-2']);
  });
});
