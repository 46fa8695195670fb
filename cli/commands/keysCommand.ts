/**
 * `e4c2 keys ...`: the tenant's API keys (an admin key's work): create (its token shown once), list, get, rotate (a
 * new token, shown once; the old one is refused at once) and revoke. Rotating the key of the profile in use stores
 * the new token in that profile, so the CLI keeps working.
 */
import { Command, Option } from 'commander';
import type { Schemas } from '../api/Api.js';
import { type ListOptions, listAll, withListOptions } from '../api/listAll.js';
import { action } from '../CliContext.js';
import { apiKeyTokenInfo } from '../config/apiKeyToken.js';
import { configFileOf, profileNamed, readConfig, saveProfile } from '../config/configFile.js';
import { isoTimeOf } from '../ids/isoTimeOf.js';
import { apiKeyIdOf } from '../ids/refs.js';
import type { Column } from '../output/formatTable.js';
import { shownOnce } from '../output/shownOnce.js';
import { withExamples } from './withExamples.js';

type ApiKey = Schemas['ApiKey'];

export const API_KEY_SCOPES = ['admin', 'operator', 'read-only', 'enrol'] as const;

const API_KEY_COLUMNS: readonly Column<ApiKey>[] = [
  { header: 'key id', value: (k) => k.keyId },
  { header: 'name', value: (k) => k.name },
  { header: 'scope', value: (k) => k.scope },
  { header: 'prefix', value: (k) => k.prefix },
  { header: 'status', value: (k) => k.status },
  { header: 'expires', value: (k) => k.expiresAt },
  { header: 'last used', value: (k) => k.lastUsedAt },
  { header: 'created', value: (k) => k.createdAt },
];

export function keysCommand(): Command {
  const keys = withExamples(
    new Command('keys')
      .alias('key')
      .description("the tenant's API keys: create, list, rotate, revoke (an admin key's work)"),
    ['e4c2 keys list', 'e4c2 keys create --name dashboard --scope read-only'],
  );

  withExamples(
    keys
      .command('create')
      .description('create an API key; its token is shown once')
      .requiredOption('--name <name>', 'a name for people')
      .addOption(new Option('--scope <scope>', 'what it may do').choices(API_KEY_SCOPES).makeOptionMandatory())
      .option('--expires-at <time>', 'refused from then on (ISO 8601, e.g. 2027-01-31T00:00:00Z); default: never'),
    [
      'e4c2 keys create --name ci --scope operator',
      'e4c2 keys create --name dashboard --scope read-only --expires-at 2027-01-31T00:00:00Z --json',
    ],
  ).action(
    action(async (context, options: { name: string; scope: ApiKey['scope']; expiresAt?: string }) => {
      const body = {
        name: options.name,
        scope: options.scope,
        ...(options.expiresAt ? { expiresAt: isoTimeOf('--expires-at', options.expiresAt) } : {}),
      };
      const created = await context.api.call((client) => client.POST('/v1/keys/api', { body }));
      shownOnce(context.output, created, 'token');
    }),
  );

  withExamples(withListOptions(keys.command('list').alias('ls').description('list the API keys, revoked ones too')), [
    'e4c2 keys list',
    'e4c2 keys list --all --json',
  ]).action(
    action(async (context, options: ListOptions) => {
      const items = await listAll(options, (query) =>
        context.api.call((client) => client.GET('/v1/keys/api', { params: { query } })),
      );
      context.output.list(items, API_KEY_COLUMNS, 'No API keys.');
    }),
  );

  withExamples(
    keys
      .command('get')
      .alias('describe')
      .description('show one API key (never its secret)')
      .argument('<keyId>', 'its key id (16 hex characters)'),
    ['e4c2 keys get 0123456789abcdef'],
  ).action(
    action(async (context, value: string) => {
      const keyId = apiKeyIdOf(value);
      const key = await context.api.call(
        (client) => client.GET('/v1/keys/api/{keyId}', { params: { path: { keyId } } }),
        { notFound: `no API key ${keyId}` },
      );
      context.output.record(key);
    }),
  );

  withExamples(
    keys
      .command('rotate')
      .description('give the key a new token, shown once (same id, scope and expiry); the old token stops working')
      .argument('<keyId>', 'its key id (16 hex characters)'),
    ['e4c2 keys rotate 0123456789abcdef', 'e4c2 keys rotate 0123456789abcdef --json'],
  ).action(
    action(async (context, value: string) => {
      const keyId = apiKeyIdOf(value);
      const rotated = await context.api.call(
        (client) => client.POST('/v1/keys/api/{keyId}/rotate', { params: { path: { keyId } } }),
        { notFound: `no API key ${keyId}` },
      );
      shownOnce(context.output, rotated, 'new token');
      const { profile } = context.api.connection;
      const file = configFileOf(context.env);
      const stored = profile ? profileNamed(readConfig(file), profile) : undefined;
      if (profile && stored && !context.env.E4C2_API_KEY && apiKeyTokenInfo(stored.apiKey)?.keyId === keyId) {
        saveProfile(file, profile, { ...stored, apiKey: rotated.token });
        context.output.note(`Profile "${profile}" now holds the new token.`);
      }
    }),
  );

  withExamples(
    keys
      .command('revoke')
      .description('revoke the key: refused from now on, still listed (the last admin key cannot be revoked)')
      .argument('<keyId>', 'its key id (16 hex characters)'),
    ['e4c2 keys revoke 0123456789abcdef'],
  ).action(
    action(async (context, value: string) => {
      const keyId = apiKeyIdOf(value);
      const revoked = await context.api.call(
        (client) => client.DELETE('/v1/keys/api/{keyId}', { params: { path: { keyId } } }),
        { notFound: `no API key ${keyId}` },
      );
      if (context.output.forPeople) context.output.say(`Revoked API key ${revoked.keyId} ("${revoked.name}").`);
      else context.output.data(revoked);
    }),
  );

  return keys;
}
