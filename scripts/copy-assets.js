// Copies what `tsc` does not emit into the build: the SQL migrations and the dashboard's static
// files. `node scripts/copy-assets.js [outDir]` (default `dist`).
import { cpSync } from 'node:fs';
import { join } from 'node:path';

const outDir = process.argv[2] ?? 'dist';
cpSync('src/postgres/migrations', join(outDir, 'src/postgres/migrations'), { recursive: true });
cpSync('src/http/dashboard', join(outDir, 'src/http/dashboard'), {
  recursive: true,
  filter: (path) => !path.endsWith('.ts'),
});
