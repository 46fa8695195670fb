/**
 * The DynamoDB client of local mode, for the embedded store (dynalite on loopback, shared/adapters/local/DynaliteServer.ts): fixed local
 * credentials and **no request signing**: dynalite wants an Authorization header of SigV4's shape but checks no
 * signature, and signing cost about a millisecond of the event loop per call (about a tenth of local mode's CPU while
 * 1,000 devices confirm a rotation); and without the SDK's per-call logger (shared/adapters/aws/withoutCallLog.ts). Never for a real
 * AWS endpoint.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withoutCallLog } from '../shared/adapters/aws/withoutCallLog.js';

const UNSIGNED =
  'AWS4-HMAC-SHA256 Credential=local/20260101/local/dynamodb/aws4_request, SignedHeaders=host, Signature=none';
const UNSIGNED_DATE = '20260101T000000Z';

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return withoutCallLog(
    new DynamoDBClient({
      endpoint,
      region: 'local',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      httpAuthSchemes: [
        {
          schemeId: 'aws.auth#sigv4',
          identityProvider: (config) => config.getIdentityProvider('aws.auth#sigv4'),
          signer: {
            sign: async (request) => {
              request.headers = { ...request.headers, authorization: UNSIGNED, 'x-amz-date': UNSIGNED_DATE };
              return request;
            },
          },
        },
      ],
    }),
  );
}
