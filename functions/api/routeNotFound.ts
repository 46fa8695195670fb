import { ApiError, HttpErrorCode } from './ApiError.js';
import type { ApiRoute } from './defineRoute.js';

const specialCharacters = /[.*+?^$()|[\]\\]/g;

/** The regular expression of a route's path as @middy/http-router matches it (`{x}` one segment, optional final /). */
function pathPattern(path: string): RegExp {
  const pattern = path
    .replace(/\/$/, '')
    .replace(specialCharacters, '\\$&')
    .replace(/\{[^/]+\}/g, '[^/]+');
  return new RegExp(`^${pattern}/?$`);
}

/**
 * The error for a request no route takes: 405 with `Allow` when the path exists for other methods, else 404.
 * (@middy/http-router itself knows only "not found".)
 */
export function routeNotFound(routes: readonly ApiRoute[], path: string): ApiError {
  const allowed = [...new Set(routes.filter((route) => pathPattern(route.path).test(path)).map((r) => r.method))];
  if (allowed.length > 0) {
    return new ApiError(HttpErrorCode.MethodNotAllowed, `method not allowed here (allowed: ${allowed.join(', ')})`, {
      allow: allowed.join(', '),
    });
  }
  return new ApiError(HttpErrorCode.RouteNotFound, 'no such route');
}
