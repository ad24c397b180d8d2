/**
 * The dashboard's files, read once into memory: the page, its own modules and stylesheet, and
 * the three vendor modules (Preact, its hooks, htm) taken straight from the installed packages.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file the dashboard serves, ready to send. */
export interface DashboardAsset {
  /** The bytes to send. */
  readonly body: Buffer;
  /** The `Content-Type` header. */
  readonly contentType: string;
  /** A strong `ETag`: a hash of `body`, quoted. */
  readonly etag: string;
  /** The `Content-Security-Policy` header, on the page only. */
  readonly contentSecurityPolicy?: string;
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The dashboard's own files, next to this module (in `src/` when run through tsx, in `dist/`
 * where `scripts/copy-assets.js` puts them after a build). A fixed list: a request names one of
 * these keys, it never names a path on disk.
 */
const OWN_FILES = {
  'app.js': JS,
  'api.js': JS,
  'html.js': JS,
  'format.js': JS,
  'start-form.js': JS,
  'task-list.js': JS,
  'task-detail.js': JS,
  'event-log.js': JS,
  'progress-bar.js': JS,
  'status-badge.js': JS,
  'token-prompt.js': JS,
  'style.css': CSS,
} as const satisfies Record<string, string>;

/** The vendor modules: the URL the import map gives each, and where it lives in its package. */
const VENDOR_FILES = {
  'preact.mjs': { from: 'preact', file: 'preact.module.js' },
  'preact-hooks.mjs': { from: 'preact/hooks', file: 'hooks.module.js' },
  'htm.mjs': { from: 'htm', file: 'htm.module.js' },
} as const;

/** Every asset by the request path that serves it (relative to where the handler is mounted). */
export type DashboardAssets = ReadonlyMap<string, DashboardAsset>;

let loaded: DashboardAssets | undefined;

/**
 * The dashboard's assets by request path (`/`, `/dashboard/app.js`, `/dashboard/vendor/…`),
 * read from disk on the first call and kept. Throws if a file is missing (a build that skipped
 * `scripts/copy-assets.js`, or Preact or htm not installed).
 */
export function dashboardAssets(): DashboardAssets {
  loaded ??= loadAssets();
  return loaded;
}

function loadAssets(): DashboardAssets {
  const here = dirname(fileURLToPath(import.meta.url));
  const assets = new Map<string, DashboardAsset>();
  const page = readFileSync(join(here, 'index.html'));
  assets.set('/', {
    ...asset(page, HTML),
    contentSecurityPolicy: contentSecurityPolicy(page.toString('utf8')),
  });
  for (const [name, contentType] of Object.entries(OWN_FILES)) {
    assets.set(`/dashboard/${name}`, asset(readFileSync(join(here, name)), contentType));
  }
  // `require.resolve` gives each package's CommonJS entry; the browser build sits beside it
  // (preact's `exports` has no subpath for the file itself, and htm's `./` mapping is obsolete).
  const require = createRequire(import.meta.url);
  for (const [name, { from, file }] of Object.entries(VENDOR_FILES)) {
    const source = readFileSync(join(dirname(require.resolve(from)), file), 'utf8');
    assets.set(`/dashboard/vendor/${name}`, asset(Buffer.from(withoutSourceMap(source)), JS));
  }
  return assets;
}

function asset(body: Buffer, contentType: string): DashboardAsset {
  const hash = createHash('sha256').update(body).digest('base64url').slice(0, 27);
  return { body, contentType, etag: `"${hash}"` };
}

/**
 * The page's policy: everything from this origin only, no inline code except the import map,
 * allowed by its hash (computed here, so editing the map cannot silently break the page).
 */
function contentSecurityPolicy(page: string): string {
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(page)?.[1];
  if (importMap === undefined) throw new Error('dashboard index.html has no import map');
  const hash = createHash('sha256').update(importMap, 'utf8').digest('base64');
  return [
    "default-src 'none'",
    `script-src 'self' 'sha256-${hash}'`,
    "style-src 'self'",
    "connect-src 'self'",
    "img-src 'self' data:",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Drop the `sourceMappingURL` comment: the maps are not served, and a browser would ask. */
function withoutSourceMap(source: string): string {
  return source.replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n');
}
