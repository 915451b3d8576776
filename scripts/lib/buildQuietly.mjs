// Builds the workspaces a script needs with turbo, quietly unless the build fails (then its
// output is shown and the process exits with its status).
import { spawnSync } from 'node:child_process';

/** The environment the scripts run turbo and npm with. */
export const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1' };

/** `turbo run build --filter=<filter>`; exits the process when it fails. */
export function buildQuietly(filter) {
  const build = spawnSync('npx', ['turbo', 'run', 'build', `--filter=${filter}`, '--output-logs=errors-only'], { env, encoding: 'utf8' });
  if (build.status === 0) return;
  process.stdout.write(build.stdout ?? '');
  process.stderr.write(build.stderr ?? '');
  process.exit(build.status ?? 1);
}
