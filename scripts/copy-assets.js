// Copies what `tsc` does not emit into dist/: the SQL migrations and the dashboard's static files.
import { cpSync } from 'node:fs';

cpSync('src/postgres/migrations', 'dist/src/postgres/migrations', { recursive: true });
cpSync('src/http/dashboard', 'dist/src/http/dashboard', {
  recursive: true,
  filter: (path) => !path.endsWith('.ts'),
});
