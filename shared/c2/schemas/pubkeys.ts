/** Public-key mode, by hand: which client gets (or forgets) whose public key. */
import { ClientIdParamsSchema, ClientIdSchema } from './clients.js';

/** `/v1/clients/{clientId}/pubkeys/{sourceClientId}`: the client that receives the command, then the key's owner. */
export const PubKeyParamsSchema = ClientIdParamsSchema.extend({
  sourceClientId: ClientIdSchema.meta({
    description:
      'The id of the client whose public key it is about: lowercase hex of SHA3-256(name)[0:16]. Either hex case is ' +
      'accepted.',
  }),
});
