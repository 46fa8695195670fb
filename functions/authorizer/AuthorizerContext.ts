/**
 * What the Lambda authorizer hands to the api function (`event.requestContext.authorizer.lambda`): the principal of a
 * usable API key, or why there is none. The authorizer always allows the request (`isAuthorized: true`) so that the
 * api function answers the refusal in the API's own error shape (API Gateway's would be `{"message":"Unauthorized"}`).
 * Flat strings only: API Gateway passes a simple response's context through as is.
 */
export type AuthorizerContext =
  | {
      readonly tenantId: string;
      readonly keyId: string;
      readonly scope: string;
      readonly actor: string;
      /** A suspended tenant's key (or one of a tenant being deleted): the api function answers 403 TENANT_SUSPENDED. */
      readonly tenantStatus?: 'suspended' | 'deleting';
    }
  /** `unauthenticated`: no usable key (a 401); `unavailable`: the store could not tell (a 503). */
  | { readonly refused: AuthorizerRefusal };

export type AuthorizerRefusal = 'unauthenticated' | 'unavailable';
