/**
 * What the tests of several instances take from the compose set-up in docs/multi-instance/: the
 * settings file every instance runs with, the environment compose gives each Node-RED (the Redis
 * URL with its password, the credential secret), and Redis's password. Read from the files
 * themselves, so a change there is a change in what the tests run.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { nodeRed } from './node-red-under-test';

const DOCS = path.resolve(__dirname, '..', '..', 'docs', 'multi-instance');

/** docs/multi-instance/flows/settings.js: loaded by every instance, as compose's command line does. */
export const DOCS_SETTINGS = path.join(DOCS, 'flows', 'settings.js');

interface ComposeFile {
  'x-node-red': { environment: Record<string, string>; command: string[] };
  services: { redis: { command: string[] } };
}

/** js-yaml, as Node-RED's own YAML node ships it. */
const yaml = nodeRed.load('js-yaml') as { load(text: string): unknown };

export const compose = yaml.load(
  readFileSync(path.join(DOCS, 'compose.yaml'), 'utf8'),
) as ComposeFile;

/**
 * The values the README's `export` line gives compose (`REDIS_PASSWORD`,
 * `NODE_RED_CREDENTIAL_SECRET`): the example a reader copies.
 */
export function readmeValues(): Record<string, string> {
  const readme = readFileSync(path.join(DOCS, 'README.md'), 'utf8');
  const line = /^export (.+)$/m.exec(readme)?.[1] ?? '';
  const values: Record<string, string> = {};
  for (const [, name, value] of line.matchAll(/([A-Za-z_][A-Za-z0-9_]*)='([^']*)'/g)) {
    values[name] = value;
  }
  return values;
}

/** `${NAME:-default}` as compose expands it, from `values` (the defaults otherwise). */
function expand(text: string, values: Record<string, string>): string {
  return text.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
    (_all, name: string, fallback?: string) => values[name] ?? fallback ?? '',
  );
}

/** The password compose gives redis-server (`--requirepass`), expanded from `values`. */
export function redisPassword(values: Record<string, string>): string {
  const command = compose.services.redis.command;
  const at = command.indexOf('--requirepass');
  if (at < 0) throw new Error('compose.yaml starts redis-server without --requirepass');
  return expand(command[at + 1], values);
}

/**
 * The environment compose gives every Node-RED instance, expanded from `values`, with the
 * Redis service's host (`redis:6379`) replaced by the test's redis-server.
 */
export function nodeRedEnvironment(
  values: Record<string, string>,
  redisHost: string,
): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(compose['x-node-red'].environment)) {
    env[name] = expand(value, values).replace('@redis:6379', `@${redisHost}`);
  }
  return env;
}

/** The name of the variable whose value is a `redis://` URL: the one the connection reads. */
export function redisUrlVariable(): string {
  const names = Object.entries(compose['x-node-red'].environment)
    .filter(([, value]) => /^rediss?:\/\//.test(value))
    .map(([name]) => name);
  if (names.length !== 1) throw new Error(`compose.yaml sets ${names.length} Redis URLs`);
  return names[0];
}
